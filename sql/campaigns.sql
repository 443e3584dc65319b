-- Campaigns: who is selected (and why the others are not), a preview before anything is queued,
-- and preparation that queues each (campaign, lead, step) exactly once.
\set SHOW_CONTEXT never
\set VERBOSITY terse
INSERT INTO outreach.teams (team_id, name) VALUES ('cam', 'Campaign team');
-- Errors that name an id (which depends on what ran before) are shown with the number masked.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN regexp_replace(SQLERRM, 'lead \d+', 'lead N', 'g');
END
$$;
SELECT rows_imported FROM outreach.import_csv('cam', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,email,sicCode,naicsCode,employeeCount,annualRevenue,street,city,state,zip,SIC Description
Chelsea Diner,Ann,Adams,(212) 555-0101,ann@chelseadiner.com,5812,722511,25,"$2,400,000",1 W 28th St,New York,NY,10001,Eating places
Hoboken Cuts,Ben,Brown,(201) 555-0102,,7231,812112,4,180000,2 Washington St,Hoboken,NJ,07030,Beauty shops
Brooklyn Bikes,Cara,Cole,(718) 555-0103,cara@bkbikes.com,5941,451110,9,650000,3 Court St,Brooklyn,NY,11201,Sporting goods
Stamford Law,Dan,Diaz,(203) 555-0104,,8111,541110,15,1500000,4 Main St,Stamford,CT,06901,Legal services
Philly Cheesesteaks,Eve,Evans,(215) 555-0105,,5812,722513,30,3100000,5 Market St,Philadelphia,PA,19103,Eating places
Boston Books,Fay,Fox,(617) 555-0106,,5942,451211,6,400000,6 Beacon St,Boston,MA,02134,Book stores
Seattle Coffee,Gus,Green,(206) 555-0107,,5812,722515,12,900000,7 Pike St,Seattle,WA,98101,Eating places
No Phone Cafe,Hal,Hill,,hal@nophone.com,5812,722515,3,100000,8 Elm St,New York,NY,10001,Eating places
', 'UTF8'));
CREATE TEMP TABLE who AS SELECT lead_id, first_name AS name, zip FROM outreach.unified_lead_cards WHERE team_id = 'cam';
UPDATE outreach.leads l SET tags = '{restaurant,vip}' FROM who w WHERE l.lead_id = w.lead_id AND w.name IN ('Ann', 'Eve');
UPDATE outreach.leads l SET tags = '{competitor}' FROM who w WHERE l.lead_id = w.lead_id AND w.name = 'Cara';
UPDATE outreach.leads l SET status = 'not_interested' FROM who w WHERE l.lead_id = w.lead_id AND w.name = 'Dan';
UPDATE outreach.leads l SET last_contacted_at = '2026-01-05 15:00+00', enrichment_status = 'enriched' FROM who w
WHERE l.lead_id = w.lead_id AND w.name = 'Fay';
SELECT c.first_name, c.score, l.status, l.tags, c.sic_code, c.naics_code, c.employee_count, c.annual_revenue, c.state, c.zip
FROM outreach.unified_lead_cards c JOIN outreach.leads l USING (team_id, lead_id) WHERE c.team_id = 'cam' ORDER BY c.lead_id;

-- ---- selection criteria, one at a time ------------------------------------------------------------
CREATE FUNCTION pg_temp.selected(criteria jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(w.name, ' ' ORDER BY w.lead_id) FROM outreach.campaign_selection('cam', criteria) s JOIN pg_temp.who w USING (lead_id)
    WHERE cardinality(s.reasons) = 0 $$;
SELECT c AS criteria, pg_temp.selected(c::jsonb) FROM unnest(ARRAY[
    '{}', '{"min_score": 70}', '{"max_score": 60}', '{"statuses": ["new"]}', '{"tags": ["vip", "competitor"]}',
    '{"exclude_tags": ["competitor"]}', '{"states": ["New York", "NJ"]}', '{"zips": ["10001", "2134"]}',
    '{"sic_codes": ["58"]}', '{"naics_codes": ["4511"]}', '{"min_employees": 10, "max_employees": 25}',
    '{"min_revenue": 1000000}', '{"enrichment_statuses": ["enriched"]}', '{"last_contacted_before": "2026-01-01"}',
    '{"never_contacted": true}', '{"radius": {"zip": "10001", "miles": 35}}',
    '{"radius": {"lat": 40.750649, "lng": -73.997298, "miles": 100}, "sic_codes": ["5812"], "exclude_tags": ["competitor"]}'
]) AS c;
-- Radius uses the ZIP's coordinates and the haversine distance. Checked by hand: one degree of
-- arc is 2 pi R / 360 = 69.09 miles, and from ZIP 10001 (40.750649, -73.997298) Hoboken 07030 is
-- 1.65, Brooklyn 11201 3.95, Stamford 06901 31.82, Philadelphia 19103 82.91 and Boston 02134 185.27 miles.
SELECT round(outreach.distance_miles(0, 0, 0, 1)::numeric, 2) AS one_degree, round(outreach.distance_miles(0, 0, 90, 0)::numeric, 1) AS quarter_meridian;
SELECT w.name, w.zip, round(outreach.distance_miles(40.750649, -73.997298, z.lat, z.lng)::numeric, 2) AS miles
FROM who w JOIN outreach.zip_codes z ON z.zip = w.zip ORDER BY miles, w.name;
-- Criteria that cannot mean anything are refused, naming the criterion.
INSERT INTO outreach.campaigns (team_id, name, criteria) VALUES ('cam', 'bad', '{"min_scroe": 50}');
INSERT INTO outreach.campaigns (team_id, name, criteria) VALUES ('cam', 'bad', '{"states": "NY"}');
INSERT INTO outreach.campaigns (team_id, name, criteria) VALUES ('cam', 'bad', '{"radius": {"zip": "10001"}}');
INSERT INTO outreach.campaigns (team_id, name, criteria) VALUES ('cam', 'bad', '{"radius": {"zip": "00000", "miles": 5}}');
INSERT INTO outreach.campaigns (team_id, name, criteria) VALUES ('cam', 'bad', '{"min_score": 80, "max_score": 20}');
INSERT INTO outreach.campaigns (team_id, name, criteria) VALUES ('cam', 'bad', '{"last_contacted_before": "last week"}');

-- ---- preview: who would be texted, and why not the rest -------------------------------------------
INSERT INTO outreach.templates (team_id, name, variant, weight, body) VALUES
    ('cam', 'intro', 'A', 1, 'Hi {{firstName|there}}, does {{company}} need help with {{industry|marketing}}? Reply STOP to opt out.'),
    ('cam', 'intro', 'B', 1, 'Hello {{firstName|there}} - a quick question for {{company}} in {{city|your town}}. Reply STOP to opt out.'),
    ('cam', 'nudge', 'A', 1, 'Just checking in, {{firstName|there}}. Reply STOP to opt out.');
INSERT INTO outreach.campaigns (team_id, campaign_id, name, criteria, min_spacing)
VALUES ('cam', 1, 'Restaurants near NYC', '{"sic_codes": ["58"], "exclude_tags": ["competitor"]}', '1 minute');
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, delay, template_name)
VALUES ('cam', 1, 1, '0', 'intro'), ('cam', 1, 2, '3 days', 'nudge');
-- Gus is in Washington (no commercial texts), Hal has no number; the others fail the criteria.
SELECT w.name, p.selected, p.reasons FROM outreach.preview_campaign('cam', 1, '2026-01-13 15:00+00') p JOIN who w USING (lead_id)
ORDER BY w.lead_id;
SELECT * FROM outreach.preview_campaign_summary('cam', 1, '2026-01-13 15:00+00');
-- Nothing was written by previewing.
SELECT count(*) FROM outreach.campaign_queue WHERE team_id = 'cam';

-- ---- preparation ---------------------------------------------------------------------------------
SELECT * FROM outreach.prepare_campaign('cam', 1, '2026-01-13 15:00+00');
SELECT w.name, q.step, q.variant, q.timezone, q.local_send_at, q.encoding, q.segments, q.body
FROM outreach.campaign_queue q JOIN who w USING (lead_id) WHERE q.team_id = 'cam' ORDER BY q.scheduled_at, q.step;
SELECT w.name, e.step, e.kind, e.reasons FROM outreach.scheduled_events e JOIN who w USING (lead_id)
WHERE e.team_id = 'cam' AND e.kind = 'skipped' ORDER BY w.lead_id;
-- A lead in two segments is queued once: widen the campaign to a second segment (everyone in New
-- York) that overlaps the first, prepare again, and Ann is not queued a second time.
UPDATE outreach.campaigns SET criteria = '{"states": ["NY"], "exclude_tags": ["competitor"]}' WHERE team_id = 'cam' AND campaign_id = 1;
SELECT w.name, p.selected, p.reasons FROM outreach.preview_campaign('cam', 1, '2026-01-13 15:00+00') p JOIN who w USING (lead_id)
WHERE w.name IN ('Ann', 'Hal') ORDER BY w.lead_id;
SELECT messages_queued FROM outreach.prepare_campaign('cam', 1, '2026-01-13 15:00+00');
SELECT w.name, count(*) AS steps_queued FROM outreach.campaign_queue q JOIN who w USING (lead_id) WHERE q.team_id = 'cam' GROUP BY w.name ORDER BY w.name;
-- and the key makes a second row impossible whatever inserts it
INSERT INTO outreach.campaign_queue (team_id, campaign_id, lead_id, step, template_id, variant, phone, body, encoding, segments,
                                     scheduled_at, local_send_at)
SELECT team_id, campaign_id, lead_id, step, template_id, variant, phone, body, encoding, segments, scheduled_at, local_send_at
FROM outreach.campaign_queue WHERE team_id = 'cam' AND step = 1 LIMIT 1;

-- ---- suppression reaches the queue -----------------------------------------------------------------
-- A STOP cancels what is queued for the number; a queued row to a suppressed number cannot be written.
SELECT outreach.suppress_phone('cam', '(212) 555-0101', 'stop_keyword') > 0 AS stopped;
SELECT w.name, q.step, q.state, q.cancel_reason FROM outreach.campaign_queue q JOIN who w USING (lead_id)
WHERE q.team_id = 'cam' AND w.name = 'Ann' ORDER BY q.step;
SELECT pg_temp.error_of($$UPDATE outreach.campaign_queue SET state = 'queued', cancel_reason = NULL WHERE team_id = 'cam' AND phone = '+12125550101'$$);

-- ---- templates are checked before anything is queued ------------------------------------------------
INSERT INTO outreach.campaigns (team_id, campaign_id, name, criteria) VALUES ('cam', 2, 'Too long', '{"states": ["NY"]}');
INSERT INTO outreach.templates (team_id, name, body, max_segments) VALUES
    ('cam', 'long', repeat('This message is far too long for one text. ', 4) || '{{company}}', 1),
    ('cam', 'nofallback', 'Hi {{firstName}}, your email is on file at {{company}} - we sell {{industry}} {{zip}} {{lastName}}!', 3);
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('cam', 2, 1, 'long');
SELECT pg_temp.error_of($$SELECT outreach.prepare_campaign('cam', 2, '2026-01-13 15:00+00')$$);
UPDATE outreach.templates SET body = 'Hi {{firstName}} at {{company}}: a 5-minute call this week? Reply STOP to opt out. ’', max_segments = 1
WHERE team_id = 'cam' AND name = 'long';
SELECT pg_temp.error_of($$SELECT outreach.prepare_campaign('cam', 2, '2026-01-13 15:00+00')$$);
-- a variable with no value and no fallback (Cara's last name is not on file)
UPDATE outreach.personas p SET last_name = NULL FROM outreach.leads l, who w
WHERE l.team_id = 'cam' AND l.lead_id = w.lead_id AND w.name = 'Cara' AND p.team_id = l.team_id AND p.persona_id = l.persona_id;
UPDATE outreach.campaign_sequences SET template_name = 'nofallback' WHERE team_id = 'cam' AND campaign_id = 2;
SELECT pg_temp.error_of($$SELECT outreach.prepare_campaign('cam', 2, '2026-01-13 15:00+00')$$);
SELECT count(*) AS queued_for_campaign_2 FROM outreach.campaign_queue WHERE team_id = 'cam' AND campaign_id = 2;
SELECT * FROM outreach.prepare_campaign('cam', 99, '2026-01-13 15:00+00');
