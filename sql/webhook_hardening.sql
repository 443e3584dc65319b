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
