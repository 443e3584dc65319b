-- Sending at volume (0.4.0): outreachd starts a window of claimed texts in one call
-- (outreach.start_sends), sends their requests at once, and records every outcome in one call
-- (outreach.complete_sends). The caps read counters kept by triggers (outreach.send_counters,
-- outreach.cap_usage) instead of counting the day's texts. Clocks are fixed.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET TIME ZONE 'UTC';
INSERT INTO outreach.teams (team_id, name) VALUES ('win', 'Window team');
SELECT rows_imported FROM outreach.import_csv('win', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
Cafe One,Ann,Avery,(212) 555-0141,1 Elm St,New York,NY,10001
Cafe Two,Ben,Baker,(212) 555-0142,2 Elm St,New York,NY,10001
Cafe Three,Cal,Cole,(212) 555-0143,3 Elm St,New York,NY,10001
Cafe Four,Dot,Dean,(212) 555-0144,4 Elm St,New York,NY,10001
Cafe Five,Eve,Egan,(212) 555-0145,5 Elm St,New York,NY,10001
Cafe Six,Fay,Ford,(212) 555-0146,6 Elm St,New York,NY,10001
', 'UTF8'));
CREATE TEMP TABLE who AS SELECT lead_id, first_name AS name FROM outreach.unified_lead_cards WHERE team_id = 'win';
INSERT INTO outreach.templates (team_id, name, body) VALUES ('win', 'hi', 'Hi {{firstName|there}}! Reply STOP to opt out.');
-- two campaigns of one 10DLC brand: three texts a minute each, and the brand may send 8 segments a day
INSERT INTO outreach.sender_limits (team_id, brand, daily_cap) VALUES ('win', 'acme', 8);
INSERT INTO outreach.campaigns (team_id, campaign_id, name, min_spacing, per_minute_cap, brand)
VALUES ('win', 1, 'First', '0', 3, 'acme'), ('win', 2, 'Second', '0', 3, 'acme');
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('win', 1, 1, 'hi'), ('win', 2, 1, 'hi');
SELECT messages_queued FROM outreach.prepare_campaign('win', 1, '2026-01-13 15:00+00');

-- ---- a window ----------------------------------------------------------------------------------------
-- Six are due; the campaign's per-minute cap lets three go.
CREATE TEMP TABLE c1 AS SELECT * FROM outreach.claim_sends('w1', 10, '2 minutes', '2026-01-13 15:05+00', 'win');
SELECT w.name, c1.to_phone FROM c1 JOIN who w USING (lead_id) ORDER BY c1.sms_message_id;
-- what the caps count now: claimed texts count (they are reserved)
SELECT kind, subject, bucket, texts, segments FROM outreach.send_counters WHERE team_id = 'win' ORDER BY kind, subject, bucket;
SELECT * FROM outreach.cap_usage('win', 1, 'acme', '2026-01-13 15:05:30+00');
-- Cal says STOP between the claim and the start: his text is not started.
SELECT outreach.suppress_phone('win', '(212) 555-0143', 'stop_keyword') > 0 AS recorded;
SELECT w.name, s.started
FROM outreach.start_sends('win', (SELECT array_agg(sms_message_id ORDER BY sms_message_id) FROM c1), '2026-01-13 15:05:01+00') s
JOIN c1 USING (sms_message_id) JOIN who w USING (lead_id) ORDER BY s.sms_message_id;
SELECT w.name, m.state, m.error_code, q.state AS queue_state
FROM outreach.sms_messages m JOIN outreach.campaign_queue q ON q.team_id = m.team_id AND q.queue_id = m.queue_id
JOIN who w ON w.lead_id = m.lead_id WHERE m.team_id = 'win' ORDER BY m.sms_message_id;
-- a failed text frees its room
SELECT * FROM outreach.cap_usage('win', 1, 'acme', '2026-01-13 15:05:30+00');
-- Starting again changes nothing: only claimed texts start.
SELECT count(*) FILTER (WHERE started) AS started_again
FROM outreach.start_sends('win', (SELECT array_agg(sms_message_id) FROM c1), '2026-01-13 15:05:02+00');

-- The providers answered: Ann's went out; the request for Ben's timed out after it left.
SELECT w.name, d.state
FROM outreach.complete_sends('win', jsonb_build_array(
         jsonb_build_object('sms_message_id', (SELECT c1.sms_message_id FROM c1 JOIN who w USING (lead_id) WHERE w.name = 'Ann'),
                            'outcome', 'sent', 'provider', 'signalhouse', 'provider_message_id', 'SH-A1',
                            'request', '{"method": "POST"}'::jsonb, 'sandbox', false),
         jsonb_build_object('sms_message_id', (SELECT c1.sms_message_id FROM c1 JOIN who w USING (lead_id) WHERE w.name = 'Ben'),
                            'outcome', 'unknown', 'provider', 'signalhouse', 'error_code', 'transport',
                            'error_message', 'Timeout was reached'))) d
JOIN c1 USING (sms_message_id) JOIN who w USING (lead_id) ORDER BY d.sms_message_id;
SELECT w.name, m.state, m.provider_message_id, m.request, q.state AS queue_state
FROM outreach.sms_messages m JOIN outreach.campaign_queue q ON q.team_id = m.team_id AND q.queue_id = m.queue_id
JOIN who w ON w.lead_id = m.lead_id WHERE m.team_id = 'win' ORDER BY m.sms_message_id;
-- The same report again (a worker that retried its call) changes nothing.
SELECT d.state FROM outreach.complete_sends('win', jsonb_build_array(jsonb_build_object(
    'sms_message_id', (SELECT c1.sms_message_id FROM c1 JOIN who w USING (lead_id) WHERE w.name = 'Ann'), 'outcome', 'failed'))) d;
-- Reports that make no sense are refused whole.
SELECT * FROM outreach.complete_sends('win', '{"outcome": "sent"}');
SELECT * FROM outreach.complete_sends('win', '[{"sms_message_id": 1, "outcome": "delivered"}]');
SELECT * FROM outreach.complete_sends('win', '[{"sms_message_id": 1, "outcome": "sent"}, {"sms_message_id": 1, "outcome": "failed"}]');

-- ---- the caps, from the counters -----------------------------------------------------------------------
-- Within the same minute the campaign has used 2 of its 3 texts (Cal's failed): one more goes.
CREATE TEMP TABLE c2 AS SELECT * FROM outreach.claim_sends('w1', 10, '2 minutes', '2026-01-13 15:05:40+00', 'win');
SELECT w.name FROM c2 JOIN who w USING (lead_id);
SELECT b.reasons FROM outreach.can_send('win', (SELECT lead_id FROM who WHERE name = 'Fay'), '2026-01-13 15:05:40+00', 1, 1) b;
-- The second campaign of the brand. At 15:07 the first campaign's last two (Eve, Fay) are due and
-- take 2 of the brand's 5 segments left; the second campaign gets the other 3 (Ann, Ben, Dot). Its
-- texts to Eve and Fay wait: a number gets one text per batch, whatever the campaign.
SELECT messages_queued FROM outreach.prepare_campaign('win', 2, '2026-01-13 15:06+00');
CREATE TEMP TABLE c3 AS SELECT * FROM outreach.claim_sends('w1', 20, '2 minutes', '2026-01-13 15:07+00', 'win');
SELECT c3.campaign_id, w.name FROM c3 JOIN who w USING (lead_id) ORDER BY c3.sms_message_id;
SELECT * FROM outreach.cap_usage('win', 2, 'acme', '2026-01-13 15:07+00');
-- The brand's day is full: the next claim makes the rest wait for the next Pacific day.
SELECT b.reasons FROM outreach.can_send('win', (SELECT lead_id FROM who WHERE name = 'Fay'), '2026-01-13 15:07:30+00', 2, 1) b;
SELECT count(*) AS claimed FROM outreach.claim_sends('w1', 20, '2 minutes', '2026-01-13 15:08+00', 'win');
SELECT q.campaign_id, w.name, q.state, q.scheduled_at FROM outreach.campaign_queue q JOIN who w USING (lead_id)
WHERE q.team_id = 'win' AND q.state = 'queued' ORDER BY q.campaign_id, w.lead_id;

-- ---- outcomes that need more than a state ----------------------------------------------------------------
-- Dot's first delivery callback arrives before the provider's answer; the answer then applies it.
-- Eve's number unsubscribed at the carrier (Twilio 21610): an opt-out everywhere, and her text of
-- the second campaign is cancelled. The rest were not processed (HTTP 429): they wait and are
-- claimed again.
CREATE TEMP TABLE window2 AS
SELECT c.sms_message_id, c.campaign_id, w.name FROM (SELECT * FROM c2 UNION ALL SELECT * FROM c3) c JOIN who w USING (lead_id);
SELECT count(*) FILTER (WHERE started) AS started
FROM outreach.start_sends('win', (SELECT array_agg(sms_message_id ORDER BY sms_message_id) FROM window2), '2026-01-13 15:07:01+00');
SELECT duplicate, state FROM outreach.record_webhook('win', 'signalhouse', 'status', 'delivery-w1', 'SH-D1', '{}',
    '{"messageId": "SH-D1", "status": "DELIVERED"}', '{"messageId": "SH-D1", "status": "DELIVERED"}', true);
SELECT x.campaign_id, x.name, d.state
FROM window2 x
JOIN outreach.complete_sends('win', (
    SELECT jsonb_agg(CASE
        WHEN y.name = 'Dot' AND y.campaign_id = 1
            THEN jsonb_build_object('sms_message_id', y.sms_message_id, 'outcome', 'sent', 'provider', 'signalhouse', 'provider_message_id', 'SH-D1')
        WHEN y.name = 'Eve'
            THEN jsonb_build_object('sms_message_id', y.sms_message_id, 'outcome', 'failed', 'provider', 'twilio', 'error_code', '21610',
                                    'error_message', 'Attempt to send to unsubscribed recipient')
        ELSE jsonb_build_object('sms_message_id', y.sms_message_id, 'outcome', 'retry', 'provider', 'signalhouse', 'error_code', '429',
                                'retry_after_seconds', 300) END)
    FROM window2 y)) d ON d.sms_message_id = x.sms_message_id
ORDER BY x.sms_message_id;
SELECT phone, source FROM outreach.suppression_list WHERE team_id = 'win' ORDER BY phone;
SELECT state, regexp_replace(outcome, 'text [0-9]+', 'the text') AS outcome FROM outreach.webhook_events WHERE team_id = 'win';
SELECT w.name, q.campaign_id, q.state, q.scheduled_at FROM outreach.campaign_queue q JOIN who w USING (lead_id)
WHERE q.team_id = 'win' AND q.state NOT IN ('sent', 'cancelled') ORDER BY q.campaign_id, w.lead_id;
-- the counters agree with the texts, whatever happened to them
SELECT (SELECT sum(texts) FROM outreach.send_counters WHERE team_id = 'win' AND kind = 'brand_day') AS counted,
       (SELECT count(*) FROM outreach.sms_messages WHERE team_id = 'win' AND state <> 'failed') AS texts_not_failed,
       (SELECT sum(segments) FROM outreach.send_counters WHERE team_id = 'win' AND kind = 'brand_day') AS counted_segments,
       (SELECT sum(segments) FROM outreach.sms_messages WHERE team_id = 'win' AND state <> 'failed') AS segments_not_failed;

-- Fay's text comes round again; while its request is out she texts STOP, and the provider answers
-- 429 (not processed). It is not tried again: it fails as suppressed. An outcome for a text that
-- does not exist is refused on its own; the window's other outcomes are kept.
CREATE TEMP TABLE c4 AS SELECT * FROM outreach.claim_sends('w1', 1, '2 minutes', '2026-01-13 15:13+00', 'win');
SELECT w.name, s.started FROM outreach.start_sends('win', (SELECT array_agg(sms_message_id) FROM c4), '2026-01-13 15:13:01+00') s
JOIN c4 USING (sms_message_id) JOIN who w USING (lead_id);
SELECT outreach.suppress_phone('win', '+12125550146', 'stop_keyword') > 0 AS recorded;
SELECT d.sms_message_id = (SELECT sms_message_id FROM c4) AS fays_text, d.state
FROM outreach.complete_sends('win', jsonb_build_array(
    jsonb_build_object('sms_message_id', (SELECT sms_message_id FROM c4), 'outcome', 'retry', 'provider', 'signalhouse', 'error_code', '429'),
    jsonb_build_object('sms_message_id', 987654321, 'outcome', 'sent'))) d
ORDER BY d.sms_message_id;
SELECT m.state, m.error_code, m.error_message, q.state AS queue_state
FROM c4 JOIN outreach.sms_messages m ON m.team_id = 'win' AND m.sms_message_id = c4.sms_message_id
JOIN outreach.campaign_queue q ON q.team_id = 'win' AND q.queue_id = m.queue_id;

-- ---- bookkeeping ------------------------------------------------------------------------------------------
-- Texting a lead changes when it was contacted, not its score; replying with interest does.
SELECT l.status, l.score, l.score_updated_at IS NOT NULL AS scored FROM outreach.leads l JOIN who w USING (lead_id) WHERE w.name = 'Ann';
CREATE TEMP TABLE before_touch AS SELECT l.score_updated_at FROM outreach.leads l JOIN who w USING (lead_id) WHERE w.name = 'Ann';
UPDATE outreach.leads l SET last_contacted_at = '2026-01-14 15:00+00' FROM who w WHERE w.lead_id = l.lead_id AND l.team_id = 'win' AND w.name = 'Ann';
SELECT l.score_updated_at = b.score_updated_at AS not_rescored FROM outreach.leads l JOIN who w USING (lead_id), before_touch b WHERE w.name = 'Ann';
UPDATE outreach.leads l SET status = 'engaged' FROM who w WHERE w.lead_id = l.lead_id AND l.team_id = 'win' AND w.name = 'Ann';
SELECT l.status, l.score FROM outreach.leads l JOIN who w USING (lead_id) WHERE w.name = 'Ann';
-- The reaper forgets per-second counters after a day; the daily ones stay.
SELECT outreach.reap_stale_sends('2026-01-15 00:00+00', 'win') AS became_unknown;
SELECT kind, count(*) FROM outreach.send_counters WHERE team_id = 'win' GROUP BY kind ORDER BY kind;
-- Whatever inserts a text, it may not go to an opted-out number.
INSERT INTO outreach.sms_messages (team_id, to_phone, body, encoding, segments) VALUES ('win', '+12125550143', 'Hi', 'GSM-7', 1);
