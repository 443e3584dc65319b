#!/usr/bin/env bash
# The main job, end to end, on an embedded default: installs what it needs, builds pg_outreach
# and outreachd, starts a throwaway local PostgreSQL cluster, imports a CSV of messy leads with
# `outreachd import` (COPY, normalization, entity resolution in SQL) and shows what came of it:
# the summary, the rows and values that were refused, the leads with their time zones, and the
# duplicates that were merged, with their evidence; then scores the leads, builds a two-step
# campaign with A/B templates, records an opt-out, previews and prepares the campaign, and prints
# the scheduled messages in each lead's local time with what the compliance gate says right now;
# finally it rehearses the sending with `outreachd run` in sandbox mode and shows each text's state
# and why any lead was held back.
# The cluster is removed afterwards.
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

\echo == Scores (outreach.leads.score, kept current by triggers) and why the best lead has its score ==
SELECT lead_id AS lead, owner_name, company, state, score, suppressed FROM outreach.unified_lead_cards
WHERE team_id = 'demo' ORDER BY score DESC, lead_id LIMIT 6;
SELECT component, earned, points, detail
FROM outreach.explain_score('demo', (SELECT lead_id FROM outreach.leads WHERE team_id = 'demo' AND is_active ORDER BY score DESC, lead_id LIMIT 1));

\echo == A campaign: A/B templates with fallbacks, a two-step drip, selection by score ==
INSERT INTO outreach.templates (team_id, name, variant, body, fallbacks) VALUES
    ('demo', 'intro', 'A', 'Hi {{firstName|there}}, this is Sam with Main Street Marketing. Is {{company}} taking on new customers in {{city}}? Reply STOP to opt out.',
     '{"city": "your area"}'),
    ('demo', 'intro', 'B', 'Hello {{firstName|there}}, quick question for {{company}}: who handles your marketing? Reply STOP to opt out.', '{}'),
    ('demo', 'follow-up', 'A', 'Following up, {{firstName|there}}: worth a 5-minute call this week? Reply STOP to opt out.', '{}');
INSERT INTO outreach.campaigns (team_id, campaign_id, name, criteria, send_window_start, send_window_end, min_spacing)
VALUES ('demo', 1, 'Spring outreach', '{"min_score": 40}', '09:00', '17:00', '2 minutes');
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, delay, template_name)
VALUES ('demo', 1, 1, '0', 'intro'), ('demo', 1, 2, '3 days', 'follow-up');

\echo == An opt-out arrives before the campaign is queued: outreach.suppress_phone ==
SELECT outreach.suppress_phone('demo', '(212) 555-0199', 'stop_keyword') AS consent_event;

\echo == Mistakes are refused, naming what is wrong: a typo in the criteria, a STOP undone by a date ==
CREATE FUNCTION pg_temp.refused(statement text) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END
$fn$;
SELECT pg_temp.refused($q$UPDATE outreach.campaigns SET criteria = '{"min_score": 40, "states": ["NY", "Nwe York"]}'
                          WHERE team_id = 'demo' AND campaign_id = 1$q$) AS "criteria with a typo";
SELECT pg_temp.refused($q$SELECT outreach.record_consent('demo', '(212) 555-0199', 'opt_in', 'web_form',
                          '{"reason": "form"}', 'infinity')$q$) AS "an opt-in dated at infinity";

\echo == Preview: who would be texted, and why the others would not ==
SELECT * FROM outreach.preview_campaign_summary('demo', 1);
SELECT c.owner_name, c.company, c.state, p.score, p.reasons
FROM outreach.preview_campaign('demo', 1) p JOIN outreach.unified_lead_cards c ON c.team_id = 'demo' AND c.lead_id = p.lead_id
WHERE NOT p.selected ORDER BY p.score DESC;

\echo == Prepared: rendered, scheduled in the business hours and quiet hours of every zone of each lead, queued once ==
SELECT * FROM outreach.prepare_campaign('demo', 1);
SELECT c.owner_name, c.state, q.step, q.variant, q.timezone, to_char(q.local_send_at, 'Dy YYYY-MM-DD HH24:MI') AS "local send time",
       q.encoding, q.segments, q.body
FROM outreach.campaign_queue q JOIN outreach.unified_lead_cards c ON c.team_id = q.team_id AND c.lead_id = q.lead_id
WHERE q.team_id = 'demo' ORDER BY q.scheduled_at, q.step LIMIT 12;

\echo == The gate right now (outreach.can_send), for every lead ==
SELECT c.owner_name, c.state, c.timezone, to_char(now() AT TIME ZONE coalesce(c.timezone, 'America/New_York'), 'HH24:MI') AS "local time",
       g.allowed, g.reasons
FROM outreach.unified_lead_cards c CROSS JOIN LATERAL outreach.can_send('demo', c.lead_id, now()) g
WHERE c.team_id = 'demo' ORDER BY c.lead_id;
SQL

# Sending, rehearsed: with no provider credentials outreachd runs in sandbox mode (it records each
# request it would make and touches no network). --at rehearses the sends due three hours after
# the first scheduled one, with the gate evaluated at that moment.
at=$(psql -X -At -c "SELECT to_char((min(scheduled_at) + interval '3 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                     FROM outreach.campaign_queue WHERE team_id = 'demo' AND step = 1")
psql -X -q -c "SELECT outreach.request_enrichment('demo', ARRAY(SELECT lead_id FROM outreach.leads WHERE team_id = 'demo' AND is_active AND score < 60), 'skiptrace')" >/dev/null
# Apollo Organization Enrichment for every company, found by the domain of a work e-mail (the NOTICE
# counts the leads that have none: no company, or only free mail)
psql -X -q -c "SELECT outreach.request_enrichment('demo', ARRAY(SELECT lead_id FROM outreach.leads WHERE team_id = 'demo' AND is_active), 'organization')" >/dev/null
echo
echo "\$ outreachd run --once --at $at    # sandbox: no credentials, no network"
OUTREACH_HTTP_LISTEN=127.0.0.1:0 build/outreachd run --once --at "$at" 2>&1 | sed 's/^/  /'
echo
psql -X -q -v ON_ERROR_STOP=1 -P pager=off <<'SQL'
\echo == Texts handed to the (sandbox) provider: state, provider, and the request it would have received ==
SELECT c.owner_name, c.state AS st, m.provider, m.state AS "text state", m.sandbox, m.provider_message_id,
       to_char(m.attempted_at AT TIME ZONE coalesce(c.timezone, 'America/New_York'), 'Dy HH24:MI') AS "local time",
       m.request -> 'body' ->> 'messageBody' AS "message body"
FROM outreach.sms_messages m JOIN outreach.unified_lead_cards c ON c.team_id = m.team_id AND c.lead_id = m.lead_id
WHERE m.team_id = 'demo' ORDER BY m.sms_message_id;

\echo == Enrichment jobs (SkipTrace for the weaker leads): in sandbox mode, the request each would have made ==
SELECT c.owner_name, j.provider, j.state, r.response #>> '{would_send,url}' AS "would call", r.response #> '{would_send,body}' AS "with"
FROM outreach.enrichment_jobs j JOIN outreach.unified_lead_cards c ON c.team_id = j.team_id AND c.lead_id = j.lead_id
LEFT JOIN outreach.skiptrace_results r ON r.team_id = j.team_id AND r.job_id = j.job_id
WHERE j.team_id = 'demo' ORDER BY j.job_id;

\echo == Organization enrichment (Apollo, by company domain): the call each company would get, and why some leads have none ==
SELECT c.owner_name, c.company, j.state, coalesce(r.response #>> '{would_send,url}', j.last_error) AS "would call / why not"
FROM outreach.enrichment_jobs j JOIN outreach.unified_lead_cards c ON c.team_id = j.team_id AND c.lead_id = j.lead_id
LEFT JOIN outreach.enrichment_results r ON r.team_id = j.team_id AND r.job_id = j.job_id
WHERE j.team_id = 'demo' AND j.kind = 'organization' ORDER BY j.state, j.job_id;

\echo == Every queued message now, and why any lead was held back ==
SELECT q.step, q.state, count(*) FROM outreach.campaign_queue q WHERE q.team_id = 'demo' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT c.owner_name, c.state AS st, e.step, e.kind, e.reasons,
       to_char(e.scheduled_at AT TIME ZONE coalesce(c.timezone, 'America/New_York'), 'Dy YYYY-MM-DD HH24:MI') AS "now due (local)"
FROM outreach.scheduled_events e JOIN outreach.unified_lead_cards c ON c.team_id = e.team_id AND c.lead_id = e.lead_id
WHERE e.team_id = 'demo' AND e.kind <> 'scheduled' ORDER BY e.event_id;
SQL
log "done; the throwaway cluster is removed on exit"
