-- Entity resolution: which rows become one person or one company, which pairs go
-- to an operator, and the evidence behind each decision.
\set SHOW_CONTEXT never
INSERT INTO outreach.teams (team_id, name) VALUES ('res', 'Resolution team');

CREATE TEMP TABLE leads_file (row_number bigint, "companyName" text, "ownerFirstName" text, "ownerLastName" text, phone text,
    email text, street text, city text, state text, zip text);

-- Load 1: duplicates inside one file, and look-alikes that are not duplicates.
COPY leads_file FROM STDIN WITH (FORMAT csv);
1,"Smith & Sons Plumbing, LLC",ROBERT,smith,(212) 555-0199,bob@smithplumbing.example,123 North Main St.,New York,NY,10001
2,SMITH AND SONS PLUMBING INC,Bob,Smith,1-212-555-0199,,123 N MAIN STREET,new york,new york,10001-2345
3,Carter Electric,Jon,Carter,,jcarter@carterelectric.example,45 Oak Ave,Denver,CO,80202
4,Carter Electric Co,John,Carter,(303) 555-0110,JCarter@CarterElectric.example,45 Oak Avenue,Denver,CO,80202
5,Sunrise Cleaning,Maria,Gonzalez,(602) 555-0111,,77 W Camelback Rd,Phoenix,AZ,85013
6,Sunrise Cleaning Svcs,Gonzalez,Maria,(602) 555-0112,,77 West Camelback Road,Phoenix,AZ,85013
7,Patel Dental,Priya,Patel,(415) 555-0120,,500 Market St,San Francisco,CA,94105
8,Patel Dental Group,Priya,Patel,(415) 555-0121,,900 Mission St,San Francisco,CA,94105
9,Reed Law Office,Tom,Reed,(512) 555-0130,,100 Congress Ave,Austin,TX,78701
10,Reed Law Office,Alice,Wong,(512) 555-0130,,100 Congress Ave,Austin,TX,78701
11,Harbor Cafe,Carl,Jung,(206) 555-0140,info@harborcafe.example,1 Pike St,Seattle,WA,98101
12,Harbor Cafe,Dana,Scully,(206) 555-0141,info@harborcafe.example,1 Pike St,Seattle,WA,98101
13,Lee Family Bakery,Mark,Lee,(503) 555-0150,,200 Pine St,Portland,OR,97204
14,Lee Family Bakery,Susan,Lee,(503) 555-0151,,200 Pine St,Portland,OR,97204
15,Joe's Pizza,Joe,Russo,(212) 555-0160,,5 Penn Plaza,New York,NY,10001
16,Joe's Pizza,Giuseppe,Bianchi,(312) 555-0161,,9 State St,Chicago,IL,60601
17,Zielinski Welding,Zbigniew,Zielinski,,,14 Rail Rd,Toledo,OH,43604
18,Zielinski Welding LLC,Zbigniew,Zielinski,,,14 Rail Road,Toledo,OH,43604
\.
SELECT state, rows_read, rows_imported, rows_rejected, personas_created, personas_merged, businesses_created,
       businesses_merged, leads_created, reviews_opened
FROM outreach.import_relation('res', 'leads_file', name => 'load 1');

-- Who is who: each surviving person with the rows that became them.
SELECT p.first_name || ' ' || p.last_name AS persona,
       array_agg(s.row_number ORDER BY s.row_number) AS rows
FROM outreach.personas p
JOIN outreach.source_records s ON s.team_id = p.team_id AND s.persona_id = p.persona_id
WHERE p.team_id = 'res' AND p.is_active
GROUP BY p.persona_id, p.first_name, p.last_name ORDER BY min(s.row_number);

-- Why: every merge with its rule, confidence and the fields that agreed. Typos (Jon/John),
-- nicknames (Bob/Robert) and swapped names (Gonzalez Maria) still match; a rare name weighs more
-- than a common one (Zbigniew Zielinski against Robert Smith's name weight).
SELECT (SELECT array_agg(s.row_number ORDER BY s.row_number) FROM outreach.source_records s
        WHERE s.team_id = h.team_id AND s.origin_persona_id IN (h.merged_id, h.survivor_id)) AS rows,
       h.rule, h.confidence, h.evidence ->> 'first_name' AS first, h.evidence ->> 'last_name' AS last,
       h.evidence ->> 'names_swapped' AS swapped, h.evidence ->> 'phone' AS phone, h.evidence ->> 'email' AS email,
       h.evidence ->> 'street' AS street, h.evidence ->> 'zip' AS zip, (h.evidence ->> 'name_weight')::numeric > 12 AS strong_name,
       (h.evidence ->> 'match_probability')::numeric > 0.99 AS likely
FROM outreach.persona_merge_history h WHERE h.team_id = 'res' ORDER BY 1;
SELECT h.evidence ->> 'first_name' AS first, (h.evidence ->> 'name_weight')::numeric
       > (SELECT (x.evidence ->> 'name_weight')::numeric FROM outreach.persona_merge_history x
          WHERE x.team_id = 'res' AND x.rule = 'phone') AS rare_name_weighs_more
FROM outreach.persona_merge_history h WHERE h.team_id = 'res' AND h.rule = 'name_address' AND h.evidence ->> 'first_name' = 'exact'
  AND h.evidence ->> 'names_swapped' = 'false';

-- Pairs left for an operator: name + ZIP only, a main line or a role mailbox shared by different
-- names, and a business name that is close but not the same.
SELECT r.entity, r.rule, r.confidence,
       (SELECT array_agg(s.row_number ORDER BY s.row_number) FROM outreach.source_records s
        WHERE s.team_id = r.team_id
          AND CASE r.entity WHEN 'persona' THEN s.persona_id IN (r.left_id, r.right_id)
                            ELSE s.business_id IN (r.left_id, r.right_id) END) AS rows
FROM outreach.match_reviews r WHERE r.team_id = 'res' ORDER BY 4;

-- Companies: the same name at the same place is one business; Joe's Pizza in New York and in
-- Chicago are two.
SELECT b.name, b.normalized_zip, array_agg(s.row_number ORDER BY s.row_number) AS rows
FROM outreach.businesses b
JOIN outreach.source_records s ON s.team_id = b.team_id AND s.business_id = b.business_id
WHERE b.team_id = 'res' AND b.is_active
GROUP BY b.business_id, 1, 2 ORDER BY min(s.row_number);

-- A merge moves phones and e-mails to the survivor: Robert Smith has both rows' contacts.
SELECT p.first_name, array_agg(DISTINCT ph.normalized_phone) AS phones, array_agg(DISTINCT em.normalized_email) AS emails
FROM outreach.personas p
LEFT JOIN outreach.persona_phones ph ON ph.team_id = p.team_id AND ph.persona_id = p.persona_id
LEFT JOIN outreach.persona_emails em ON em.team_id = p.team_id AND em.persona_id = p.persona_id
WHERE p.team_id = 'res' AND p.is_active AND p.last_name IN ('Smith', 'Carter')
GROUP BY p.persona_id, 1 ORDER BY 1;

-- Load 2 resolves against what the team has: Robert's new mobile comes with his e-mail, Tom Reed
-- is in again, and a new person shares nothing with anyone.
TRUNCATE leads_file;
COPY leads_file FROM STDIN WITH (FORMAT csv);
1,Smith and Sons Plumbing,Rob,Smith,(917) 555-0100,BOB@smithplumbing.example,123 Main St N,New York,NY,10001
2,Reed Law Office,Thomas,Reed,(512) 555-0130,,100 Congress Avenue,Austin,TX,78701
3,Quiet Books,Nora,Quinn,(802) 555-0170,nora@quietbooks.example,3 Church St,Burlington,VT,05401
\.
SELECT state, rows_read, rows_imported, personas_created, personas_merged, businesses_created, businesses_merged,
       leads_created, reviews_opened
FROM outreach.import_relation('res', 'leads_file', name => 'load 2');
SELECT s.row_number, p.first_name, p.last_name, h.rule AS merged_by, p.is_active AS is_survivor
FROM outreach.source_records s
JOIN outreach.data_sources d ON d.team_id = s.team_id AND d.data_source_id = s.data_source_id AND d.name = 'load 2'
JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
LEFT JOIN outreach.persona_merge_history h ON h.team_id = s.team_id AND h.merged_id = s.origin_persona_id
WHERE s.team_id = 'res' ORDER BY 1;

-- The invariants a SQL user may rely on: source records point at surviving entities and leads,
-- one active lead per (persona, business), and every merged row points at an active survivor.
SELECT count(*) FILTER (WHERE NOT p.is_active) AS records_on_merged_personas,
       count(*) FILTER (WHERE NOT b.is_active) AS records_on_merged_businesses,
       count(*) FILTER (WHERE NOT l.is_active OR l.persona_id <> s.persona_id
                        OR l.business_id IS DISTINCT FROM s.business_id) AS records_on_wrong_leads
FROM outreach.source_records s
JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
LEFT JOIN outreach.businesses b ON b.team_id = s.team_id AND b.business_id = s.business_id
JOIN outreach.leads l ON l.team_id = s.team_id AND l.lead_id = s.lead_id
WHERE s.team_id = 'res';
SELECT count(*) AS merged_without_active_survivor
FROM outreach.personas p JOIN outreach.personas c ON c.team_id = p.team_id AND c.persona_id = p.canonical_id
WHERE p.team_id = 'res' AND NOT c.is_active;
SELECT count(*) AS active_leads, count(DISTINCT (persona_id, business_id)) AS distinct_pairs
FROM outreach.leads WHERE team_id = 'res' AND is_active;

-- Nina and Omar Park share a home line: a review, not a merge. A row with only that number and
-- no name must not join them through itself, neither in the same file nor in a later one.
TRUNCATE leads_file;
COPY leads_file FROM STDIN WITH (FORMAT csv);
1,,Nina,Park,(503) 555-0190,,7 Birch St,Portland,OR,97205
2,,Omar,Park,(503) 555-0190,,7 Birch St,Portland,OR,97205
3,,,,(503) 555-0190,,,,,
\.
SELECT personas_merged, reviews_opened FROM outreach.import_relation('res', 'leads_file', name => 'load 3');
TRUNCATE leads_file;
COPY leads_file FROM STDIN WITH (FORMAT csv);
1,,,,503.555.0190,,,,,
\.
SELECT personas_merged FROM outreach.import_relation('res', 'leads_file', name => 'load 4');
SELECT count(DISTINCT p.canonical_id) AS parks_still_two
FROM outreach.personas p WHERE p.team_id = 'res' AND p.last_name = 'Park';

-- The weights behind the evidence are data a SQL user can read.
SELECT outreach.level_weight('phone', 'exact')::numeric(5, 1) AS phone_exact,
       outreach.level_weight('street', 'different')::numeric(5, 1) AS street_different,
       outreach.level_weight('first_name', 'close')::numeric(5, 1) AS first_name_close;
