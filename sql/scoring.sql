-- Lead scoring: each lead's score is the sum of the components it earns, with points from the
-- team's score_weights; triggers keep it current, and explain_score says why.
\set SHOW_CONTEXT never
\set VERBOSITY terse
INSERT INTO outreach.teams (team_id, name) VALUES ('sco', 'Scoring team');
-- The components and their default points (they add up to 100).
SELECT component, points, description FROM outreach.default_score_weights();
SELECT sum(points) FROM outreach.score_weights WHERE team_id = 'sco';

SELECT rows_imported FROM outreach.import_csv('sco', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,email,sicCode,naicsCode,employeeCount,annualRevenue,street,city,state,zip
Smith Plumbing LLC,Robert,Smith,(212) 555-0199,bob@smithplumbing.com,1711,238220,12,"$1,200,000",123 Main St,New York,NY,10001
Smith Plumbing Inc,Bob,Smith,212-555-0199,,1711,,12,1200000,123 Main Street,New York,NY,10001
Tiny Shop,Jo,,,jo@tinyshop.com,,,2,90000,,Boston,MA,02134
', 'UTF8'));
CREATE TEMP TABLE who AS
SELECT lead_id, first_name AS name FROM outreach.unified_lead_cards WHERE team_id = 'sco';
SELECT w.name, l.score FROM who w JOIN outreach.leads l USING (lead_id) ORDER BY w.lead_id;
-- Why: each component, what it looked at and what it earned. Earned points add up to the score.
SELECT component, earned, points, detail FROM outreach.explain_score('sco', (SELECT lead_id FROM who WHERE name = 'Robert'));
SELECT component, earned, points, detail FROM outreach.explain_score('sco', (SELECT lead_id FROM who WHERE name = 'Jo'));
SELECT (SELECT sum(points) FROM outreach.explain_score('sco', w.lead_id)) = l.score AS adds_up
FROM who w JOIN outreach.leads l USING (lead_id) ORDER BY w.lead_id;

-- The score follows the lead's data, whichever table changes.
-- the lead replies with interest (leads.status)
UPDATE outreach.leads SET status = 'engaged' WHERE team_id = 'sco' AND lead_id = (SELECT lead_id FROM who WHERE name = 'Jo');
-- the company grows (businesses)
UPDATE outreach.businesses SET employee_count = 8, annual_revenue = 300000
WHERE team_id = 'sco' AND business_id = (SELECT business_id FROM outreach.leads WHERE team_id = 'sco' AND lead_id = (SELECT lead_id FROM who WHERE name = 'Jo'));
-- a phone number is found for her (persona_phones)
INSERT INTO outreach.persona_phones (team_id, persona_id, origin_persona_id, phone, normalized_phone, source)
SELECT 'sco', persona_id, persona_id, '617-555-0142', '+16175550142', 'skiptrace'
FROM outreach.leads WHERE team_id = 'sco' AND lead_id = (SELECT lead_id FROM who WHERE name = 'Jo');
SELECT component, earned, points, detail FROM outreach.explain_score('sco', (SELECT lead_id FROM who WHERE name = 'Jo')) WHERE earned;
SELECT w.name, l.score FROM who w JOIN outreach.leads l USING (lead_id) ORDER BY w.lead_id;
-- A team that values e-mail more changes its weights; every lead is rescored.
UPDATE outreach.score_weights SET points = 30 WHERE team_id = 'sco' AND component = 'email';
SELECT w.name, l.score FROM who w JOIN outreach.leads l USING (lead_id) ORDER BY w.lead_id;
-- Unknown leads and teams are errors.
SELECT * FROM outreach.explain_score('sco', 999999);
SELECT * FROM outreach.explain_score('nosuch', 1);

-- The operator's card: one row per lead.
SELECT owner_name, company, phone, email, city, state, zip, timezone, score, status, suppressed
FROM outreach.unified_lead_cards WHERE team_id = 'sco' ORDER BY lead_id;
