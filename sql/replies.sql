-- Replies: an inbound text is one call, outreach.receive_message. It is stored once per provider
-- message, a STOP in any wording suppresses the number in the same transaction, the text is matched
-- to a lead (or waits for an operator), labelled, prioritized, routed, and ends the lead's drip.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET TIME ZONE 'UTC';
INSERT INTO outreach.teams (team_id, name) VALUES ('rep', 'Replies team');
SELECT rows_imported FROM outreach.import_csv('rep', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,email,street,city,state,zip
Acme Plumbing,Ann,Lee,(212) 555-0141,,1 Main St,New York,NY,10001
Bayside Bakery,Bob,Baker,(212) 555-0142,,2 Main St,New York,NY,10001
Corner Cafe,Cara,Cole,(212) 555-0143,,3 Main St,New York,NY,10001
,Dan,Doe,(212) 555-0144,,4 Main St,New York,NY,10001
', 'UTF8'));
CREATE TEMP TABLE who AS
SELECT c.lead_id, c.first_name AS name, c.phone FROM outreach.unified_lead_cards c WHERE c.team_id = 'rep';
-- Every team starts with routing rules and buckets.
SELECT label, weight, queue FROM outreach.routing_rules WHERE team_id = 'rep' ORDER BY weight DESC, label;
SELECT bucket, min_priority, sla FROM outreach.response_buckets WHERE team_id = 'rep' ORDER BY min_priority DESC;

-- Ann is in a two-step drip: step 1 went out, step 2 is queued.
INSERT INTO outreach.templates (team_id, name, variant, weight, body)
VALUES ('rep', 'hello', 'A', 1, 'Hi {{firstName|there}}, quick question about your shop. Reply STOP to opt out.');
INSERT INTO outreach.campaigns (team_id, name) VALUES ('rep', 'Spring');
INSERT INTO outreach.campaign_queue (team_id, campaign_id, lead_id, step, template_id, variant, phone, body, encoding,
                                     segments, scheduled_at, local_send_at, state)
SELECT 'rep', c.campaign_id, w.lead_id, s.step, t.template_id, 'A', w.phone, 'Hi Ann, quick question. Reply STOP to opt out.',
       'GSM-7', 1, now() + s.step * interval '2 days', localtimestamp, s.state
FROM who w, outreach.campaigns c, outreach.templates t, (VALUES (1, 'sent'), (2, 'queued')) AS s (step, state)
WHERE w.name = 'Ann' AND c.team_id = 'rep' AND t.team_id = 'rep';
INSERT INTO outreach.sms_messages (team_id, lead_id, campaign_id, step, to_phone, body, encoding, segments, state, attempted_at)
SELECT 'rep', w.lead_id, c.campaign_id, 1, w.phone, 'Hi Ann, quick question. Reply STOP to opt out.', 'GSM-7', 1, 'sent',
       now() - interval '1 hour'
FROM who w, outreach.campaigns c WHERE w.name = 'Ann' AND c.team_id = 'rep';

-- ---- a reply from a lead ------------------------------------------------------------------------
SELECT w.name, r.label, r.consent, r.duplicate, r.unmatched_id IS NULL AS matched
FROM outreach.receive_message('rep', 'twilio', 'SM0001', '+1 212 555 0141', '+12125550000',
                              'yes!! tell me more', now() - interval '5 minutes') r
JOIN who w ON w.lead_id = r.lead_id;
SELECT classification, rule IS NOT NULL AS has_rule, queue, bucket, state, priority > 0 AS prioritized
FROM outreach.inbox_items WHERE team_id = 'rep' AND provider_message_id = 'SM0001';
-- the drip stopped: step 2 is cancelled because Ann replied, and the lead is engaged
SELECT q.step, q.state, q.cancel_reason FROM outreach.campaign_queue q JOIN who w USING (lead_id)
WHERE w.name = 'Ann' ORDER BY q.step;
SELECT l.status FROM outreach.leads l JOIN who w USING (lead_id) WHERE w.name = 'Ann';
SELECT a.kind, a.detail ->> 'label' AS label FROM outreach.lead_activities a JOIN who w USING (lead_id)
WHERE w.name = 'Ann' ORDER BY a.activity_id;
-- the thread: what went out and what came back
SELECT m.direction, m.body FROM outreach.messages m JOIN who w USING (lead_id) WHERE w.name = 'Ann' ORDER BY m.at;

-- The same provider message again (a retried webhook) is the same item, and nothing happens twice.
SELECT r.label, r.duplicate, r.inbox_item_id = (SELECT inbox_item_id FROM outreach.inbox_items
                                                 WHERE provider_message_id = 'SM0001') AS same_item
FROM outreach.receive_message('rep', 'twilio', 'SM0001', '+12125550141', '+12125550000', 'yes!! tell me more') r;
SELECT count(*) AS items, (SELECT count(*) FROM outreach.lead_activities WHERE team_id = 'rep') AS activities
FROM outreach.inbox_items WHERE team_id = 'rep';

-- An e-mail address in a reply joins the person, resolved like any imported row.
SELECT r.label FROM outreach.receive_message('rep', 'twilio', 'SM0006', '+12125550141', NULL,
                                             'sure, send it to ann.lee at gmail dot com') r;
-- outreachd imports it off the webhook's path (the provider is answered at once)
SELECT email_capture FROM outreach.inbox_items WHERE team_id = 'rep' AND provider_message_id = 'SM0006';
SELECT outreach.capture_pending_reply_emails() AS captured;
SELECT email_capture, email_import_id IS NOT NULL AS imported FROM outreach.inbox_items
WHERE team_id = 'rep' AND provider_message_id = 'SM0006';
SELECT e.normalized_email FROM outreach.persona_emails e JOIN outreach.leads l ON l.team_id = e.team_id AND l.persona_id = e.persona_id
JOIN who w ON w.lead_id = l.lead_id WHERE w.name = 'Ann';
SELECT a.kind, a.detail -> 'emails' AS emails FROM outreach.lead_activities a JOIN who w USING (lead_id)
WHERE w.name = 'Ann' AND a.kind = 'email_captured';
SELECT count(*) AS personas FROM outreach.personas WHERE team_id = 'rep' AND is_active;

-- ---- STOP in any wording, in the same transaction -------------------------------------------------
SELECT w.name, r.label, r.consent FROM outreach.receive_message('rep', 'signalhouse', 'sh-77', '(212) 555-0142', NULL,
                                                                'pls take me off ur list') r
JOIN who w ON w.lead_id = r.lead_id;
SELECT phone, source FROM outreach.suppression_list WHERE team_id = 'rep' ORDER BY phone;
SELECT g.allowed, g.reasons FROM who w, outreach.can_send('rep', w.lead_id, '2026-01-13 16:00+00') g WHERE w.name = 'Bob';
SELECT state, queue FROM outreach.inbox_items WHERE provider_message_id = 'sh-77';
SELECT kind, source, evidence ->> 'provider_message_id' AS message FROM outreach.consent_log
WHERE team_id = 'rep' ORDER BY event_id;
-- The opt-out is confirmed once, through the send path: the claim takes the confirmation, and the
-- suppression backstops let exactly this text through to the stopped number.
SELECT kind, phone, state, body FROM outreach.reply_texts WHERE team_id = 'rep' ORDER BY reply_text_id;
SELECT c.to_phone, c.queue_id, c.campaign_id, c.body FROM outreach.claim_sends('w', 10, '2 minutes', now(), 'rep') c;
SELECT started FROM outreach.start_sends('rep', ARRAY(SELECT sms_message_id FROM outreach.sms_messages
                                                       WHERE team_id = 'rep' AND reply_text_id IS NOT NULL));
SELECT m.state, r.state AS reply_text_state FROM outreach.sms_messages m
JOIN outreach.reply_texts r ON r.team_id = m.team_id AND r.reply_text_id = m.reply_text_id WHERE m.team_id = 'rep';
-- a second STOP is recorded, and not confirmed again
SELECT r.consent FROM outreach.receive_message('rep', 'signalhouse', 'sh-77b', '+12125550142', NULL, 'STOP!!!') r;
SELECT count(*) AS confirmations FROM outreach.reply_texts WHERE team_id = 'rep' AND kind = 'opt_out_confirmation';
-- any other text to the stopped number is still refused, the confirmation's own row included a second time
INSERT INTO outreach.sms_messages (team_id, to_phone, body, encoding, segments, state)
VALUES ('rep', '+12125550142', 'Spring sale!', 'GSM-7', 1, 'claimed');
INSERT INTO outreach.sms_messages (team_id, to_phone, body, encoding, segments, state, reply_text_id)
SELECT 'rep', '+12125550142', 'You are unsubscribed.', 'GSM-7', 1, 'claimed', reply_text_id
FROM outreach.reply_texts WHERE team_id = 'rep' AND kind = 'opt_out_confirmation';

-- a trap is not an opt-out
SELECT r.label, r.consent FROM outreach.receive_message('rep', 'twilio', 'SM0002', '+12125550143', NULL,
                                                        'stop by our shop tuesday, we can talk then') r;
-- START re-subscribes the number the person stopped
SELECT r.consent FROM outreach.receive_message('rep', 'signalhouse', 'sh-78', '+12125550142', NULL, 'START') r;
SELECT count(*) AS suppressed FROM outreach.suppression_list WHERE team_id = 'rep';
-- the re-subscription is confirmed; HELP gets the help text, once an hour
SELECT r.label, r.consent FROM outreach.receive_message('rep', 'twilio', 'SM0010', '+12125550144', NULL, 'HELP') r;
SELECT r.label, r.consent FROM outreach.receive_message('rep', 'twilio', 'SM0011', '+12125550144', NULL, 'help') r;
SELECT kind, phone, state FROM outreach.reply_texts WHERE team_id = 'rep' ORDER BY reply_text_id;

-- ---- no lead for the number ---------------------------------------------------------------------
SELECT r.label, r.lead_id, r.unmatched_id IS NOT NULL AS unmatched, r.consent
FROM outreach.receive_message('rep', 'twilio', 'SM0003', '+13055550199', NULL, 'who is this?') r;
-- an unknown number's STOP suppresses it all the same
SELECT r.label, r.unmatched_id IS NOT NULL AS unmatched, r.consent
FROM outreach.receive_message('rep', 'twilio', 'SM0004', '+13055550198', NULL, 'STOP') r;
SELECT phone FROM outreach.suppression_list WHERE team_id = 'rep' ORDER BY phone;
-- an operator links the question to Dan
SELECT outreach.link_unmatched('rep', u.unmatched_id, w.lead_id) > 0 AS linked
FROM outreach.unmatched_messages u, who w WHERE u.provider_message_id = 'SM0003' AND w.name = 'Dan';
SELECT u.state, i.classification, i.from_number FROM outreach.unmatched_messages u
JOIN outreach.inbox_items i ON i.team_id = u.team_id AND i.inbox_item_id = u.inbox_item_id
WHERE u.provider_message_id = 'SM0003';
SELECT outreach.link_unmatched('rep', u.unmatched_id, 1) FROM outreach.unmatched_messages u WHERE u.provider_message_id = 'SM0003';

-- ---- operators relabel; the rules are judged by it ------------------------------------------------
SELECT outreach.relabel('rep', i.inbox_item_id, 'CALLBACK_REQUEST') FROM outreach.inbox_items i WHERE i.provider_message_id = 'SM0001';
SELECT label, source FROM outreach.conversation_labels c JOIN outreach.inbox_items i USING (team_id, inbox_item_id)
WHERE i.provider_message_id = 'SM0001' ORDER BY c.label_id;
SELECT from_bucket, to_bucket, reason FROM outreach.bucket_movements m JOIN outreach.inbox_items i USING (team_id, inbox_item_id)
WHERE i.provider_message_id = 'SM0001' ORDER BY m.movement_id;
SELECT source, label, true_positives, false_positives, false_negatives, precision, recall
FROM outreach.label_quality WHERE team_id = 'rep' ORDER BY source, label;
-- labelling a reply STOP is a revocation; labelling it back does not lift it
SELECT outreach.relabel('rep', i.inbox_item_id, 'STOP') FROM outreach.inbox_items i WHERE i.provider_message_id = 'SM0002';
SELECT outreach.relabel('rep', i.inbox_item_id, 'POSITIVE') FROM outreach.inbox_items i WHERE i.provider_message_id = 'SM0002';
SELECT phone, source FROM outreach.suppression_list WHERE team_id = 'rep' AND phone = '+12125550143';
SELECT outreach.relabel('rep', i.inbox_item_id, 'MAYBE') FROM outreach.inbox_items i WHERE i.provider_message_id = 'SM0002';

-- ---- priority decays; the inbox lists open items by priority now -------------------------------
SELECT outreach.reply_priority(90, 40, true, '0'::interval) AS fresh,
       outreach.reply_priority(90, 40, true, '12 hours') AS half_a_day,
       outreach.reply_priority(90, 40, true, '2 days') AS old,
       outreach.reply_priority(200, 100, true, '0'::interval) AS capped;
SELECT r.label FROM outreach.receive_message('rep', 'twilio', 'SM0005', '+12125550143', NULL, 'how much does it cost?',
                                             now() - interval '2 days') r;
-- (the two-day-old price question has lost its recency bonus and is past its SLA)
SELECT i.classification, i.bucket, i.overdue, CASE WHEN i.received_at < now() - interval '1 day' THEN i.priority END AS priority
FROM outreach.inbox i WHERE i.team_id = 'rep' ORDER BY i.priority DESC, i.received_at;

-- ---- what outreachd may send in, and who may call ------------------------------------------------
SELECT * FROM outreach.receive_message('rep', 'sms-co', 'X1', '+12125550141', NULL, 'hi');
SELECT * FROM outreach.receive_message('rep', 'twilio', '', '+12125550141', NULL, 'hi');
SELECT * FROM outreach.receive_message('rep', 'twilio', 'X2', 'not a number', NULL, 'hi');
SELECT * FROM outreach.receive_message('rep', 'twilio', 'X3', '+12125550141', NULL, 'hi', now(), '{"url": 1}');
SELECT * FROM outreach.receive_message('nobody', 'twilio', 'X4', '+12125550141', NULL, 'hi');
SET ROLE outreach_operator;
SET outreach.team_id = 'rep';
SELECT * FROM outreach.receive_message('rep', 'twilio', 'X5', '+12125550141', NULL, 'hi');
SELECT count(*) > 0 AS operator_sees_inbox FROM outreach.inbox;
RESET ROLE;
RESET outreach.team_id;
-- ---- the webhook's call: the stored raw event is marked with what came of it ------------------------
-- outreachd stores the raw request first (kind inbound, keyed by the provider's message id), then
-- makes one call; a repeat (the provider's retry, or a spool replay) is the first result again.
SELECT duplicate, state FROM outreach.record_webhook('rep', 'twilio', 'inbound', 'SM0100', 'SM0100', '{}',
    'MessageSid=SM0100&From=%2B12125550141&Body=yes+please', '{}', true);
SELECT r.state, r.outcome LIKE 'inbox item %' AS names_item, r.label, r.duplicate
FROM outreach.webhook_events w, outreach.receive_webhook_message('rep', w.webhook_id, 'SM0100', '+12125550141', NULL,
                                                                'yes please') r
WHERE w.team_id = 'rep' AND w.event_key = 'SM0100';
SELECT r.state, r.duplicate
FROM outreach.webhook_events w, outreach.receive_webhook_message('rep', w.webhook_id, 'SM0100', '+12125550141', NULL,
                                                                'yes please') r
WHERE w.team_id = 'rep' AND w.event_key = 'SM0100';
SELECT state, outcome LIKE 'inbox item %' AS names_item FROM outreach.webhook_events WHERE team_id = 'rep' AND event_key = 'SM0100';
-- what receive_message refuses stays stored, rejected with its reason, and is refused alike again
SELECT duplicate, state FROM outreach.record_webhook('rep', 'twilio', 'inbound', 'SM0101', 'SM0101', '{}',
    'MessageSid=SM0101&From=nobody&Body=hi', '{}', true);
SELECT r.state, r.outcome, r.inbox_item_id, r.duplicate
FROM outreach.webhook_events w, outreach.receive_webhook_message('rep', w.webhook_id, 'SM0101', 'nobody', NULL, 'hi') r
WHERE w.team_id = 'rep' AND w.event_key = 'SM0101';
SELECT r.state, r.duplicate
FROM outreach.webhook_events w, outreach.receive_webhook_message('rep', w.webhook_id, 'SM0101', 'nobody', NULL, 'hi') r
WHERE w.team_id = 'rep' AND w.event_key = 'SM0101';
SELECT state, reason, outcome FROM outreach.webhook_events WHERE team_id = 'rep' AND event_key = 'SM0101';
-- only a stored inbound event can be received this way
SELECT * FROM outreach.receive_webhook_message('rep', -1, 'SM0102', '+12125550141', NULL, 'hi');
-- ---- a model's second look at what the rules are unsure of ----------------------------------------
-- Bob was texted; his answers are ones the rules cannot place with confidence.
INSERT INTO outreach.sms_messages (team_id, lead_id, to_phone, body, encoding, segments, state, attempted_at)
SELECT 'rep', w.lead_id, w.phone, 'Hi Bob, we fund bakeries in 24h. Worth a chat? Reply STOP to opt out.', 'GSM-7', 1, 'sent',
       now()
FROM who w WHERE w.name = 'Bob';
SELECT t.body, c.label, c.confidence < 0.80 AS unsure
FROM (VALUES ('depends what u got'), ('my cousin handles that stuff'), ('hmm'), ('we might'),
             ('this is the 3rd one this week'), ('idk man'), ('k whatever')) AS t (body),
     outreach.classify_reply(t.body) c;
SELECT r.label FROM (VALUES ('SM0201', 'depends what u got'), ('SM0202', 'my cousin handles that stuff'), ('SM0203', 'hmm'),
                            ('SM0204', 'we might'), ('SM0205', 'this is the 3rd one this week'), ('SM0206', 'idk man'),
                            ('SM0207', 'k whatever')) AS m (id, body),
     outreach.receive_message('rep', 'twilio', m.id, '+12125550142', NULL, m.body) r ORDER BY m.id;
-- each unsure item waits in review with one job; a sure one or a STOP gets none
SELECT i.provider_message_id, i.state, j.state AS job, j.deadline - j.created_at AS deadline_after
FROM outreach.inbox_items i LEFT JOIN outreach.classification_jobs j USING (team_id, inbox_item_id)
WHERE i.team_id = 'rep' AND i.provider_message_id IN ('SM0001', 'SM0201', 'SM0202', 'SM0203', 'SM0204', 'SM0205', 'SM0206', 'SM0207')
ORDER BY i.provider_message_id;
SELECT count(*) AS jobs_for_stops FROM outreach.classification_jobs j JOIN outreach.inbox_items i USING (team_id, inbox_item_id)
WHERE i.classification = 'STOP';
-- outreachd claims them: the system prompt, and a user turn of the text he answers and his reply, nothing else
CREATE TEMP TABLE claimed AS SELECT * FROM outreach.claim_classifications('w1', 10, '1 minute');
SELECT count(*) AS claimed, bool_and(instructions LIKE '%When unsure whether a reply is STOP, answer STOP.%') AS stop_first,
       bool_and(prompt LIKE 'Our text:%Hi Bob, we fund bakeries%<reply>%</reply>') AS fenced, min(attempt), max(attempt)
FROM claimed;
SELECT prompt FROM claimed c JOIN outreach.inbox_items i USING (team_id, inbox_item_id) WHERE i.provider_message_id = 'SM0201';
SELECT count(*) AS claimed_twice FROM outreach.claim_classifications('w2', 10, '1 minute');
CREATE FUNCTION pg_temp.job(id text) RETURNS bigint LANGUAGE sql AS $$
    SELECT j.job_id FROM outreach.classification_jobs j JOIN outreach.inbox_items i USING (team_id, inbox_item_id)
    WHERE i.provider_message_id = id $$;
CREATE FUNCTION pg_temp.answer(body text, stop_reason text DEFAULT 'end_turn') RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', 'msg_01', 'type', 'message', 'role', 'assistant', 'model', 'claude-haiku-4-5',
                              'content', jsonb_build_array(jsonb_build_object('type', 'text', 'text', body)),
                              'stop_reason', stop_reason, 'usage', jsonb_build_object('input_tokens', 412, 'output_tokens', 19)) $$;
-- a sure answer: the item takes the model's label and leaves review; the call is on the job
SELECT outreach.complete_classification('rep', pg_temp.job('SM0201'), 200,
    pg_temp.answer('{"label": "QUESTION", "confidence": 0.91, "reason": "asks what is offered"}'), NULL, NULL, NULL, 'req_01', 840);
SELECT outreach.complete_classification('rep', pg_temp.job('SM0201'), 200, pg_temp.answer('{"label": "NEGATIVE", "confidence": 1}'));
SELECT i.classification, i.rule, i.state, j.state, j.outcome, j.model, j.request_id, j.input_tokens, j.output_tokens, j.latency_ms
FROM outreach.inbox_items i JOIN outreach.classification_jobs j USING (team_id, inbox_item_id) WHERE i.provider_message_id = 'SM0201';
SELECT c.source, c.label, c.version, c.extracted ->> 'reason' AS reason FROM outreach.conversation_labels c
JOIN outreach.inbox_items i USING (team_id, inbox_item_id) WHERE i.provider_message_id = 'SM0201' ORDER BY c.label_id;
SELECT m.reason FROM outreach.bucket_movements m JOIN outreach.inbox_items i USING (team_id, inbox_item_id)
WHERE i.provider_message_id = 'SM0201' ORDER BY m.movement_id;
-- a model may add a STOP, however unsure: the number is opted out and the opt-out confirmed once
SELECT outreach.complete_classification('rep', pg_temp.job('SM0205'), 200,
    pg_temp.answer('```json' || chr(10) || '{"label":"STOP","confidence":0.55,"reason":"annoyed at repeated texts"}' || chr(10) || '```'));
SELECT i.classification, i.state, j.outcome, s.source FROM outreach.inbox_items i
JOIN outreach.classification_jobs j USING (team_id, inbox_item_id)
LEFT JOIN outreach.suppression_list s ON s.team_id = i.team_id AND s.phone = i.from_number
WHERE i.provider_message_id = 'SM0205';
SELECT kind, phone FROM outreach.reply_texts WHERE team_id = 'rep' AND phone = '+12125550142';
-- an unsure answer is recorded and the item stays in review
SELECT outreach.complete_classification('rep', pg_temp.job('SM0203'), 200,
    pg_temp.answer('Here is my label: {"label": "positive", "confidence": 0.6} hope that helps'));
SELECT i.classification, i.state, j.outcome, j.answer FROM outreach.inbox_items i
JOIN outreach.classification_jobs j USING (team_id, inbox_item_id) WHERE i.provider_message_id = 'SM0203';
-- rate limited, then overloaded: tried again after retry-after-ms, then after a backoff; then an
-- answer that is no label: the rules' label stands and the item waits for a person
-- an answer for an earlier claim of the job (another worker's, or this one's before its lease ran out) is stale
SELECT outreach.complete_classification('rep', pg_temp.job('SM0202'), 200, pg_temp.answer('{"label": "NEGATIVE", "confidence": 1}'),
    NULL, NULL, NULL, NULL, NULL, 'claude-haiku-4-5', 'w2', 1);
SELECT outreach.complete_classification('rep', pg_temp.job('SM0202'), 429,
    '{"type": "error", "error": {"type": "rate_limit_error", "message": "Number of requests has exceeded your rate limit"}}',
    NULL, 2000, NULL, 'req_02', 12);
SELECT state, attempts, next_attempt_at - updated_at BETWEEN interval '1.9 s' AND interval '2.1 s' AS waits_2s, last_error
FROM outreach.classification_jobs WHERE job_id = pg_temp.job('SM0202');
SELECT count(*) AS due_now FROM outreach.claim_classifications('w1', 10, '1 minute') c WHERE c.job_id = pg_temp.job('SM0202');
SELECT attempt FROM outreach.claim_classifications('w1', 10, '1 minute', now() + interval '3 seconds') c
WHERE c.job_id = pg_temp.job('SM0202');
SELECT outreach.complete_classification('rep', pg_temp.job('SM0202'), 529,
    '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}');
UPDATE outreach.classification_jobs SET next_attempt_at = now() WHERE job_id = pg_temp.job('SM0202');
SELECT attempt FROM outreach.claim_classifications('w1', 10, '1 minute') c WHERE c.job_id = pg_temp.job('SM0202');
SELECT outreach.complete_classification('rep', pg_temp.job('SM0202'), 200, pg_temp.answer('It sounds like a referral.'));
SELECT i.classification = c.label AS rule_label_kept, i.state, j.state, j.outcome, j.attempts, j.last_error
FROM outreach.inbox_items i JOIN outreach.classification_jobs j USING (team_id, inbox_item_id),
     outreach.classify_reply(i.body) c
WHERE i.provider_message_id = 'SM0202';
-- a spend limit is not retried; x-should-retry: false is obeyed; a refusal is no label
SELECT outreach.complete_classification('rep', pg_temp.job('SM0204'), 429,
    '{"type": "error", "error": {"type": "rate_limit_error", "message": "spend limit", "details": {"error_code": "enforced_spend_limit_reached"}}}');
SELECT outreach.complete_classification('rep', pg_temp.job('SM0206'), 500,
    '{"type": "error", "error": {"type": "api_error", "message": "Internal server error"}}', NULL, NULL, false, NULL, NULL,
    'claude-haiku-4-5', 'w1', 1);
SELECT outreach.complete_classification('rep', pg_temp.job('SM0207'), 200, pg_temp.answer('', 'refusal'));
SELECT i.provider_message_id, i.state, j.state, j.outcome, j.model, j.last_error FROM outreach.inbox_items i
JOIN outreach.classification_jobs j USING (team_id, inbox_item_id)
WHERE i.provider_message_id IN ('SM0204', 'SM0206', 'SM0207') ORDER BY 1;
-- past its deadline a job gives up; an operator's label is never overruled; sandbox asks no model
SELECT r.label FROM (VALUES ('SM0208', 'hmm ok'), ('SM0209', 'maybe idk'), ('SM0210', 'ehh')) AS m (id, body),
     outreach.receive_message('rep', 'twilio', m.id, '+12125550142', NULL, m.body) r ORDER BY m.id;
UPDATE outreach.classification_jobs SET deadline = now() - interval '1 second' WHERE job_id = pg_temp.job('SM0208');
SELECT count(*) FILTER (WHERE job_id = pg_temp.job('SM0208')) AS claimed_after_deadline,
       count(*) FILTER (WHERE job_id IN (pg_temp.job('SM0209'), pg_temp.job('SM0210'))) AS claimed_others
FROM outreach.claim_classifications('w1', 10, '1 minute');
SELECT state, outcome, last_error FROM outreach.classification_jobs WHERE job_id = pg_temp.job('SM0208');
SELECT outreach.relabel('rep', i.inbox_item_id, 'NEGATIVE') FROM outreach.inbox_items i WHERE i.provider_message_id = 'SM0209';
SELECT outreach.complete_classification('rep', pg_temp.job('SM0209'), 200, pg_temp.answer('{"label": "POSITIVE", "confidence": 0.99}'));
SELECT outreach.complete_classification('rep', pg_temp.job('SM0210'), 204, '{"sandbox": true}');
SELECT i.provider_message_id, i.classification, i.state, j.outcome FROM outreach.inbox_items i
JOIN outreach.classification_jobs j USING (team_id, inbox_item_id)
WHERE i.provider_message_id IN ('SM0209', 'SM0210') ORDER BY 1;
-- captured e-mails of one team go in one import, however many replies gave them
SELECT r.label FROM (VALUES ('SM0301', '+12125550144', 'ok my email is dan.doe@example.org'),
                            ('SM0302', '+12125550142', 'send it to bob dot baker at bakery dot com')) AS m (id, phone, body),
     outreach.receive_message('rep', 'twilio', m.id, m.phone, NULL, m.body) r ORDER BY m.id;
SELECT outreach.capture_pending_reply_emails() AS captured;
SELECT count(DISTINCT email_import_id) AS imports, count(*) AS replies FROM outreach.inbox_items
WHERE team_id = 'rep' AND provider_message_id IN ('SM0301', 'SM0302') AND email_capture = 'done';
SELECT w.name, e.normalized_email FROM outreach.persona_emails e
JOIN outreach.leads l ON l.team_id = e.team_id AND l.persona_id = e.persona_id JOIN who w ON w.lead_id = l.lead_id
WHERE e.normalized_email IN ('dan.doe@example.org', 'bob.baker@bakery.com') ORDER BY w.name;
-- what a model's answer must be to count as a label
SELECT a, outreach.parse_model_label(a) FROM (VALUES ('{"label": "EMAIL_CAPTURE", "confidence": 0.8, "reason": "gave an address"}'),
    ('{"label": "MAYBE", "confidence": 0.8}'), ('{"label": "STOP", "confidence": 85}'), ('{"label": "STOP"}'),
    ('{"label": "STOP", "confidence": "high"}'), ('[{"label": "STOP", "confidence": 1}]'), ('{"label": STOP}'), (''), (NULL)) AS t (a);
-- outreachd's role may claim and complete; an operator may not
SET ROLE outreach_operator;
SET outreach.team_id = 'rep';
SELECT * FROM outreach.claim_classifications('op', 1);
RESET ROLE;
RESET outreach.team_id;
SELECT * FROM outreach.tenancy_violations();
