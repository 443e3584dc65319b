-- Scheduling in the lead's local time: business hours and preferred days of the campaign, inside
-- quiet hours, in every zone the lead may be in; pacing and a daily cap; drip steps.
\set SHOW_CONTEXT never
\set VERBOSITY terse
INSERT INTO outreach.teams (team_id, name) VALUES ('sch', 'Scheduling team');

-- ---- the send window of one local day -------------------------------------------------------------
-- 09:00-17:00 Monday to Friday, as instants (shown in UTC) and as local clock times.
SET TIME ZONE 'UTC';
SELECT label, day, w.starts_at, w.ends_at,
       w.starts_at AT TIME ZONE zones[1] AS local_start, w.ends_at AT TIME ZONE zones[1] AS local_end
FROM (VALUES
    ('New York, Tuesday', '{America/New_York}'::text[], 'NY', '2026-01-13'::date),
    ('New York, Saturday (not a preferred day)', '{America/New_York}', 'NY', '2026-01-17'),
    ('New York, Monday after the DST switch', '{America/New_York}', 'NY', '2026-03-09'),
    ('ZIP 97914: Boise and Los Angeles at once', '{America/Boise,America/Los_Angeles}', 'OR', '2026-01-13'),
    ('Phoenix in July (no DST)', '{America/Phoenix}', 'AZ', '2026-07-14'),
    ('Denver in July', '{America/Denver}', 'CO', '2026-07-14'),
    ('Honolulu', '{Pacific/Honolulu}', 'HI', '2026-01-13'),
    ('Indianapolis in July', '{America/Indiana/Indianapolis}', 'IN', '2026-07-14'),
    ('Kentucky: not before 10:00', '{America/New_York}', 'KY', '2026-01-13'),
    ('zone and state unknown: every zone, every rule', outreach.contiguous_us_zones(), NULL, '2026-01-13')
) AS t (label, zones, state, day)
LEFT JOIN LATERAL outreach.send_window('sch', t.zones, t.state, t.day, '09:00', '17:00', '{1,2,3,4,5}') w ON true;
-- Quiet hours cut business hours: Florida stops at 20:00, so a 09:00-20:30 campaign ends there;
-- Texas on a Sunday starts at noon.
SELECT label, w.starts_at AT TIME ZONE zone AS local_start, w.ends_at AT TIME ZONE zone AS local_end
FROM (VALUES ('Florida, weekday', 'America/New_York', 'FL', '2026-01-13'::date),
             ('New York, weekday', 'America/New_York', 'NY', '2026-01-13'),
             ('Texas, Sunday', 'America/Chicago', 'TX', '2026-01-11')) AS t (label, zone, state, day)
LEFT JOIN LATERAL outreach.send_window('sch', ARRAY[t.zone], t.state, t.day, '09:00', '20:30', '{1,2,3,4,5,6,7}') w ON true;

-- ---- preparing: pacing, daily cap, preferred days, drip ---------------------------------------------
SELECT rows_imported FROM outreach.import_csv('sch', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
Deli One,Amy,Ames,(212) 555-0121,1 Main St,New York,NY,10001
Deli Two,Bo,Burns,(212) 555-0122,2 Main St,New York,NY,10001
Deli Three,Cy,Cruz,(212) 555-0123,3 Main St,New York,NY,10001
Deli Four,Di,Dunn,(212) 555-0124,4 Main St,New York,NY,10001
Ontario Feed,Ed,Ellis,(541) 555-0125,5 Main St,Ontario,OR,97914
Aloha Surf,Flo,Fong,(808) 555-0126,6 Main St,Honolulu,HI,96813
', 'UTF8'));
CREATE TEMP TABLE who AS SELECT lead_id, first_name AS name FROM outreach.unified_lead_cards WHERE team_id = 'sch';
INSERT INTO outreach.templates (team_id, name, body) VALUES ('sch', 'hi', 'Hi {{firstName|there}}! Reply STOP to opt out.'),
                                                            ('sch', 'again', 'Hi again {{firstName|there}}. Reply STOP to opt out.');
-- 10 minutes between texts, at most 3 a day, weekdays 10:00-16:00; the follow-up 2 days later.
INSERT INTO outreach.campaigns (team_id, campaign_id, name, send_window_start, send_window_end, min_spacing, max_per_day)
VALUES ('sch', 1, 'Paced', '10:00', '16:00', '10 minutes', 3);
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, delay, template_name)
VALUES ('sch', 1, 1, '0', 'hi'), ('sch', 1, 2, '2 days', 'again');
-- Prepared on Friday 2026-03-06 at 11:00 New York time: two days of sends, a weekend, then the DST switch.
SELECT leads_selected, messages_queued, first_send_at, last_send_at FROM outreach.prepare_campaign('sch', 1, '2026-03-06 11:00-05');
SELECT w.name, q.step, q.scheduled_at, q.timezone, q.local_send_at, to_char(q.local_send_at, 'Dy') AS local_day
FROM outreach.campaign_queue q JOIN who w USING (lead_id) WHERE q.team_id = 'sch' ORDER BY q.scheduled_at;
-- No two texts of the campaign closer than 10 minutes, none outside 10:00-16:00 in any of the lead's
-- zones, at most 3 a day, and every follow-up at least 2 days after the first text.
SELECT min(gap) >= '10 minutes' AS spaced FROM (SELECT scheduled_at - lag(scheduled_at) OVER (ORDER BY scheduled_at) AS gap
                                                FROM outreach.campaign_queue WHERE team_id = 'sch') g;
SELECT bool_and((q.scheduled_at AT TIME ZONE z)::time >= '10:00' AND (q.scheduled_at AT TIME ZONE z)::time < '16:00'
                AND extract(isodow FROM q.scheduled_at AT TIME ZONE z) <= 5) AS in_business_hours_everywhere
FROM outreach.campaign_queue q JOIN outreach.lead_targets t ON t.team_id = q.team_id AND t.lead_id = q.lead_id
CROSS JOIN LATERAL unnest(outreach.lead_zones(t.state, t.zip, t.phone)) AS z WHERE q.team_id = 'sch';
SELECT max(n) <= 3 AS capped FROM (SELECT count(*) AS n FROM outreach.campaign_queue WHERE team_id = 'sch'
                                   GROUP BY (scheduled_at AT TIME ZONE 'America/Los_Angeles')::date) d;
SELECT bool_and(b.scheduled_at >= a.scheduled_at + interval '2 days') AS drip_delay_kept
FROM outreach.campaign_queue a JOIN outreach.campaign_queue b ON b.team_id = a.team_id AND b.lead_id = a.lead_id AND b.step = 2
WHERE a.team_id = 'sch' AND a.step = 1;

-- A lead with no allowed time within the horizon is skipped and says so.
INSERT INTO outreach.campaigns (team_id, campaign_id, name, preferred_days, max_per_day) VALUES ('sch', 2, 'Sundays only', '{7}', 100);
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('sch', 2, 1, 'hi');
SELECT leads_selected, messages_queued FROM outreach.prepare_campaign('sch', 2, '2026-03-09 15:00+00', 5);
SELECT kind, reasons, count(*) FROM outreach.scheduled_events WHERE team_id = 'sch' AND campaign_id = 2 GROUP BY 1, 2;
-- Business hours entirely inside quiet hours would never send: refused.
INSERT INTO outreach.campaigns (team_id, campaign_id, name, send_window_start, send_window_end) VALUES ('sch', 3, 'Night owls', '21:30', '23:00');
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('sch', 3, 1, 'hi');
SELECT * FROM outreach.prepare_campaign('sch', 3, '2026-03-09 15:00+00');
RESET TIME ZONE;

-- ---- at claim time: caps make a message wait, not fail -----------------------------------------------
-- The sender claims Amy's first text at its time, but the campaign's per-minute cap (1 here) is full:
-- the message waits for the next minute. A full daily cap (1 segment for the brand) moves it to the
-- next Pacific day's window; a full frequency cap to when the oldest text leaves the 24 hours.
SET TIME ZONE 'UTC';
UPDATE outreach.campaigns SET per_minute_cap = 1 WHERE team_id = 'sch' AND campaign_id = 1;
INSERT INTO outreach.sms_messages (team_id, lead_id, campaign_id, step, to_phone, body, encoding, segments, attempted_at)
SELECT team_id, lead_id, campaign_id, step, phone, body, encoding, segments, '2026-03-06 16:00:20+00'
FROM outreach.campaign_queue WHERE team_id = 'sch' AND lead_id = (SELECT lead_id FROM who WHERE name = 'Bo') AND step = 1;
CREATE TEMP TABLE amy AS SELECT queue_id, lead_id FROM outreach.campaign_queue
WHERE team_id = 'sch' AND lead_id = (SELECT lead_id FROM who WHERE name = 'Amy') AND step = 1;
SELECT * FROM outreach.can_send('sch', (SELECT lead_id FROM amy), '2026-03-06 16:00:40+00', 1, 1);
SELECT outreach.defer_queued('sch', (SELECT queue_id FROM amy), '2026-03-06 16:00:40+00') AS waits_until;
UPDATE outreach.sender_limits SET daily_cap = 1 WHERE team_id = 'sch';
SELECT * FROM outreach.can_send('sch', (SELECT lead_id FROM amy), '2026-03-06 16:01:00+00', 1, 1);
SELECT outreach.defer_queued('sch', (SELECT queue_id FROM amy), '2026-03-06 16:01:00+00') AS waits_until;
UPDATE outreach.sender_limits SET daily_cap = 2000 WHERE team_id = 'sch';
INSERT INTO outreach.sms_messages (team_id, lead_id, to_phone, body, encoding, segments, attempted_at)
SELECT 'sch', lead_id, '+12125550121', 'operator note ' || n, 'GSM-7', 1, '2026-03-08 20:00+00'::timestamptz + n * interval '1 hour'
FROM amy, generate_series(0, 2) n;
SELECT * FROM outreach.can_send('sch', (SELECT lead_id FROM amy), '2026-03-09 14:00:00+00', 1, 1);
SELECT outreach.defer_queued('sch', (SELECT queue_id FROM amy), '2026-03-09 14:00:00+00') AS waits_until;
SELECT kind, scheduled_at, reasons FROM outreach.scheduled_events e JOIN amy USING (queue_id) WHERE e.team_id = 'sch' ORDER BY event_id;
-- A STOP cannot be waited out: the message is cancelled.
SELECT outreach.suppress_phone('sch', '212-555-0122', 'stop_keyword') > 0 AS stopped;
SELECT state, cancel_reason FROM outreach.campaign_queue WHERE team_id = 'sch' AND lead_id = (SELECT lead_id FROM who WHERE name = 'Bo') ORDER BY step;
RESET TIME ZONE;
