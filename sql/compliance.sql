-- The compliance gate: outreach.can_send(team_id, lead_id, at) says whether a lead may be texted
-- at a moment, with every reason it may not. Clocks are fixed: every check passes `at` in.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET TIME ZONE 'UTC';
INSERT INTO outreach.teams (team_id, name) VALUES ('cmp', 'Compliance team');
SELECT data_source_id > 0 AS imported, rows_imported, rows_rejected FROM outreach.import_csv('cmp', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,email,street,city,state,zip
New York Deli,Nora,Young,(212) 555-0101,,1 Main St,New York,NY,10001
Miami Tacos,Felix,Flores,(305) 555-0102,,2 Main St,Miami,FL,33130
Seattle Coffee,Walt,Wong,(206) 555-0103,,3 Main St,Seattle,WA,98101
Ontario Feed,Olga,Ortiz,(541) 555-0104,,4 Main St,Ontario,OR,97914
Portland Books,Paul,Park,(503) 555-0105,,5 Main St,Portland,OR,97204
Phoenix Pools,Ana,Alvarez,(602) 555-0106,,6 Main St,Phoenix,AZ,85004
Honolulu Surf,Hana,Kealoha,(808) 555-0107,,7 Main St,Honolulu,HI,96813
Indy Tires,Ian,Irwin,(317) 555-0108,,8 Main St,Indianapolis,IN,46204
Austin BBQ,Tex,Turner,(512) 555-0109,,9 Main St,Austin,TX,78701
Baltimore Crabs,Mary,Mills,(410) 555-0110,,10 Main St,Baltimore,MD,21201
Tulsa Oil,Otto,Owens,(918) 555-0111,,11 Main St,Tulsa,OK,74103
Nowhere Inc,Una,Known,(800) 555-0112,,,,,
No Phone LLC,Nick,Nophone,,nick@example.com,12 Main St,New York,NY,10001
', 'UTF8'));
-- A name for each lead, to read the results by.
CREATE TEMP TABLE who AS
SELECT c.lead_id, c.first_name AS name, c.state, c.zip, c.phone, c.timezone
FROM outreach.unified_lead_cards c WHERE c.team_id = 'cmp';
SELECT name, state, zip, phone, timezone FROM who ORDER BY lead_id;
CREATE FUNCTION pg_temp.gate(who_name text, at timestamptz) RETURNS TABLE (allowed boolean, reasons text[])
LANGUAGE sql AS $$ SELECT g.* FROM pg_temp.who w, outreach.can_send('cmp', w.lead_id, at) g WHERE w.name = who_name $$;

-- ---- quiet hours, in the recipient's local time -------------------------------------------------
-- Federal: 8:00 to 21:00 local. 12:59 UTC on a January Tuesday is 07:59 in New York, 13:00 is 08:00.
SELECT at, g.* FROM unnest(ARRAY['2026-01-13 12:59+00', '2026-01-13 13:00+00', '2026-01-14 01:59+00', '2026-01-14 02:00+00']::timestamptz[]) at,
     pg_temp.gate('Nora', at) g;
-- Florida, Oklahoma and Maryland end at 20:00; New York texts until 21:00. 20:30 local on a weekday:
SELECT w.name, w.state, g.* FROM who w,
     outreach.can_send('cmp', w.lead_id, ('2026-01-13 20:30'::timestamp AT TIME ZONE w.timezone)) g
WHERE w.name IN ('Nora', 'Felix', 'Otto', 'Mary') ORDER BY w.lead_id;
-- Texas: 9:00 to 21:00 Monday to Saturday, noon to 21:00 on Sunday (2026-03-08 is a Sunday, 03-09 a Monday).
SELECT at AT TIME ZONE 'America/Chicago' AS austin_time, g.*
FROM unnest(ARRAY['2026-03-08 10:00-05', '2026-03-08 12:00-05', '2026-03-09 10:00-05']::timestamptz[]) at, pg_temp.gate('Tex', at) g;
-- ZIP 97914 (Ontario, OR) lies in Pacific and Mountain time: both clocks must allow it. At 20:30
-- Pacific it is 21:30 in Boise, so Olga is blocked while Paul in Portland is not.
SELECT w.name, w.zip, outreach.lead_zones(w.state, w.zip, w.phone) AS zones, g.*
FROM who w, outreach.can_send('cmp', w.lead_id, '2026-01-13 20:30-08') g WHERE w.name IN ('Olga', 'Paul') ORDER BY w.lead_id;
-- Arizona keeps standard time all year: in July 08:30 in Phoenix is 15:30 UTC (Denver is an hour ahead).
SELECT at, g.* FROM unnest(ARRAY['2026-07-15 14:30+00', '2026-07-15 15:30+00']::timestamptz[]) at, pg_temp.gate('Ana', at) g;
-- Hawaii is UTC-10 all year.
SELECT at, g.* FROM unnest(ARRAY['2026-01-15 17:59+00', '2026-01-15 18:00+00', '2026-01-16 06:59+00', '2026-01-16 07:00+00']::timestamptz[]) at,
     pg_temp.gate('Hana', at) g;
-- Indianapolis observes daylight time (since 2006): 12:30 UTC is 07:30 in January, 08:30 in July.
SELECT at, g.* FROM unnest(ARRAY['2026-01-15 12:30+00', '2026-07-15 12:30+00']::timestamptz[]) at, pg_temp.gate('Ian', at) g;
-- The DST switch day: clocks in New York jump from 02:00 to 03:00 on 2026-03-08. 12:30 UTC was 07:30
-- the day before and is 08:30 on the day (a gate that used a fixed UTC offset would get one wrong).
SELECT at, at AT TIME ZONE 'America/New_York' AS new_york, g.*
FROM unnest(ARRAY['2026-03-07 12:30+00', '2026-03-08 12:30+00']::timestamptz[]) at, pg_temp.gate('Nora', at) g;
-- No zone known (a toll-free number, no address): every contiguous-US zone must be in hours, which
-- leaves 11:00 to 21:00 Eastern (08:00 Pacific to 18:00 Pacific).
SELECT w.name, outreach.lead_zones(w.state, w.zip, w.phone) AS zones FROM who w WHERE w.name = 'Una';
SELECT at AT TIME ZONE 'America/New_York' AS new_york, g.*
FROM unnest(ARRAY['2026-01-13 10:59-05', '2026-01-13 11:00-05', '2026-01-13 20:59-05', '2026-01-13 21:00-05']::timestamptz[]) at,
     pg_temp.gate('Una', at) g;
-- The rules are the team's own table, with the strictest defaults.
SELECT state, days, start_local, end_local, source FROM outreach.quiet_hour_rules WHERE team_id = 'cmp' ORDER BY state, days;

-- ---- state bans, missing numbers -------------------------------------------------------------------
-- Washington bans unsolicited commercial texts (RCW 19.190.060) whatever the hour.
SELECT * FROM pg_temp.gate('Walt', '2026-01-13 12:00-08');
SELECT * FROM pg_temp.gate('Nick', '2026-01-13 12:00-05');
SELECT * FROM outreach.can_send('cmp', 999999, '2026-01-13 12:00-05');

-- ---- suppression: a STOP, from any code path -----------------------------------------------------
-- suppress_phone takes the number in any format.
SELECT outreach.suppress_phone('cmp', '+1 212-555-0101', 'stop_keyword') > 0 AS recorded;
SELECT phone, source FROM outreach.suppression_list WHERE team_id = 'cmp';
SELECT * FROM pg_temp.gate('Nora', '2026-01-13 12:00-05');
-- quiet hours and suppression together: every reason is listed
SELECT * FROM pg_temp.gate('Nora', '2026-01-13 23:00-05');
-- Nothing can text a suppressed number, whatever inserts the row.
INSERT INTO outreach.sms_messages (team_id, lead_id, to_phone, body, encoding, segments)
VALUES ('cmp', (SELECT lead_id FROM who WHERE name = 'Nora'), '+12125550101', 'Hi Nora', 'GSM-7', 1);
-- The log is append-only and suppression_list is derived from it: neither can be edited.
UPDATE outreach.consent_log SET kind = 'opt_in' WHERE team_id = 'cmp';
DELETE FROM outreach.consent_log WHERE team_id = 'cmp';
DELETE FROM outreach.suppression_list WHERE team_id = 'cmp';
INSERT INTO outreach.suppression_list VALUES ('cmp', '+13055550102', 'operator', 1, now());
-- Only an opt-in lifts it (the person's START, or an admin with a reason); the history stays.
SELECT outreach.record_consent('cmp', '(212) 555-0101', 'opt_in', 'start_keyword', '{"body": "START"}');
SELECT outreach.record_consent('cmp', '(212) 555-0101', 'opt_in', 'start_keyword', '{"body": "START", "reason": "replied START"}') > 0 AS recorded;
SELECT * FROM pg_temp.gate('Nora', '2026-01-13 12:00-05');
SELECT phone, kind, source, evidence FROM outreach.consent_log WHERE team_id = 'cmp' ORDER BY event_id;
-- An operator's do-not-contact on the lead counts as suppression too.
UPDATE outreach.leads SET status = 'do_not_contact' WHERE team_id = 'cmp' AND lead_id = (SELECT lead_id FROM who WHERE name = 'Paul');
SELECT * FROM pg_temp.gate('Paul', '2026-01-13 12:00-08');
-- Bad input names itself.
SELECT outreach.suppress_phone('cmp', 'not a number', 'operator');
SELECT outreach.suppress_phone('cmp', '(212) 555-0101', 'Operator Desk');
SELECT outreach.record_consent('cmp', '(212) 555-0101', 'maybe', 'operator');
SELECT outreach.suppress_phone('nosuch', '(212) 555-0101', 'operator');

-- ---- frequency cap: 3 texts in any rolling 24 hours, across campaigns and providers --------------
INSERT INTO outreach.sms_messages (team_id, lead_id, to_phone, body, encoding, segments, provider, state, attempted_at)
SELECT 'cmp', w.lead_id, w.phone, 'Hello ' || n, 'GSM-7', 1, p, 'sent', '2026-01-13 10:00-06'::timestamptz + (n || ' hours')::interval
FROM who w, (VALUES (0, 'signalhouse'), (1, 'twilio'), (2, 'signalhouse')) AS s (n, p) WHERE w.name = 'Tex';
SELECT at, g.* FROM unnest(ARRAY['2026-01-13 11:30-06', '2026-01-13 12:30-06', '2026-01-14 09:59-06', '2026-01-14 10:00-06']::timestamptz[]) at,
     pg_temp.gate('Tex', at) g;
-- a failed attempt (the provider did not take it) does not count
UPDATE outreach.sms_messages SET state = 'failed' WHERE team_id = 'cmp' AND body = 'Hello 1';
SELECT * FROM pg_temp.gate('Tex', '2026-01-13 12:30-06');
