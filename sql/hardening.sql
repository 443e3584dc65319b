-- Hardening (issue 11): consent that a clock or an operator cannot undo, criteria that fail
-- closed, and one text per number and campaign step whatever the leads look like.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET TIME ZONE 'UTC';
INSERT INTO outreach.teams (team_id, name) VALUES ('hard', 'Hardening team'), ('other', 'Another team');
SELECT rows_imported FROM outreach.import_csv('hard', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,email,sicCode,naicsCode,street,city,state,zip
Chelsea Diner,Ann,Adams,(212) 555-0101,ann@chelseadiner.com,5812,722511,1 W 28th St,New York,NY,10001
Hoboken Cuts,Ben,Brown,(201) 555-0102,,7231,812112,2 Washington St,Hoboken,NJ,07030
Brooklyn Bikes,Cara,Cole,(718) 555-0103,,5941,451110,3 Court St,Brooklyn,NY,11201
Stamford Law,Dan,Diaz,(203) 555-0104,,8111,541110,4 Main St,Stamford,CT,06901
Miami Tacos,Eva,Estrada,(305) 555-0105,,5812,722511,5 Ocean Dr,Miami,FL,33139
Austin BBQ,Fay,Fox,(512) 555-0106,,5812,722511,6 Congress Ave,Austin,TX,78701
', 'UTF8'));
CREATE TEMP TABLE who AS
SELECT c.lead_id, c.first_name AS name, c.phone FROM outreach.unified_lead_cards c WHERE c.team_id = 'hard';
GRANT SELECT ON who TO PUBLIC;

-- ---- consent: the order of recording decides -----------------------------------------------------
-- An opt-in dated in the future (or at infinity) is refused: occurred_at cannot lie ahead.
SELECT outreach.suppress_phone('hard', '(212) 555-0101', 'stop_keyword') > 0 AS stopped;
SELECT outreach.record_consent('hard', '(212) 555-0101', 'opt_in', 'admin', '{"reason": "form"}', '2999-01-01 00:00+00');
SELECT outreach.record_consent('hard', '(212) 555-0101', 'opt_in', 'admin', '{"reason": "form"}', 'infinity');
-- A back-dated STOP still counts: what was recorded last decides, not occurred_at.
SELECT outreach.resubscribe_phone('hard', '(212) 555-0101', 'signed consent form, 2026-01-05') > 0 AS resubscribed;
SELECT outreach.record_consent('hard', '(212) 555-0101', 'opt_out', 'stop_keyword', '{"body": "stop"}', '2020-01-01') > 0 AS stopped_again;
SELECT phone, source FROM outreach.suppression_list WHERE team_id = 'hard';
SELECT allowed, reasons FROM outreach.can_send('hard', (SELECT lead_id FROM who WHERE name = 'Ann'), '2026-01-13 15:00+00');
-- event ids follow the order of recording; recorded_by says who
SELECT kind, source, occurred_at < recorded_at AS occurred_before_recorded, recorded_by
FROM outreach.consent_log WHERE team_id = 'hard' ORDER BY event_id;

-- Operators record opt-outs through the functions, never by INSERT, and cannot lift one.
SET ROLE outreach_operator;
SET outreach.team_id = 'hard';
INSERT INTO outreach.consent_log (team_id, phone, kind, source) VALUES ('hard', '+12125550101', 'opt_in', 'operator');
SELECT outreach.suppress_phone('hard', '(201) 555-0102', 'operator') > 0 AS operator_stopped;
SELECT outreach.record_consent('hard', '(201) 555-0102', 'opt_in', 'operator', '{"reason": "he asked"}');
SELECT outreach.resubscribe_phone('hard', '(201) 555-0102', 'he asked');
-- ... nor for a team other than the one the session works for
SELECT outreach.suppress_phone('other', '(201) 555-0102', 'operator');
RESET outreach.team_id;
RESET ROLE;
-- An admin lifts it only with a reason, and is named.
SET ROLE outreach_admin;
SET outreach.team_id = 'hard';
INSERT INTO outreach.consent_log (team_id, phone, kind, source) VALUES ('hard', '+12015550102', 'opt_in', 'admin');
SELECT outreach.record_consent('hard', '(201) 555-0102', 'opt_in', 'admin');
SELECT outreach.resubscribe_phone('hard', '(201) 555-0102', '   ');
SELECT outreach.resubscribe_phone('hard', '(201) 555-0102', 'written consent on file (ticket 88)') > 0 AS admin_resubscribed;
RESET outreach.team_id;
RESET ROLE;
SELECT phone, kind, source, evidence, recorded_by FROM outreach.consent_log WHERE team_id = 'hard' AND phone = '+12015550102'
ORDER BY event_id;
SELECT count(*) AS suppressed_201 FROM outreach.suppression_list WHERE team_id = 'hard' AND phone = '+12015550102';

-- ---- campaign criteria: an entry that means nothing is refused, naming it --------------------------
CREATE FUNCTION pg_temp.save(criteria text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outreach.campaigns (team_id, name, criteria) VALUES ('hard', 'criteria check', criteria::jsonb);
    RETURN 'saved';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END
$$;
SELECT c AS criteria, pg_temp.save(c) AS result FROM unnest(ARRAY[
    '{"states": ["NY", "Nwe York"]}', '{"states": ["NY", ""]}', '{"states": []}',
    '{"zips": ["10001", "1000l"]}', '{"zips": ["10001", " "]}',
    '{"sic_codes": ["58", ""]}', '{"sic_codes": ["58", "restaurants"]}', '{"naics_codes": ["7225", "72251199"]}',
    '{"statuses": ["new", "hot"]}', '{"enrichment_statuses": ["enriched", "done"]}',
    '{"tags": ["vip", " "]}', '{"exclude_tags": [""]}', '{"exclude_tags": ["do-not-text "]}', '{"states": ["NY", null]}',
    '{"radius": {"zip": 10001, "miles": 5}}', '{"radius": {"zip": "10001", "miles": 5, "mile": 50}}',
    '{"last_contacted_before": "infinity"}',
    '{"states": ["ny", "New Jersey "], "zips": ["10001-1234"], "sic_codes": [" 58 "]}']) c;
-- The selection itself fails closed: a criterion with an entry it cannot read selects no more than
-- the good entries alone (this is what campaign_selection is given if the check is ever bypassed).
CREATE FUNCTION pg_temp.selected(criteria text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT count(*) FROM outreach.campaign_selection('hard', criteria::jsonb) WHERE cardinality(reasons) = 0)::text;
EXCEPTION WHEN OTHERS THEN
    RETURN 'error';
END
$$;
SELECT good, bad, pg_temp.selected(good) AS selected_good, pg_temp.selected(bad) AS selected_with_bad_entry
FROM (VALUES ('{"states": ["NY"]}', '{"states": ["NY", "Nwe York"]}'),
             ('{"states": ["NY"]}', '{"states": ["NY", null]}'),
             ('{"zips": ["10001"]}', '{"zips": ["10001", "1000l"]}'),
             ('{"sic_codes": ["72"]}', '{"sic_codes": ["72", ""]}'),
             ('{"naics_codes": ["8121"]}', '{"naics_codes": ["8121", " "]}'),
             ('{"statuses": ["new"]}', '{"statuses": ["new", null]}'),
             ('{"tags": ["vip"]}', '{"tags": ["vip", null]}'),
             ('{"enrichment_statuses": ["enriched"]}', '{"enrichment_statuses": ["enriched", null]}'),
             ('{"min_score": 0}', '{"min_score": null}'),
             ('{"max_score": 100}', '{"max_score": null}'),
             ('{"radius": {"zip": "10001", "miles": 5}}', '{"radius": {"zip": "1000l", "miles": 5}}'),
             ('{"min_employees": 1}', '{"min_employees": null}'),
             ('{"max_revenue": 1000000}', '{"max_revenue": "a lot"}'),
             ('{"never_contacted": true}', '{"never_contacted": "yes"}'),
             ('{"last_contacted_before": "2026-01-01"}', '{"last_contacted_before": "infinity"}'),
             ('{"exclude_tags": ["competitor"]}', '{"exclude_tags": [null]}')) AS t (good, bad)
ORDER BY 1, 2;

-- ---- one text per number and step ----------------------------------------------------------------
-- Two leads with one number (the same person imported under another company): the campaign
-- queues the number once, for the lead that ranks first, and says why the other is left out.
SELECT rows_imported FROM outreach.import_csv('hard', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
Adams Catering,Ann,Adams,(212) 555-0101,9 W 29th St,New York,NY,10001
', 'UTF8'));
SELECT outreach.resubscribe_phone('hard', '(212) 555-0101', 'consent form renewed') > 0 AS resubscribed;
INSERT INTO outreach.templates (team_id, name, variant, weight, body)
VALUES ('hard', 'hello', 'A', 1, 'Hi {{firstName|there}}, a question for {{company}}. Reply STOP to opt out.');
INSERT INTO outreach.campaigns (team_id, campaign_id, name, criteria, min_spacing)
VALUES ('hard', 50, 'New York', '{"states": ["NY"]}', '1 minute');
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, delay, template_name) VALUES ('hard', 50, 1, '0', 'hello');
SELECT c.company, p.selected, p.reasons, p.phone
FROM outreach.preview_campaign('hard', 50, '2026-01-13 15:00+00') p JOIN outreach.unified_lead_cards c ON c.team_id = 'hard' AND c.lead_id = p.lead_id
ORDER BY c.company;
SELECT messages_queued FROM outreach.prepare_campaign('hard', 50, '2026-01-13 15:00+00');
SELECT phone, count(*) FROM outreach.campaign_queue WHERE team_id = 'hard' AND campaign_id = 50 GROUP BY phone ORDER BY phone;
-- whatever writes the queue, a second live row for the number and step is refused
INSERT INTO outreach.campaign_queue (team_id, campaign_id, lead_id, step, template_id, variant, phone, body, encoding, segments,
                                     scheduled_at, local_send_at)
SELECT team_id, campaign_id, lead_id + 1000, step, template_id, variant, phone, body, encoding, segments, scheduled_at, local_send_at
FROM outreach.campaign_queue WHERE team_id = 'hard' AND campaign_id = 50 AND phone = '+12125550101';
