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
