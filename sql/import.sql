-- Importing CSV files from SQL: column mapping, rejected rows, field-level warnings, and the
-- rule that every row read is either imported or rejected.
\set SHOW_CONTEXT never
INSERT INTO outreach.teams (team_id, name) VALUES ('imp-a', 'Import team A'), ('imp-b', 'Import team B');
-- Errors that name an id (which depends on what ran before) are shown with the number masked.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN regexp_replace(SQLERRM, '\m\d+\M', 'N', 'g');
END
$$;

-- Every team starts with the usdatabiz preset, as a row it can edit.
SELECT team_id, name, jsonb_path_query_array(mapping, '$.keyvalue().key') AS fields
FROM outreach.import_lead_presets WHERE team_id = 'imp-a';

-- Headers match case-, space- and underscore-insensitively; the first alternative found wins.
SELECT outreach.header_key(h) FROM unnest(ARRAY['Company Name', 'company_name', 'companyName', ' COMPANY-NAME ']) AS h;
SELECT key, value AS column_number
FROM jsonb_each(outreach.import_field_columns('imp-a', 'usdatabiz', '{}',
     ARRAY['Company Name', 'OWNER_FIRST_NAME', 'owner last name', 'Telephone', 'E-Mail Address', 'Notes', 'ZIP Code']))
ORDER BY value::int;
-- a column map overrides the preset for one run
SELECT key, value AS column_number
FROM jsonb_each(outreach.import_field_columns('imp-a', 'usdatabiz', '{"phone": "Mobile"}',
     ARRAY['company', 'phone', 'Mobile']))
ORDER BY value::int;

-- Mapping problems are errors that name the field, the header and the columns there are.
\set VERBOSITY default
SELECT outreach.import_field_columns('imp-a', 'usdatabiz', '{"fax": "Fax"}', ARRAY['company']);
SELECT outreach.import_field_columns('imp-a', 'usdatabiz', '{"phone": "Mobile"}', ARRAY['company', 'phone']);
SELECT outreach.import_field_columns('imp-a', 'usdatabiz', '{}', ARRAY['Notes', 'Fax']);
SELECT outreach.import_field_columns('imp-a', 'nosuch', '{}', ARRAY['company']);
\set VERBOSITY terse

-- Values as lead vendors write them.
SELECT v, outreach.parse_count(v) FROM unnest(ARRAY['12', '1,250', '5-9', '5 to 9', '10+', '12.0', 'twelve', '', '1.5']) AS v;
SELECT v, outreach.parse_money(v)
FROM unnest(ARRAY['$1,250,000', '1250000.00', '2.5M', '$500K', '1.2 million', '3B', 'USD 900', 'n/a', '$', '1,25']) AS v;

-- The parser: a header, then data rows counted from 1. Problems name the row, line and field.
SELECT row_number, line_number, fields, problem
FROM outreach.parse_csv(convert_to(E'\uFEFFname,phone\r\nAnn,"555\n0100"\r\n"Bob ""B"" Jones",\r\nCy\r\n', 'UTF8'));
SELECT row_number, line_number, fields, problem
FROM outreach.parse_csv(convert_to('a,b' || chr(10) || '1,"x"y' || chr(10) || '2,"open', 'UTF8'));
SELECT row_number, problem FROM outreach.parse_csv('\x612c620a312c32ff0a'::bytea);

-- A deliberately broken file: invalid UTF-8 (a Windows-1252 e acute), a row with too few and one
-- with too many fields, a row with nobody in it, bad values in good rows, an unmapped Notes column
-- and an unterminated quote at the end.
CREATE TEMP TABLE broken_file AS
SELECT convert_to(
    'Company Name,Owner First Name,Owner Last Name,Phone,Email,SIC Code,NAICS Code,Employee Count,Annual Revenue,Street,City,State,Zip,Notes' || chr(10) ||
    'Blue Door Bakery,Maria,Lopez,(512) 555-0101,maria@bluedoor.example,5461,311811,8,"$640,000",12 Congress Ave,Austin,TX,78701,called twice' || chr(10), 'UTF8')
 || '\x43616ff96520526f6d61204c4c432c4a6f73e92c52756979732c2835313229203535352d303130322c2c2c2c2c2c2c2c2c2c0a'::bytea  -- Cafe Roma LLC in cp1252
 || convert_to(
    'Short Row Inc,Al,Short' || chr(10) ||
    'Long Row Inc,Bea,Long,(512) 555-0103,,,,,,,,,,,extra' || chr(10) ||
    ',,,,,,,,,,,,,only notes here' || chr(10) ||
    'Hill Country HVAC,Dan,Ng,555-0104,dan at hillhvac,17A1,2382,lots,about a million,400 W 2nd St,Austin,Texas,787O1,' || chr(10) ||
    'Lake Travis Marine,,,(512) 555-0105,,,,,,,,,,' || chr(10) ||
    '"Unclosed Quote Co,Eve,Open', 'UTF8') AS data;

SELECT data_source_id > 0 AS has_id, state, rows_read, rows_imported, rows_rejected, field_warnings,
       personas_created, businesses_created, leads_created
FROM outreach.import_csv('imp-a', (SELECT data FROM broken_file), name => 'broken.csv');

-- Rejected rows and field-level warnings, each naming its row (and line), field and value.
SELECT e.row_number, e.line_number, e.severity, e.field, e.reason, e.value
FROM outreach.import_errors e JOIN outreach.data_sources d USING (team_id, data_source_id)
WHERE e.team_id = 'imp-a' AND d.name = 'broken.csv'
ORDER BY e.row_number, e.severity, e.field;

-- Rows read = imported + rejected, and every row number from 1 to rows read is accounted for once.
SELECT d.rows_read = d.rows_imported + d.rows_rejected AS balanced,
       (SELECT count(*) FROM outreach.source_records s WHERE s.team_id = d.team_id AND s.data_source_id = d.data_source_id) AS source_records,
       (SELECT count(DISTINCT e.row_number) FROM outreach.import_errors e
        WHERE e.team_id = d.team_id AND e.data_source_id = d.data_source_id AND e.severity = 'rejected') AS rejected_rows,
       (SELECT array_agg(n ORDER BY n) FROM generate_series(1, d.rows_read) AS n
        WHERE NOT EXISTS (SELECT 1 FROM outreach.source_records s WHERE s.team_id = d.team_id AND s.data_source_id = d.data_source_id AND s.row_number = n)
          AND NOT EXISTS (SELECT 1 FROM outreach.import_errors e WHERE e.team_id = d.team_id AND e.data_source_id = d.data_source_id
                                                                   AND e.severity = 'rejected' AND e.row_number = n)) AS unaccounted
FROM outreach.data_sources d WHERE d.team_id = 'imp-a' AND d.name = 'broken.csv';

-- What the good rows became; the bad values are left out, the unmapped Notes column is kept raw.
SELECT s.row_number, p.first_name, p.last_name, p.normalized_phone, p.normalized_email, b.name AS business,
       b.employee_count, b.annual_revenue, b.sic_code, b.normalized_zip, b.normalized_state, b.timezone, s.raw ->> 'Notes' AS notes
FROM outreach.source_records s
JOIN outreach.data_sources d ON d.team_id = s.team_id AND d.data_source_id = s.data_source_id AND d.name = 'broken.csv'
LEFT JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
LEFT JOIN outreach.businesses b ON b.team_id = s.team_id AND b.business_id = s.business_id
WHERE s.team_id = 'imp-a'
ORDER BY s.row_number;
SELECT raw FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
WHERE s.team_id = 'imp-a' AND d.name = 'broken.csv' AND s.row_number = 1;

-- The ETL path: COPY into a table of the file's columns, then one call. Same file, same result.
CREATE TEMP TABLE raw_leads ("Company Name" text, "Owner First Name" text, "Owner Last Name" text, "Phone" text, "Email" text,
    "SIC Code" text, "NAICS Code" text, "Employee Count" text, "Annual Revenue" text, "Street" text, "City" text, "State" text,
    "Zip" text, "Notes" text);
COPY raw_leads FROM STDIN WITH (FORMAT csv);
Blue Door Bakery,Maria,Lopez,(512) 555-0101,maria@bluedoor.example,5461,311811,8,"$640,000",12 Congress Ave,Austin,TX,78701,called twice
Hill Country HVAC,Dan,Ng,555-0104,dan at hillhvac,17A1,2382,lots,about a million,400 W 2nd St,Austin,Texas,787O1,
Lake Travis Marine,,,(512) 555-0105,,,,,,,,,,
\.
SELECT state, rows_read, rows_imported, rows_rejected, field_warnings, personas_created, businesses_created, leads_created
FROM outreach.import_relation('imp-b', 'raw_leads');
-- the two paths agree on what each row became
SELECT p.first_name, p.last_name, p.normalized_phone, b.name, b.employee_count, count(*) AS teams
FROM outreach.source_records s
JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
LEFT JOIN outreach.businesses b ON b.team_id = s.team_id AND b.business_id = s.business_id
WHERE s.team_id IN ('imp-a', 'imp-b') AND b.name IN ('Blue Door Bakery', 'Hill Country HVAC', 'Lake Travis Marine')
GROUP BY 1, 2, 3, 4, 5 ORDER BY 4;
SELECT field, value, count(DISTINCT team_id) AS teams FROM outreach.import_errors
WHERE team_id IN ('imp-a', 'imp-b') AND severity = 'warning'
GROUP BY 1, 2 ORDER BY 1;

-- A person list in another vendor's layout (record-linkage style): given name, surname, the
-- street split into number, line and unit, suburb and postcode. The preset's alternatives map it,
-- and the street parts are read as one line.
SELECT rows_imported, personas_created, businesses_created, reviews_opened
FROM outreach.import_csv('imp-b', convert_to(
    'rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,phone_number' || chr(10) ||
    'rec-1-org,Ellie,Marsh,42,North Main Street,Apt 3,Springfield,62701,IL,217-555-0142' || chr(10) ||
    'rec-1-dup-0,Elly,Marsh,42,N Main St,Apt. 3,Springfield,62701,IL,', 'UTF8'), name => 'people.csv');
SELECT p.first_name, p.last_name, a.street, a.normalized_street, a.city, s.raw ->> 'rec_id' AS rec_id
FROM outreach.source_records s
JOIN outreach.data_sources d ON d.team_id = s.team_id AND d.data_source_id = s.data_source_id AND d.name = 'people.csv'
JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
JOIN outreach.addresses a ON a.team_id = s.team_id AND a.origin_persona_id = s.origin_persona_id
WHERE s.team_id = 'imp-b' ORDER BY s.row_number;
-- Elly and Ellie at one address are alike but not close enough to merge unseen: a review
SELECT rule, confidence, evidence ->> 'first_name' AS first, evidence ->> 'street' AS street, evidence ->> 'zip' AS zip
FROM outreach.match_reviews WHERE team_id = 'imp-b';

-- Files that cannot be imported at all say why, and leave a failed job or nothing behind.
\set VERBOSITY default
SELECT * FROM outreach.import_csv('imp-a', ''::bytea);
SELECT * FROM outreach.import_csv('imp-a', convert_to('Notes,Fax' || chr(10) || 'x,y', 'UTF8'));
SELECT * FROM outreach.import_csv('nobody', convert_to('phone' || chr(10) || '5125550100', 'UTF8'));
\set VERBOSITY terse

-- A job moves only forward: created -> loading -> resolving -> completed (or failed).
SELECT pg_temp.error_of($$UPDATE outreach.data_sources SET state = 'loading' WHERE team_id = 'imp-a' AND name = 'broken.csv'$$);
SELECT pg_temp.error_of($$SELECT outreach.import_staged('imp-a', (SELECT data_source_id FROM outreach.data_sources WHERE team_id = 'imp-a' AND name = 'broken.csv'), 'raw_leads')$$);

-- Row-level security: working as team B shows only team B's import.
CREATE ROLE import_reader LOGIN;
GRANT outreach_operator TO import_reader;
SET ROLE import_reader;
SET outreach.team_id = 'imp-b';
SELECT team_id, count(*) FROM outreach.source_records GROUP BY 1;
SELECT team_id, count(*) FROM outreach.data_sources GROUP BY 1;
RESET outreach.team_id;
SELECT count(*) AS visible_without_a_team FROM outreach.personas;
RESET ROLE;
DROP ROLE import_reader;
