#!/usr/bin/env bash
# The main job, end to end, on an embedded default: installs what it needs, builds pg_outreach
# and outreachd, starts a throwaway local PostgreSQL cluster, imports a CSV of messy leads with
# `outreachd import` (COPY, normalization, entity resolution in SQL) and shows what came of it:
# the summary, the rows and values that were refused, the leads with their time zones, and the
# duplicates that were merged, with their evidence; then scores the leads, builds a two-step
# campaign with A/B templates, records an opt-out, previews and prepares the campaign, and prints
# the scheduled messages in each lead's local time with what the compliance gate says right now;
# it rehearses the sending with `outreachd run` in sandbox mode and shows each text's state and why
# any lead was held back; finally five people reply through signed webhooks to the running outreachd
# (a free-text STOP, an e-mail, a question, a callback time, a yes) and it shows the inbox by
# priority, the opt-out with its one confirmation text, the captured e-mail and the cancelled drip.
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
# Replies, through real HTTP: outreachd serves the webhooks; five people answer their text as
# SignalHouse MESSAGE_RECEIVED events, signed with a signing secret made up for this run (so the
# sends stay in sandbox mode). Each is stored raw, verified, and received by one SQL call.
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
OUTREACH_HTTP_LISTEN=127.0.0.1:$port OUTREACH_SIGNALHOUSE_SIGNING_SECRET=$secret OUTREACH_SPOOL_DIR=$work/spool \
    OUTREACH_POLL_MS=200 build/outreachd run >"$work/outreachd.log" 2>&1 &
daemon=$!
trap '{ kill $daemon; wait $daemon; } 2>/dev/null || true; cluster_stop "$work/pg"; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ "$(curl -s -m 2 "http://127.0.0.1:$port/healthz")" = ok ] && break; sleep 0.1; done
# six texted people, and what each says
psql -X -At -F $'\t' -c "SELECT DISTINCT ON (m.lead_id) m.to_phone FROM outreach.sms_messages m
                         WHERE m.team_id = 'demo' AND m.lead_id IS NOT NULL ORDER BY m.lead_id LIMIT 6" >"$work/texted"
python3 - "$work/texted" "$work/replies.jsonl" <<'PY'
import json, sys
phones = [l.strip() for l in open(sys.argv[1]) if l.strip()]
says = ["pls stop texting me, take me off ur list",
        "sure, send the details to frank dot miller at gmail dot com",
        "who is this and how did you get my number?",
        "busy today, call me tuesday around 3pm",
        "yes! tell me more",
        "my cousin handles that stuff"]
with open(sys.argv[2], "w") as out:
    for i, (phone, body) in enumerate(zip(phones, says)):
        out.write(json.dumps({"provider": "signalhouse", "id": "demo-reply-%d" % (i + 1), "from": phone.lstrip("+"),
                              "to": "12125550100", "body": body}) + "\n")
PY
echo
echo "\$ # six replies arrive as signed SignalHouse webhooks at http://127.0.0.1:$port/webhooks/signalhouse/demo"
python3 test/integration/inbound_send.py --base "http://127.0.0.1:$port" --team demo --twilio-token unused \
    --signalhouse-secret "$secret" --messages "$work/replies.jsonl" | sed 's/^/  answered: /'
# the opt-out's confirmation goes out through the send path (sandbox) and the e-mail is imported off
# the webhook's path: give the worker a moment
for _ in $(seq 50); do
    [ "$(psql -X -At -c "SELECT count(*) > 0 FROM outreach.sms_messages WHERE team_id = 'demo' AND reply_text_id IS NOT NULL
                          AND state NOT IN ('claimed', 'sending')
                          AND NOT EXISTS (SELECT 1 FROM outreach.inbox_items WHERE team_id = 'demo' AND email_capture = 'pending')
                          AND NOT EXISTS (SELECT 1 FROM outreach.classification_jobs WHERE team_id = 'demo'
                                          AND state IN ('queued', 'running'))")" = t ] && break
    sleep 0.2
done
echo
psql -X -q -v ON_ERROR_STOP=1 -P pager=off <<'SQL'
\echo == The inbox, by priority now: label, confidence and the rule that decided, queue, bucket and SLA ==
SELECT c.owner_name, i.body, i.classification AS label, round(i.confidence::numeric, 2) AS conf, i.rule, i.queue, i.bucket,
       i.priority, to_char(i.sla_due_at, 'HH24:MI') AS "answer by"
FROM outreach.inbox i JOIN outreach.unified_lead_cards c ON c.team_id = i.team_id AND c.lead_id = i.lead_id
WHERE i.team_id = 'demo';
\echo == The STOP: closed, an opt-out in the consent log, the number suppressed, and its one confirmation ==
SELECT i.classification, i.state, e.kind, e.source, s.phone IS NOT NULL AS suppressed
FROM outreach.inbox_items i JOIN outreach.consent_log e ON e.team_id = i.team_id AND e.event_id = i.consent_event_id
LEFT JOIN outreach.suppression_list s ON s.team_id = i.team_id AND s.phone = i.from_number
WHERE i.team_id = 'demo';
SELECT r.kind, r.state, m.state AS "text state", m.sandbox, m.body
FROM outreach.reply_texts r LEFT JOIN outreach.sms_messages m ON m.team_id = r.team_id AND m.sms_message_id = r.sms_message_id
WHERE r.team_id = 'demo';
\echo == The e-mail given in a reply, now on the person (resolved like an imported row) ==
SELECT c.owner_name, e.normalized_email, a.kind AS activity
FROM outreach.lead_activities a JOIN outreach.unified_lead_cards c ON c.team_id = a.team_id AND c.lead_id = a.lead_id
JOIN outreach.leads l ON l.team_id = a.team_id AND l.lead_id = a.lead_id
JOIN outreach.persona_emails e ON e.team_id = l.team_id AND e.persona_id = l.persona_id
WHERE a.team_id = 'demo' AND a.kind = 'email_captured';
\echo == A reply the rules are unsure of waits in review; a model takes a second look (sandbox: no key, so the label of the rules stands) ==
SELECT c.owner_name, i.body, i.classification AS label, round(i.confidence::numeric, 2) AS conf, i.state, j.state AS job,
       j.outcome
FROM outreach.inbox_items i JOIN outreach.classification_jobs j ON j.team_id = i.team_id AND j.inbox_item_id = i.inbox_item_id
JOIN outreach.unified_lead_cards c ON c.team_id = i.team_id AND c.lead_id = i.lead_id
WHERE i.team_id = 'demo';
\echo == The callback time, as the rules read it ==
SELECT c.owner_name, i.extracted -> 'callback' AS callback
FROM outreach.inbox_items i JOIN outreach.unified_lead_cards c ON c.team_id = i.team_id AND c.lead_id = i.lead_id
WHERE i.team_id = 'demo' AND i.extracted ? 'callback';
\echo == The drip ends where a person replied: their later steps are cancelled ==
SELECT c.owner_name, q.step, q.state, q.cancel_reason
FROM outreach.campaign_queue q JOIN outreach.unified_lead_cards c ON c.team_id = q.team_id AND c.lead_id = q.lead_id
WHERE q.team_id = 'demo' AND q.cancel_reason IN ('replied', 'suppressed') ORDER BY c.owner_name, q.step;
SQL
{ kill "$daemon"; wait "$daemon"; } 2>/dev/null || true
log "done; the throwaway cluster is removed on exit"
