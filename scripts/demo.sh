#!/usr/bin/env bash
# The main job, end to end, on an embedded default: installs what it needs, builds pg_outreach
# and outreachd, starts a throwaway local PostgreSQL cluster, imports a CSV of messy leads with
# `outreachd import` (COPY, normalization, entity resolution in SQL) and shows what came of it:
# the summary, the rows and values that were refused, the leads with their time zones, and the
# duplicates that were merged, with their evidence. The cluster is removed afterwards.
# Usage: scripts/demo.sh [FILE.csv]   (default: examples/leads_messy.csv, then examples/leads_more.csv)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

csv=$(realpath "${1:-examples/leads_messy.csv}")
work=$(mktemp -d /tmp/outreach-demo.XXXXXX)
chmod 755 "$work"
trap 'cluster_stop "$work/pg"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

install_deps
build_and_install_extension
log "building outreachd"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOUTREACH_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target outreachd >/dev/null
log "starting a throwaway PostgreSQL cluster in $work"
cluster_start "$work/pg" "${DEMO_PORT:-55498}"

psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION pg_outreach CASCADE;
INSERT INTO outreach.teams (team_id, name) VALUES ('demo', 'Demo team');
SQL

echo
echo "\$ outreachd import --team demo $(basename "$csv")"
build/outreachd import --team demo "$csv"
if [ -z "${1:-}" ]; then
    # A second delivery: some of the same people written differently, a Windows-1252 row and a
    # short row. It resolves against what the first file created.
    echo
    echo "\$ outreachd import --team demo leads_more.csv"
    build/outreachd import --team demo examples/leads_more.csv
fi
echo

psql -X -q -v ON_ERROR_STOP=1 -P pager=off <<'SQL'
\echo == Values the import refused (the row still imported without them) and rows it rejected ==
SELECT d.name AS file, e.row_number AS "row", e.severity, e.field, e.value AS "as written", e.reason
FROM outreach.import_errors e JOIN outreach.data_sources d USING (team_id, data_source_id)
WHERE e.team_id = 'demo' ORDER BY e.data_source_id, e.row_number, e.field;

\echo == Leads: one per person at a company, normalized, with every time zone quiet hours must respect ==
SELECT l.lead_id AS lead, concat_ws(' ', p.first_name, p.last_name) AS person, b.name AS business,
       (SELECT string_agg(DISTINCT ph.normalized_phone, ', ') FROM outreach.persona_phones ph
        WHERE ph.team_id = l.team_id AND ph.persona_id = l.persona_id) AS phones,
       (SELECT string_agg(DISTINCT em.normalized_email, ', ') FROM outreach.persona_emails em
        WHERE em.team_id = l.team_id AND em.persona_id = l.persona_id) AS emails,
       b.normalized_street AS street, b.normalized_state AS st, b.normalized_zip AS zip,
       outreach.timezones_for(b.normalized_state, b.normalized_zip, p.normalized_phone) AS "time zones",
       (SELECT string_agg(d.name || ':' || s.row_number, ' ' ORDER BY s.data_source_id, s.row_number)
        FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
        WHERE s.team_id = l.team_id AND s.lead_id = l.lead_id) AS "from file:row"
FROM outreach.leads l
JOIN outreach.personas p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
WHERE l.team_id = 'demo' AND l.is_active
ORDER BY l.lead_id;

\echo == Duplicates merged, with the evidence (field by field) and the Fellegi-Sunter match weight ==
SELECT 'person' AS entity, h.rule, h.confidence, h.evidence ->> 'first_name' AS first, h.evidence ->> 'last_name' AS last,
       h.evidence ->> 'phone' AS phone, h.evidence ->> 'email' AS email, h.evidence ->> 'street' AS street,
       h.evidence ->> 'zip' AS zip, h.match_weight::numeric(6, 1) AS weight,
       (SELECT string_agg(d.name || ':' || s.row_number, ' ' ORDER BY s.data_source_id, s.row_number)
        FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
        WHERE s.team_id = h.team_id AND s.origin_persona_id IN (h.survivor_id, h.merged_id)) AS "file:row"
FROM outreach.persona_merge_history h WHERE h.team_id = 'demo'
UNION ALL
SELECT 'business', h.rule, h.confidence, h.evidence ->> 'name', NULL, h.evidence ->> 'phone', NULL, h.evidence ->> 'street',
       h.evidence ->> 'zip', h.match_weight::numeric(6, 1),
       (SELECT string_agg(d.name || ':' || s.row_number, ' ' ORDER BY s.data_source_id, s.row_number)
        FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
        WHERE s.team_id = h.team_id AND s.origin_business_id IN (h.survivor_id, h.merged_id))
FROM outreach.business_merge_history h WHERE h.team_id = 'demo';

\echo == Pairs waiting for an operator (outreach.resolve_match_review) ==
SELECT r.review_id, r.entity, r.rule, r.confidence,
       concat_ws(' ', a.first_name, a.last_name) AS "one", concat_ws(' ', b.first_name, b.last_name) AS "other",
       r.evidence ->> 'first_name' AS first, r.evidence ->> 'last_name' AS last, r.evidence ->> 'street' AS street,
       r.evidence ->> 'zip' AS zip
FROM outreach.match_reviews r
LEFT JOIN outreach.personas a ON r.entity = 'persona' AND a.team_id = r.team_id AND a.persona_id = r.left_id
LEFT JOIN outreach.personas b ON r.entity = 'persona' AND b.team_id = r.team_id AND b.persona_id = r.right_id
WHERE r.team_id = 'demo' AND r.state = 'open';
SQL
log "done; the throwaway cluster is removed on exit"
