-- Enrichment: jobs outreachd claims (at-least-once), raw answers kept, and what they found resolved
-- exactly like imported rows. The provider answers here are written out as the providers'
-- documented JSON; test/integration/enrich.sh runs the real daemon against stand-ins.
\set SHOW_CONTEXT never
\set VERBOSITY terse
INSERT INTO outreach.teams (team_id, name) VALUES ('enr', 'Enrichment team');
SELECT rows_imported FROM outreach.import_csv('enr', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,email,street,city,state,zip
Ames Plumbing,Amy,Ames,,,1 Main St,New York,NY,10001
Burns Bakery,Bo,Burns,(212) 555-0162,,2 Main St,New York,NY,10001
Cruz Cafe,Cy,Cruz,,,3 Main St,New York,NY,10001
', 'UTF8'));
CREATE TEMP TABLE who AS SELECT lead_id, first_name AS name FROM outreach.unified_lead_cards WHERE team_id = 'enr';
SELECT w.name, l.enrichment_status, c.phone, l.score FROM who w JOIN outreach.leads l USING (lead_id)
JOIN outreach.unified_lead_cards c USING (team_id, lead_id) ORDER BY w.lead_id;

-- Queue SkipTrace for everyone (the answer: how many of them wait for one now); asking again while
-- a job is open queues nothing new.
SELECT outreach.request_enrichment('enr', ARRAY(SELECT lead_id FROM who), 'skiptrace');
SELECT outreach.request_enrichment('enr', ARRAY(SELECT lead_id FROM who), 'skiptrace');
SELECT outreach.request_enrichment('enr', ARRAY(SELECT lead_id FROM who), 'fax');
SELECT w.name, j.provider, j.state, j.request FROM outreach.enrichment_jobs j JOIN who w USING (lead_id) ORDER BY j.job_id;

-- A worker claims them (with a lease).
CREATE TEMP TABLE c1 AS SELECT * FROM outreach.claim_enrichment('w1', 10, '2 minutes');
SELECT w.name, c1.provider, c1.kind, c1.attempt FROM c1 JOIN outreach.enrichment_jobs j USING (team_id, job_id) JOIN who w USING (lead_id) ORDER BY c1.job_id;

-- Amy: SkipTrace v2 finds a mobile number, a landline and a number on the FTC Do Not Call list.
-- The mobile joins her persona (through the import, merged by name and address); the landline is
-- left out (it cannot receive texts); the DNC number is recorded as an opt-out.
SELECT outreach.complete_enrichment('enr', (SELECT c1.job_id FROM c1 JOIN outreach.enrichment_jobs j USING (team_id, job_id) JOIN who w USING (lead_id) WHERE w.name = 'Amy'), 200,
'{"requestId": "r1", "persons": [{"firstName": "Amy", "lastName": "Ames",
   "phones": [{"phone": "2125550171", "phoneType": "W", "phoneFtcDnc": "N"},
              {"phone": "2125560171", "phoneType": "L", "phoneFtcDnc": "N"},
              {"phone": "2125570171", "phoneType": "W", "phoneFtcDnc": "Y"}],
   "emails": [{"email": "amy.ames@skiptrace.example"}]}], "statusCode": 200, "match": true, "resultCount": 1}');
SELECT * FROM outreach.enrichment_findings('skiptrace', (SELECT response FROM outreach.skiptrace_results ORDER BY result_id DESC LIMIT 1));
SELECT w.name, l.enrichment_status, c.phone, c.email, l.score FROM who w JOIN outreach.leads l USING (lead_id)
JOIN outreach.unified_lead_cards c USING (team_id, lead_id) WHERE w.name = 'Amy';
SELECT phone, source FROM outreach.suppression_list WHERE team_id = 'enr';
SELECT d.name, d.rows_imported, d.personas_merged FROM outreach.data_sources d WHERE d.team_id = 'enr' ORDER BY d.data_source_id;
-- Bo: the number found is Cy's? No: it is Bo's own (already known): nothing new, merged.
-- Cy: SkipTrace returns Bo's number for Cy. A number shared by different names is evidence for
-- an operator, not a merge: a review opens.
SELECT outreach.complete_enrichment('enr', (SELECT c1.job_id FROM c1 JOIN outreach.enrichment_jobs j USING (team_id, job_id) JOIN who w USING (lead_id) WHERE w.name = 'Cy'), 200,
'{"persons": [{"firstName": "Cy", "lastName": "Cruz", "phones": [{"phone": "2125550162", "phoneType": "W", "phoneFtcDnc": "N"}], "emails": []}]}');
SELECT r.entity, r.rule, r.state FROM outreach.match_reviews r WHERE r.team_id = 'enr';
-- Bo: rate limited (429 with Retry-After 120): the job waits at least that long and is claimed again.
SELECT outreach.complete_enrichment('enr', (SELECT c1.job_id FROM c1 JOIN outreach.enrichment_jobs j USING (team_id, job_id) JOIN who w USING (lead_id) WHERE w.name = 'Bo'), 429,
'{"statusCode": 429, "statusMessage": "Too Many Requests"}', 'HTTP 429', 120);
SELECT w.name, j.state, j.attempts, j.next_attempt_at - now() >= interval '119 seconds' AS waits_retry_after, j.last_error
FROM outreach.enrichment_jobs j JOIN who w USING (lead_id) WHERE w.name = 'Bo';
-- A repeated answer for a settled job changes nothing (at-least-once).
SELECT outreach.complete_enrichment('enr', (SELECT c1.job_id FROM c1 JOIN outreach.enrichment_jobs j USING (team_id, job_id) JOIN who w USING (lead_id) WHERE w.name = 'Amy'), 200, '{}');
-- Retries run out: after max_attempts the job is dead.
UPDATE outreach.enrichment_jobs SET max_attempts = 2, next_attempt_at = now() WHERE team_id = 'enr' AND state = 'queued';
SELECT count(*) FROM outreach.claim_enrichment('w1', 10, '2 minutes');
SELECT outreach.complete_enrichment('enr', j.job_id, NULL, NULL, 'connection refused') FROM outreach.enrichment_jobs j WHERE j.team_id = 'enr' AND j.state = 'running';
SELECT w.name, j.state, j.attempts, j.last_error, l.enrichment_status FROM outreach.enrichment_jobs j JOIN who w USING (lead_id)
JOIN outreach.leads l USING (team_id, lead_id) WHERE w.name = 'Bo';
-- A worker that dies: its lease runs out and the job is queued again.
SELECT outreach.request_enrichment('enr', ARRAY(SELECT lead_id FROM who WHERE name = 'Bo'), 'person');
SELECT count(*) FROM outreach.claim_enrichment('w2', 10, '1 minute');
SELECT outreach.reap_stale_enrichment(now() + interval '5 minutes') AS requeued;
SELECT w.name, j.kind, j.state, j.last_error FROM outreach.enrichment_jobs j JOIN who w USING (lead_id) WHERE j.kind = 'person';
-- Apollo: no match is done with nothing found; a refused request (401) fails without retrying.
SELECT count(*) FROM outreach.claim_enrichment('w1', 10, '2 minutes');
SELECT outreach.complete_enrichment('enr', j.job_id, 200, '{"person": null}') FROM outreach.enrichment_jobs j WHERE j.team_id = 'enr' AND j.kind = 'person';
SELECT j.state, j.last_error FROM outreach.enrichment_jobs j WHERE j.team_id = 'enr' AND j.kind = 'person';
SELECT outreach.request_enrichment('enr', ARRAY(SELECT lead_id FROM who WHERE name = 'Amy'), 'person');
SELECT count(*) FROM outreach.claim_enrichment('w1', 10, '2 minutes');
SELECT outreach.complete_enrichment('enr', j.job_id, 401, '{"error": "Invalid access credentials."}', 'HTTP 401')
FROM outreach.enrichment_jobs j WHERE j.team_id = 'enr' AND j.kind = 'person' AND j.state = 'running';
SELECT w.name, j.kind, j.state, j.last_error FROM outreach.enrichment_jobs j JOIN who w USING (lead_id) ORDER BY j.job_id;
-- Apollo's phone numbers and e-mail are findings too.
SELECT * FROM outreach.enrichment_findings('person', '{"person": {"email": "amy@amesplumbing.com", "contact": {"phone_numbers":
    [{"raw_number": "+1 212-558-0171", "sanitized_number": "+12125580171", "type": "mobile", "dnc_status": null}]}}}');
SELECT count(*) AS raw_responses_kept FROM outreach.skiptrace_results WHERE team_id = 'enr';

-- ---- Organization enrichment (Apollo GET /organizations/enrich?domain=...) -------------------
-- One job per company, found by its domain: the first e-mail address of the lead's person whose
-- domain is not a free-mail provider's. Domains are normalized the way Apollo wants them (no
-- scheme, no www., no path); free-mail and internet-provider domains name no company.
SELECT d AS written, outreach.normalize_domain(d) AS domain, outreach.is_free_mail_domain(outreach.normalize_domain(d)) AS free_mail
FROM unnest(ARRAY['https://www.Dale-Roofing.com/about?ref=1', 'dee@DaleRoofing.com', 'daleroofing.com.', 'eve.elm@gmail.com',
                  'pat@yahoo.co.uk', 'x@nc.rr.com', 'http://10.0.0.1/', 'localhost']) AS d;
INSERT INTO outreach.teams (team_id, name) VALUES ('org', 'Organization enrichment');
SELECT rows_imported FROM outreach.import_csv('org', convert_to(
'companyName,ownerFirstName,ownerLastName,phone,email,street,city,state,zip,employeeCount
Dale Roofing,Dee,Dale,,dee@daleroofing.com,4 Main St,New York,NY,10001,
Dale Roofing,Dan,Dale,,dan@DaleRoofing.com,4 Main St,New York,NY,10001,
Fox Farms,Fay,Fox,(212) 555-0190,fay@foxfarms.com,,,,,40
Global Widgets,Gil,Gross,,gil@globalwidgets.de,,,,,
Ito Imports,Ivy,Ito,,ivy@itoimports.com,7 Main St,New York,NY,10001,
Elm Dental,Eve,Elm,,eve.elm@gmail.com,5 Main St,New York,NY,10001,
Hill Bakery,Hal,Hill,,,8 Main St,New York,NY,10001,
,Gus,Gray,,gus@grayco.com,6 Main St,New York,NY,10001,
', 'UTF8'));
CREATE TEMP TABLE org_who AS SELECT lead_id, first_name AS name, company FROM outreach.unified_lead_cards WHERE team_id = 'org';
-- Queue everyone: Dee and Dan share a company (one job); Eve has only a gmail address, Hal no
-- address at all and Gus no company: not queued, the NOTICE says why, and so does a skipped job
-- per lead. The answer counts the leads whose company waits for a job.
SELECT outreach.request_enrichment('org', ARRAY(SELECT lead_id FROM org_who ORDER BY lead_id), 'organization');
SELECT w.name, w.company, j.state, j.request, j.last_error FROM outreach.enrichment_jobs j JOIN org_who w USING (lead_id)
WHERE j.team_id = 'org' ORDER BY j.job_id;
-- Asking again queues nothing new, and refreshes the records of what could not be queued (one per lead).
SELECT outreach.request_enrichment('org', ARRAY(SELECT lead_id FROM org_who ORDER BY lead_id), 'organization');
SELECT j.state, count(*) FROM outreach.enrichment_jobs j WHERE j.team_id = 'org' GROUP BY j.state ORDER BY j.state;
-- An admin working as the team (row-level security applies) asks the same: admins insert and update jobs.
SET ROLE outreach_admin;
SET outreach.team_id = 'org';
SELECT outreach.request_enrichment('org', ARRAY(SELECT lead_id FROM outreach.leads WHERE team_id = 'org' ORDER BY lead_id), 'organization');
RESET outreach.team_id;
RESET ROLE;
CREATE TEMP TABLE c2 AS SELECT * FROM outreach.claim_enrichment('w1', 10, '2 minutes') WHERE team_id = 'org';
SELECT w.company, c2.provider, c2.kind, c2.request ->> 'domain' AS domain FROM c2 JOIN outreach.enrichment_jobs j USING (team_id, job_id)
JOIN org_who w USING (lead_id) ORDER BY c2.job_id;

-- Dale Roofing: Apollo knows the company (the documented shape). Its number goes through the import
-- as a row of Dee at Dale Roofing (merged by her e-mail address and the company's name and ZIP, so
-- no one new) and becomes the company's number; employees, revenue and industry were missing and
-- are filled. The raw answer is kept.
SELECT * FROM outreach.organization_findings('{"organization": {"id": "5e66b6381e05b4008c8331b8", "name": "Dale Roofing",
    "website_url": "http://www.daleroofing.com", "primary_domain": "daleroofing.com", "phone": "+1 212-559-0123",
    "primary_phone": {"number": "+1 212-559-0123", "sanitized_number": "+12125590123"}, "industry": "construction",
    "estimated_num_employees": 25, "annual_revenue": 2500000, "founded_year": 2009, "raw_address": "4 Main St, New York, NY 10001, US",
    "street_address": "4 Main St", "city": "New York", "state": "New York", "postal_code": "10001", "country": "United States"}}');
SELECT outreach.complete_enrichment('org', c2.job_id, 200, '{"organization": {"id": "5e66b6381e05b4008c8331b8", "name": "Dale Roofing",
    "website_url": "http://www.daleroofing.com", "primary_domain": "daleroofing.com", "phone": "+1 212-559-0123",
    "primary_phone": {"number": "+1 212-559-0123", "sanitized_number": "+12125590123"}, "industry": "construction",
    "estimated_num_employees": 25, "annual_revenue": 2500000, "founded_year": 2009, "raw_address": "4 Main St, New York, NY 10001, US",
    "street_address": "4 Main St", "city": "New York", "state": "New York", "postal_code": "10001", "country": "United States"}}')
FROM c2 JOIN outreach.enrichment_jobs j USING (team_id, job_id) JOIN org_who w USING (lead_id) WHERE w.company = 'Dale Roofing';
SELECT b.name, b.normalized_phone, b.employee_count, b.annual_revenue, b.industry, b.street, b.zip, b.timezone
FROM outreach.businesses b WHERE b.team_id = 'org' AND b.is_active AND b.name = 'Dale Roofing';
SELECT w.name, c.phone, c.employee_count, c.annual_revenue, l.enrichment_status, l.score FROM org_who w
JOIN outreach.leads l USING (lead_id) JOIN outreach.unified_lead_cards c USING (team_id, lead_id) WHERE w.company = 'Dale Roofing' ORDER BY w.lead_id;
SELECT d.rows_imported, d.personas_created, d.personas_merged, d.businesses_merged, d.leads_created, d.reviews_opened
FROM outreach.data_sources d WHERE d.team_id = 'org' AND d.name LIKE 'organization job%';
SELECT j.state, j.last_error, r.http_status, r.response #>> '{organization,name}' AS kept FROM outreach.enrichment_jobs j
JOIN outreach.enrichment_results r ON r.team_id = j.team_id AND r.job_id = j.job_id JOIN org_who w ON w.lead_id = j.lead_id
WHERE w.company = 'Dale Roofing';

-- Fox Farms had a number and an employee count of its own: they stay (imported data is never
-- overwritten). Apollo's other number joins Fay like an imported one; the address it had none of
-- is filled first, so the import recognizes the company by it.
SELECT outreach.complete_enrichment('org', c2.job_id, 200, '{"organization": {"id": "6a1", "name": "Fox Farms LLC",
    "primary_domain": "foxfarms.com", "phone": "(212) 559-0191", "primary_phone": {}, "estimated_num_employees": 12,
    "annual_revenue": 900000, "industry": "farming", "street_address": "9 Elm St", "city": "Albany", "state": "NY",
    "postal_code": "12207", "country": "United States"}}')
FROM c2 JOIN outreach.enrichment_jobs j USING (team_id, job_id) JOIN org_who w USING (lead_id) WHERE w.company = 'Fox Farms';
SELECT b.name, b.normalized_phone, b.employee_count, b.annual_revenue, b.industry, b.street, b.city, b.state, b.zip, b.timezone
FROM outreach.businesses b WHERE b.team_id = 'org' AND b.is_active AND b.name = 'Fox Farms';
SELECT w.name, array_agg(pp.normalized_phone ORDER BY pp.phone_id) AS phones FROM org_who w JOIN outreach.leads l USING (lead_id)
JOIN outreach.persona_phones pp ON pp.team_id = l.team_id AND pp.persona_id = l.persona_id WHERE w.company = 'Fox Farms' GROUP BY w.name;
SELECT count(*) AS fox_farms_leads FROM outreach.leads l JOIN outreach.businesses b USING (team_id, business_id)
WHERE l.team_id = 'org' AND l.is_active AND b.name = 'Fox Farms';

-- Global Widgets: a German address is not this business's, and without a ZIP or city the import
-- could not tell the company apart: its number is not used. What is used, and what not, is noted.
SELECT outreach.complete_enrichment('org', c2.job_id, 200, '{"organization": {"id": "7b2", "name": "Global Widgets GmbH",
    "primary_domain": "globalwidgets.de", "phone": "+49 30 1234567", "estimated_num_employees": 0, "annual_revenue": 0,
    "industry": "machinery", "street_address": "Unter den Linden 1", "city": "Berlin", "state": "Berlin", "postal_code": "10117",
    "country": "Germany"}}')
FROM c2 JOIN outreach.enrichment_jobs j USING (team_id, job_id) JOIN org_who w USING (lead_id) WHERE w.company = 'Global Widgets';
SELECT b.name, b.normalized_phone, b.employee_count, b.annual_revenue, b.industry, b.street, b.zip
FROM outreach.businesses b WHERE b.team_id = 'org' AND b.is_active AND b.name = 'Global Widgets';
SELECT j.state, j.last_error, j.data_source_id FROM outreach.enrichment_jobs j JOIN org_who w USING (lead_id) WHERE w.company = 'Global Widgets';

-- Ito Imports: rate limited first (429, Retry-After 30), then Apollo does not know the domain ({}):
-- done, nothing found. Organization jobs leave the lead's own enrichment status alone.
SELECT outreach.complete_enrichment('org', c2.job_id, 429, '{"error": "Rate limit exceeded"}', 'HTTP 429', 30)
FROM c2 JOIN outreach.enrichment_jobs j USING (team_id, job_id) JOIN org_who w USING (lead_id) WHERE w.company = 'Ito Imports';
SELECT j.state, j.attempts, j.next_attempt_at - now() >= interval '29 seconds' AS waits_retry_after, j.last_error
FROM outreach.enrichment_jobs j JOIN org_who w USING (lead_id) WHERE w.company = 'Ito Imports';
UPDATE outreach.enrichment_jobs SET next_attempt_at = now() WHERE team_id = 'org' AND state = 'queued';
SELECT outreach.complete_enrichment('org', c.job_id, 200, '{}') FROM outreach.claim_enrichment('w1', 10, '2 minutes') c WHERE c.team_id = 'org';
SELECT j.state, j.attempts, j.last_error, l.enrichment_status FROM outreach.enrichment_jobs j JOIN org_who w USING (lead_id)
JOIN outreach.leads l USING (team_id, lead_id) WHERE w.company = 'Ito Imports';
SELECT count(*) AS no_organization FROM outreach.organization_findings('{"organization": null}');

-- Eve's company e-mail address turns up in a later import: asking again queues her company. The record of
-- why she was skipped before stays (updated_at says when).
SELECT rows_imported FROM outreach.import_csv('org', convert_to(
'companyName,ownerFirstName,ownerLastName,email,street,city,state,zip
Elm Dental,Eve,Elm,eve@elmdental.com,5 Main St,New York,NY,10001
', 'UTF8'));
SELECT outreach.request_enrichment('org', ARRAY(SELECT lead_id FROM org_who WHERE name = 'Eve'), 'organization');
SELECT j.state, j.request ->> 'domain' AS domain, j.last_error FROM outreach.enrichment_jobs j JOIN org_who w USING (lead_id)
WHERE w.name = 'Eve' ORDER BY j.job_id;
-- A refused request (422) fails without retrying; the company number found is in the findings too.
SELECT outreach.complete_enrichment('org', c.job_id, 422, '{"error": "invalid domain"}', 'HTTP 422')
FROM outreach.claim_enrichment('w1', 10, '2 minutes') c WHERE c.team_id = 'org';
SELECT j.state, j.last_error FROM outreach.enrichment_jobs j JOIN org_who w USING (lead_id) WHERE w.name = 'Eve' AND j.state <> 'skipped';
SELECT * FROM outreach.enrichment_findings('organization', '{"organization": {"id": "1", "name": "X", "phone": "+1 212-559-0123"}}');
SELECT count(*) AS organization_answers_kept FROM outreach.enrichment_results r JOIN outreach.enrichment_jobs j USING (team_id, job_id)
WHERE j.team_id = 'org' AND j.kind = 'organization';
