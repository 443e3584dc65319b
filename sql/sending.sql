-- Sending, as the daemon drives it: claim (gate re-checked, committed as sending before any HTTP
-- call), complete with the provider's answer, reap what a dead worker left, and apply delivery
-- callbacks, each once and forward only. Clocks are fixed: every call passes its time in.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET TIME ZONE 'UTC';
INSERT INTO outreach.teams (team_id, name) VALUES ('snd', 'Sending team');
SELECT rows_imported FROM outreach.import_csv('snd', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
Deli One,Amy,Ames,(212) 555-0131,1 Main St,New York,NY,10001
Deli Two,Bo,Burns,(212) 555-0132,2 Main St,New York,NY,10001
Deli Three,Cy,Cruz,(212) 555-0133,3 Main St,New York,NY,10001
Deli Four,Di,Dunn,(212) 555-0134,4 Main St,New York,NY,10001
Deli Five,Ed,Ellis,(212) 555-0135,5 Main St,New York,NY,10001
', 'UTF8'));
CREATE TEMP TABLE who AS SELECT lead_id, first_name AS name FROM outreach.unified_lead_cards WHERE team_id = 'snd';
INSERT INTO outreach.templates (team_id, name, body) VALUES ('snd', 'hi', 'Hi {{firstName|there}}! Reply STOP to opt out.');
-- a campaign whose 10DLC class allows 2 texts a minute
INSERT INTO outreach.campaigns (team_id, campaign_id, name, min_spacing, per_minute_cap) VALUES ('snd', 1, 'Send test', '0', 2);
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('snd', 1, 1, 'hi');
SELECT messages_queued FROM outreach.prepare_campaign('snd', 1, '2026-01-13 15:00+00');
SELECT primary_provider, backup_provider FROM outreach.messaging_settings WHERE team_id = 'snd';

-- ---- claiming --------------------------------------------------------------------------------------
-- Nothing is due before its time.
SELECT count(*) FROM outreach.claim_sends('w1', 10, '2 minutes', '2026-01-13 14:59+00', 'snd');
-- Five are due, but the per-minute cap lets two go; they are claimed with a lease.
SELECT w.name, c.to_phone, c.provider, c.body FROM outreach.claim_sends('w1', 10, '2 minutes', '2026-01-13 15:05+00', 'snd') c
JOIN who w USING (lead_id) ORDER BY c.sms_message_id;
SELECT w.name, m.state, m.worker, m.lease_until FROM outreach.sms_messages m JOIN who w USING (lead_id) WHERE m.team_id = 'snd' ORDER BY m.sms_message_id;
SELECT w.name, q.state FROM outreach.campaign_queue q JOIN who w USING (lead_id) WHERE q.team_id = 'snd' ORDER BY w.lead_id;
-- Each is committed as sending just before its HTTP call.
SELECT w.name, outreach.start_send('snd', m.sms_message_id, '2026-01-13 15:05:01+00') AS started
FROM outreach.sms_messages m JOIN who w USING (lead_id) WHERE m.team_id = 'snd' ORDER BY m.sms_message_id;
SELECT w.name, m.state FROM outreach.sms_messages m JOIN who w USING (lead_id) WHERE m.team_id = 'snd' ORDER BY m.sms_message_id;
-- the leads are now contacted
SELECT w.name, l.status, l.last_contacted_at FROM outreach.leads l JOIN who w USING (lead_id) WHERE w.name IN ('Amy', 'Bo') ORDER BY w.lead_id;

-- ---- outcomes ----------------------------------------------------------------------------------------
-- Amy's went out; Bo's number had unsubscribed at the carrier (Twilio 21610): that is an opt-out everywhere.
SELECT outreach.complete_send('snd', m.sms_message_id, 'sent', 'signalhouse', 'SH-1001') FROM outreach.sms_messages m JOIN who w USING (lead_id)
WHERE m.team_id = 'snd' AND w.name = 'Amy';
SELECT outreach.complete_send('snd', m.sms_message_id, 'failed', 'twilio', NULL, '21610', 'Attempt to send to unsubscribed recipient')
FROM outreach.sms_messages m JOIN who w USING (lead_id) WHERE m.team_id = 'snd' AND w.name = 'Bo';
SELECT phone, source FROM outreach.suppression_list WHERE team_id = 'snd';
-- A repeated report changes nothing.
SELECT outreach.complete_send('snd', m.sms_message_id, 'failed', 'signalhouse') FROM outreach.sms_messages m JOIN who w USING (lead_id)
WHERE m.team_id = 'snd' AND w.name = 'Amy';
-- A minute later two more go. The provider answers one with HTTP 429 (not processed): it waits and is
-- claimed again, as a new attempt; the other's request timed out after it left: unknown.
CREATE TEMP TABLE c2 AS SELECT * FROM outreach.claim_sends('w1', 10, '2 minutes', '2026-01-13 15:07+00', 'snd');
SELECT w.name, outreach.start_send('snd', c2.sms_message_id, '2026-01-13 15:07+00') FROM c2 JOIN who w USING (lead_id) ORDER BY c2.sms_message_id;
SELECT outreach.complete_send('snd', (SELECT min(sms_message_id) FROM c2), 'retry', 'signalhouse', NULL, '429', 'Too Many Requests', NULL, false, '5 minutes');
SELECT outreach.complete_send('snd', (SELECT max(sms_message_id) FROM c2), 'unknown', 'signalhouse', NULL, NULL, 'timeout after 10 s');
SELECT w.name, q.state, q.scheduled_at FROM outreach.campaign_queue q JOIN who w USING (lead_id) WHERE q.team_id = 'snd' ORDER BY w.lead_id;
-- A worker that claims and dies before starting: the text certainly never left, so when the lease
-- runs out it goes back to the queue.
CREATE TEMP TABLE c3 AS SELECT * FROM outreach.claim_sends('w2', 1, '2 minutes', '2026-01-13 15:08+00', 'snd');
SELECT outreach.reap_stale_sends('2026-01-13 15:11+00', 'snd') AS became_unknown;
SELECT w.name, q.state FROM outreach.campaign_queue q JOIN who w USING (lead_id) WHERE q.team_id = 'snd' AND w.name = 'Ed';
-- One that dies during the HTTP call: its lease runs out and the reaper calls the text unknown.
CREATE TEMP TABLE c3b AS SELECT * FROM outreach.claim_sends('w2', 1, '2 minutes', '2026-01-13 15:12+00', 'snd');
SELECT w.name, outreach.start_send('snd', c3b.sms_message_id, '2026-01-13 15:12+00') FROM c3b JOIN who w USING (lead_id);
SELECT outreach.reap_stale_sends('2026-01-13 15:13+00', 'snd') AS reaped_too_early, outreach.reap_stale_sends('2026-01-13 15:15+00', 'snd') AS reaped;
-- Unknown texts are never sent again by themselves: they wait for someone to check the provider's logs.
SELECT count(*) AS claimable FROM outreach.claim_sends('w1', 10, '2 minutes', '2026-01-13 15:15+00', 'snd') c JOIN who w USING (lead_id)
WHERE w.name IN (SELECT w2.name FROM outreach.reconcile_unknown_sends('snd') u JOIN who w2 USING (lead_id));
SELECT w.name, u.provider, u.error_message FROM outreach.reconcile_unknown_sends('snd') u JOIN who w USING (lead_id) ORDER BY u.sms_message_id;
SELECT outreach.resolve_unknown_send('snd', (SELECT min(sms_message_id) FROM outreach.reconcile_unknown_sends('snd')), true, 'SH-1002');
-- late news from the worker that timed out is still accepted
SELECT outreach.complete_send('snd', (SELECT max(sms_message_id) FROM outreach.reconcile_unknown_sends('snd')), 'sent', 'signalhouse', 'SH-1003');
SELECT count(*) AS still_unknown FROM outreach.reconcile_unknown_sends('snd');
SELECT outreach.complete_send('snd', 999999, 'sent');
SELECT outreach.complete_send('snd', (SELECT min(sms_message_id) FROM outreach.sms_messages WHERE team_id = 'snd'), 'delivered');

-- ---- delivery callbacks ----------------------------------------------------------------------------
-- Stored raw, once per event, applied forward only.
SELECT duplicate, state FROM outreach.record_webhook('snd', 'signalhouse', 'status', 'delivery-1', 'SH-1001', '{"X-SignalHouse-Delivery-Id": "delivery-1"}',
    '{"messageId": "SH-1001", "status": "DELIVERED"}', '{"messageId": "SH-1001", "status": "DELIVERED"}', true);
-- the same delivery again (SignalHouse retries with the same Delivery-Id): nothing changes
SELECT duplicate, state FROM outreach.record_webhook('snd', 'signalhouse', 'status', 'delivery-1', 'SH-1001', '{}',
    '{"messageId": "SH-1001", "status": "DELIVERED"}', '{"messageId": "SH-1001", "status": "DELIVERED"}', true);
-- a late "sent" after "delivered" is ignored, with the reason
SELECT duplicate, state FROM outreach.record_webhook('snd', 'signalhouse', 'status', 'delivery-0', 'SH-1001', '{}',
    '{"messageId": "SH-1001", "status": "SENT"}', '{"messageId": "SH-1001", "status": "SENT"}', true);
-- a forged request is kept as rejected and cannot take a real event's key
SELECT duplicate, state FROM outreach.record_webhook('snd', 'signalhouse', 'status', 'delivery-9', 'SH-1003', '{}',
    '{"messageId": "SH-1003", "status": "FAILED"}', '{"messageId": "SH-1003", "status": "FAILED"}', false);
SELECT duplicate, state FROM outreach.record_webhook('snd', 'signalhouse', 'status', 'delivery-9', 'SH-1003', '{}',
    '{"messageId": "SH-1003", "status": "DELIVERED"}', '{"messageId": "SH-1003", "status": "DELIVERED"}', true);
-- a callback that arrives before the provider's answer waits for the id, then applies
-- (the claim just above took Cy and never started it: the reaper gives it back)
SELECT outreach.reap_stale_sends('2026-01-13 15:20+00', 'snd') AS became_unknown;
CREATE TEMP TABLE c4 AS SELECT * FROM outreach.claim_sends('w1', 1, '2 minutes', '2026-01-13 15:20+00', 'snd');
SELECT outreach.start_send('snd', sms_message_id, '2026-01-13 15:20+00') FROM c4;
SELECT duplicate, state FROM outreach.record_webhook('snd', 'twilio', 'status', 'SM0042:delivered', 'SM0042', '{}',
    'MessageSid=SM0042&MessageStatus=delivered', '{"MessageSid": "SM0042", "MessageStatus": "delivered"}', true);
SELECT outreach.complete_send('snd', (SELECT sms_message_id FROM c4), 'sent', 'twilio', 'SM0042');
SELECT provider, event_key, state, regexp_replace(outcome, 'text \d+', 'text N') AS outcome FROM outreach.webhook_events WHERE team_id = 'snd' ORDER BY webhook_id;
SELECT w.name, m.provider, m.provider_message_id, m.state, m.error_code FROM outreach.sms_messages m JOIN who w USING (lead_id)
WHERE m.team_id = 'snd' ORDER BY m.sms_message_id;
-- A STOP between the claim and the start: nothing goes out, the text fails and its queue row is cancelled.
INSERT INTO outreach.campaigns (team_id, campaign_id, name, min_spacing) VALUES ('snd', 2, 'Second', '0');
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('snd', 2, 1, 'hi');
UPDATE outreach.compliance_settings SET frequency_cap = 10 WHERE team_id = 'snd';
SELECT messages_queued FROM outreach.prepare_campaign('snd', 2, '2026-01-14 15:00+00');
CREATE TEMP TABLE c5 AS SELECT * FROM outreach.claim_sends('w1', 1, '2 minutes', '2026-01-14 15:05+00', 'snd');
SELECT outreach.suppress_phone('snd', (SELECT to_phone FROM c5), 'stop_keyword') > 0 AS stopped;
SELECT outreach.start_send('snd', sms_message_id, '2026-01-14 15:05+00') AS started FROM c5;
SELECT m.state, m.error_code, q.state AS queue_state, q.cancel_reason FROM c5 JOIN outreach.sms_messages m USING (team_id, sms_message_id)
JOIN outreach.campaign_queue q ON q.team_id = m.team_id AND q.queue_id = m.queue_id;
SELECT outreach.provider_status('twilio', s) FROM unnest(ARRAY['queued', 'sent', 'delivered', 'undelivered', 'failed', 'read']) s;
RESET TIME ZONE;
