-- Webhooks from strangers (0.5.0): a rejected request is stored bounded and once per identical
-- request, a team that does not exist stores nothing, credentials in headers are never kept, and
-- the least-privilege worker role reads the /metrics gauges through a function, not the tables.
\set SHOW_CONTEXT never
\set VERBOSITY terse
INSERT INTO outreach.teams (team_id, name) VALUES ('wh', 'Webhook team');

-- A rejection keeps 2,048 characters of the body, the digest and length of all of it, the reason,
-- the sender, and headers without credentials; never the parameters.
SELECT duplicate, state FROM outreach.record_webhook_rejection('wh', 'signalhouse', 'status', 'bad_signature',
    '{"X-Api-Key": "k1", "Authorization": "Bearer t1", "Cookie": "c1", "X-SignalHouse-Delivery-Id": "d1", "Host": "h"}',
    repeat('x', 100000), NULL, NULL, '192.0.2.1');
-- the same request again (from elsewhere): one row that counts it
SELECT duplicate, state FROM outreach.record_webhook_rejection('wh', 'signalhouse', 'status', 'bad_signature', '{}',
    repeat('x', 100000), NULL, NULL, '192.0.2.2');
-- outreachd sends only the prefix, with the digest and length of the whole body
SELECT duplicate FROM outreach.record_webhook_rejection('wh', 'signalhouse', 'status', 'invalid_utf8', '{}', 'caf\xe9',
    repeat('a', 64), 5, NULL);
SELECT reason, octet_length(body) AS kept, body_length, body_sha256 = encode(sha256(convert_to(repeat('x', 100000), 'UTF8')), 'hex') AS whole_digest,
       params, headers, repeats, remote_addr, signature_valid, state
FROM outreach.webhook_events WHERE team_id = 'wh' ORDER BY webhook_id;

-- The entry point of 0.3.0 stores a bad signature bounded as well.
SELECT duplicate, state FROM outreach.record_webhook('wh', 'twilio', 'status', 'SM1:delivered', 'SM1', '{"X-Twilio-Signature": "s"}',
    repeat('y', 50000), '{"MessageSid": "SM1"}', false);
SELECT event_key LIKE 'rejected:bad_signature:%' AS keyed_by_digest, octet_length(body) AS kept, body_length, params, headers
FROM outreach.webhook_events WHERE team_id = 'wh' AND provider = 'twilio';
-- and a valid event keeps its headers, less the credentials
SELECT duplicate, state FROM outreach.record_webhook('wh', 'twilio', 'status', 'SM2:delivered', 'SM2',
    '{"X-Api-Key": "k2", "X-Auth-Token": "t2", "User-Agent": "TwilioProxy/1.1"}', 'MessageSid=SM2&MessageStatus=delivered',
    '{"MessageSid": "SM2", "MessageStatus": "delivered"}', true);
SELECT headers, body_length, body_sha256 IS NOT NULL AS digested FROM outreach.webhook_events WHERE team_id = 'wh' AND event_key = 'SM2:delivered';

-- Nothing is stored for a team that does not exist.
SELECT * FROM outreach.record_webhook_rejection('no-such-team', 'twilio', 'status', 'bad_signature', '{}', 'x', NULL, NULL, NULL);
SELECT * FROM outreach.record_webhook('no-such-team', 'twilio', 'status', 'SM3:sent', 'SM3', '{}', 'x', '{}', false);
SELECT * FROM outreach.record_webhook('no-such-team', 'twilio', 'status', 'SM3:sent', 'SM3', '{}', 'x', '{}', true);
SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'no-such-team';

-- A rejected row is bounded whoever writes it.
INSERT INTO outreach.webhook_events (team_id, provider, kind, event_key, body, signature_valid, state, reason)
VALUES ('wh', 'twilio', 'status', 'k', repeat('z', 9000), false, 'rejected', 'bad_signature');
INSERT INTO outreach.webhook_events (team_id, provider, kind, event_key, body, params, signature_valid, state, reason)
VALUES ('wh', 'twilio', 'status', 'k', 'z', '{"a": 1}', false, 'rejected', 'bad_signature');

-- Which headers are credentials.
SELECT outreach.webhook_safe_headers('{"X-Api-Key": "k", "x-auth-token": "t", "Password": "p", "X-Twilio-Signature": "s",
    "Set-Cookie": "c", "X-Client-Secret": "s", "Content-Type": "application/json", "X-Forwarded-For": "192.0.2.9"}');

-- The worker role reads the gauges and the team ids through functions, and not the tables.
SET ROLE outreach_worker;
SELECT queue_due >= 0 AND queue_depth >= queue_due AND unknown_sends >= 0 AS gauges FROM outreach.worker_gauges();
SELECT count(*) AS wh_known FROM outreach.webhook_team_ids() t WHERE t = 'wh';
SELECT count(*) FROM outreach.campaign_queue;
RESET ROLE;
SET ROLE outreach_operator;
SELECT * FROM outreach.worker_gauges();
RESET ROLE;

-- A status event stored while its text was locked (record_webhook leaves it received) or before
-- the provider's id was recorded is applied by outreach.apply_received_webhooks: once, oldest
-- first, forward only; one whose text is not known stays received.
SET TIME ZONE 'UTC';
SELECT rows_imported FROM outreach.import_csv('wh', convert_to('companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
Deli One,Amy,Ames,(212) 555-0191,1 Main St,New York,NY,10001', 'UTF8'));
INSERT INTO outreach.templates (team_id, name, body) VALUES ('wh', 'hi', 'Hi {{firstName|there}}! Reply STOP to opt out.');
INSERT INTO outreach.campaigns (team_id, campaign_id, name, min_spacing) VALUES ('wh', 1, 'Late callbacks', '0');
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('wh', 1, 1, 'hi');
SELECT messages_queued FROM outreach.prepare_campaign('wh', 1, '2026-01-13 15:00+00');
CREATE TEMP TABLE late AS SELECT sms_message_id FROM outreach.claim_sends('w1', 1, '2 minutes', '2026-01-13 15:05+00', 'wh');
SELECT outreach.start_send('wh', sms_message_id, '2026-01-13 15:05+00') FROM late;
SELECT outreach.complete_send('wh', sms_message_id, 'sent', 'signalhouse', 'SH-LATE') FROM late;
INSERT INTO outreach.webhook_events (team_id, provider, kind, event_key, message_ref, body, params, signature_valid, state)
VALUES ('wh', 'signalhouse', 'status', 'late-1', 'SH-LATE', '{}', '{"messageId": "SH-LATE", "status": "DELIVERED"}', true, 'received'),
       ('wh', 'signalhouse', 'status', 'late-2', 'SH-LATE', '{}', '{"messageId": "SH-LATE", "status": "SENT"}', true, 'received'),
       ('wh', 'signalhouse', 'status', 'late-3', 'SH-NOBODY', '{}', '{"messageId": "SH-NOBODY", "status": "DELIVERED"}', true, 'received');
SELECT outreach.apply_received_webhooks(0) AS none_in_a_batch_of_0;
SET ROLE outreach_worker;
SELECT outreach.apply_received_webhooks() AS applied_or_ignored;
SELECT outreach.apply_received_webhooks() AS again;
RESET ROLE;
SELECT event_key, state, regexp_replace(outcome, 'text \d+', 'text N') AS outcome FROM outreach.webhook_events
WHERE team_id = 'wh' AND event_key LIKE 'late-%' ORDER BY webhook_id;
SELECT m.state FROM outreach.sms_messages m JOIN late USING (sms_message_id);
-- record_webhook bounds only its own lock wait: the caller's lock_timeout is as it was
BEGIN;
SET LOCAL lock_timeout = '3s';
SELECT duplicate, state FROM outreach.record_webhook('wh', 'signalhouse', 'status', 'late-4', 'SH-NOBODY', '{}', '{}',
    '{"messageId": "SH-NOBODY", "status": "SENT"}', true);
SHOW lock_timeout;
COMMIT;
