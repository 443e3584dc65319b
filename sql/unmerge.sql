-- Merges are reversible, and operators settle reviews: unmerge_persona, unmerge_business and
-- resolve_match_review. An undone or rejected pair is never merged automatically again.
\set SHOW_CONTEXT never
\set VERBOSITY terse
INSERT INTO outreach.teams (team_id, name) VALUES ('unm', 'Unmerge team');
-- Errors that name an id (which depends on what ran before) are shown with the number masked.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN regexp_replace(SQLERRM, '\m\d+\M', 'N', 'g');
END
$$;
CREATE TEMP TABLE leads_file (row_number bigint, "companyName" text, "ownerFirstName" text, "ownerLastName" text, phone text,
    email text, street text, city text, state text, zip text);
COPY leads_file FROM STDIN WITH (FORMAT csv);
1,Peak Roofing,Sam,Ortiz,(720) 555-0101,sam@peakroofing.example,10 Elm St,Denver,CO,80203
2,Peak Roofing LLC,Samuel,Ortiz,(720) 555-0101,,10 Elm Street,Denver,CO,80203
3,Valley Veterinary Clinic,Ann,Ruiz,(720) 555-0102,,22 Oak St,Denver,CO,80203
4,Valley Veterinary Clinics,Ann,Ruiz,(720) 555-0103,,40 Pine St,Denver,CO,80203
\.
SELECT personas_created, personas_merged, businesses_created, businesses_merged, leads_created, reviews_opened
FROM outreach.import_relation('unm', 'leads_file', name => 'first');

-- A view of the team, used after each step: who the rows belong to and which leads are active.
CREATE TEMP VIEW who AS
SELECT s.row_number AS row, p.first_name, p.persona_id = s.origin_persona_id AS own_persona, b.name AS business,
       l.is_active AS lead_active,
       (SELECT array_agg(ph.normalized_phone ORDER BY ph.phone_id) FROM outreach.persona_phones ph
        WHERE ph.team_id = s.team_id AND ph.persona_id = s.persona_id) AS persona_phones
FROM outreach.source_records s
JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
LEFT JOIN outreach.businesses b ON b.team_id = s.team_id AND b.business_id = s.business_id
JOIN outreach.leads l ON l.team_id = s.team_id AND l.lead_id = s.lead_id
WHERE s.team_id = 'unm'
ORDER BY s.row_number;
SELECT * FROM who;
SELECT count(*) AS active_leads FROM outreach.leads WHERE team_id = 'unm' AND is_active;

-- Sam and Samuel Ortiz share a phone and were merged. They turn out to be father and son.
SELECT persona_id IS NOT NULL AS survivor, restored_persona_id IS NOT NULL AS restored, source_records_moved
FROM outreach.unmerge_persona('unm', (SELECT merge_id FROM outreach.persona_merge_history WHERE team_id = 'unm' AND rule = 'phone'));
SELECT * FROM who;
SELECT count(*) AS active_leads, count(DISTINCT (persona_id, business_id)) AS distinct_pairs
FROM outreach.leads WHERE team_id = 'unm' AND is_active;
SELECT rule, undone_at IS NOT NULL AS undone FROM outreach.persona_merge_history WHERE team_id = 'unm';
SELECT entity, rule, state FROM outreach.match_reviews WHERE team_id = 'unm' ORDER BY entity, rule;

-- An undo happens once.
SELECT pg_temp.error_of($$SELECT outreach.unmerge_persona('unm', (SELECT merge_id FROM outreach.persona_merge_history WHERE team_id = 'unm' AND rule = 'phone'))$$);
SELECT * FROM outreach.unmerge_persona('unm', -1);

-- Importing the same rows again does not merge the two again (the pair is known distinct), but
-- each new row still joins the right one.
TRUNCATE leads_file;
COPY leads_file FROM STDIN WITH (FORMAT csv);
1,Peak Roofing,Sam,Ortiz,(720) 555-0101,sam@peakroofing.example,10 Elm St,Denver,CO,80203
2,Peak Roofing LLC,Samuel,Ortiz,(720) 555-0101,,10 Elm Street,Denver,CO,80203
\.
SELECT personas_created, personas_merged, reviews_opened FROM outreach.import_relation('unm', 'leads_file', name => 'again');
SELECT count(*) FILTER (WHERE is_active) AS active_ortiz FROM outreach.personas WHERE team_id = 'unm' AND last_name = 'Ortiz';
SELECT s.row_number, p.first_name AS joined
FROM outreach.source_records s
JOIN outreach.data_sources d ON d.team_id = s.team_id AND d.data_source_id = s.data_source_id AND d.name = 'again'
JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
WHERE s.team_id = 'unm' ORDER BY 1;

-- Businesses too: Peak Roofing and Peak Roofing LLC were merged; undo it.
SELECT source_records_moved
FROM outreach.unmerge_business('unm', (SELECT min(merge_id) FROM outreach.business_merge_history WHERE team_id = 'unm'));
SELECT b.name, count(*) AS rows FROM outreach.source_records s
JOIN outreach.businesses b ON b.team_id = s.team_id AND b.business_id = s.business_id
WHERE s.team_id = 'unm' AND b.name LIKE 'Peak%' GROUP BY 1 ORDER BY 1;

-- Reviews: Ann Ruiz at two addresses in one ZIP is a person review; Valley Veterinary Clinic(s)
-- a business review. The operator merges the people and keeps the businesses apart.
SELECT entity, rule, state FROM outreach.match_reviews WHERE team_id = 'unm' AND state = 'open' ORDER BY entity;
SELECT state, merge_id IS NOT NULL AS merged
FROM outreach.resolve_match_review('unm', (SELECT review_id FROM outreach.match_reviews WHERE team_id = 'unm' AND rule = 'name_zip'), 'merge');
SELECT state FROM outreach.resolve_match_review('unm', (SELECT review_id FROM outreach.match_reviews WHERE team_id = 'unm' AND rule = 'fuzzy_name'), 'distinct');
SELECT rule, confidence, evidence ->> 'review_rule' AS from_review FROM outreach.persona_merge_history
WHERE team_id = 'unm' AND rule = 'operator';
SELECT row, first_name, own_persona, business FROM who WHERE first_name = 'Ann';
-- decided reviews stay decided; decisions are 'merge' or 'distinct'
SELECT pg_temp.error_of($$SELECT outreach.resolve_match_review('unm', (SELECT review_id FROM outreach.match_reviews WHERE team_id = 'unm' AND rule = 'name_zip'), 'distinct')$$);
SELECT * FROM outreach.resolve_match_review('unm', 1, 'maybe');
-- and the operator's merge can be undone like any other
SELECT source_records_moved FROM outreach.unmerge_persona('unm', (SELECT merge_id FROM outreach.persona_merge_history WHERE team_id = 'unm' AND rule = 'operator'));
SELECT row, first_name, own_persona FROM who WHERE first_name = 'Ann';

-- An operator works through the functions as the team, under row-level security.
CREATE ROLE unmerge_operator LOGIN;
GRANT outreach_operator TO unmerge_operator;
SET ROLE unmerge_operator;
SELECT * FROM outreach.unmerge_persona('unm', 1);
SET outreach.team_id = 'unm';
SELECT count(*) > 0 AS sees_its_team FROM outreach.personas;
SELECT source_records_moved
FROM outreach.unmerge_business('unm', (SELECT max(merge_id) FROM outreach.business_merge_history WHERE team_id = 'unm' AND undone_at IS NULL));
SELECT count(*) AS active_leads, count(DISTINCT (persona_id, business_id)) AS distinct_pairs
FROM outreach.leads WHERE is_active;
RESET outreach.team_id;
RESET ROLE;
DROP ROLE unmerge_operator;

-- A decision stands: after Ann Ruiz (1) and Ann Ruiz (2) are un-merged, a third Ann Ruiz opens a
-- review with each; merging her with the first is fine, but then merging her with the second would
-- join the two the operator separated, and is refused; 'distinct' settles that review instead.
INSERT INTO outreach.teams (team_id, name) VALUES ('unm2', 'Decisions stand');
TRUNCATE leads_file;
COPY leads_file FROM STDIN WITH (FORMAT csv);
1,,Ann,Ruiz,(720) 555-0102,,22 Oak St,Denver,CO,80203
2,,Ann,Ruiz,(720) 555-0102,,40 Pine St,Denver,CO,80203
\.
SELECT personas_merged FROM outreach.import_relation('unm2', 'leads_file');
SELECT source_records_moved FROM outreach.unmerge_persona('unm2', (SELECT max(merge_id) FROM outreach.persona_merge_history WHERE team_id = 'unm2'));
TRUNCATE leads_file;
COPY leads_file FROM STDIN WITH (FORMAT csv);
1,,Ann,Ruiz,,,99 Elm St,Denver,CO,80203
\.
SELECT reviews_opened FROM outreach.import_relation('unm2', 'leads_file');
SELECT state FROM outreach.resolve_match_review('unm2', (SELECT min(review_id) FROM outreach.match_reviews WHERE team_id = 'unm2' AND state = 'open'), 'merge');
SELECT pg_temp.error_of($$SELECT outreach.resolve_match_review('unm2', (SELECT min(review_id) FROM outreach.match_reviews WHERE team_id = 'unm2' AND state = 'open'), 'merge')$$);
SELECT pg_temp.error_of($$SELECT outreach.resolve_match_review('unm2', (SELECT min(review_id) FROM outreach.match_reviews WHERE team_id = 'unm2' AND state = 'open'), 'distinct')$$);
SELECT count(DISTINCT canonical_id) AS ann_ruiz_personas FROM outreach.personas WHERE team_id = 'unm2';
