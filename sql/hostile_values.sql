-- Hostile values (issue 11, findings 4 and 8): a megabyte in any field is refused by a length
-- check, so every normalizer answers at once (a 32 KB phone used to take 9 s, uncancellable);
-- a file whose header repeats a name keeps every column; an import whose session died is failed.
\set SHOW_CONTEXT never
INSERT INTO outreach.teams (team_id, name) VALUES ('hostile', 'Hostile values');
CREATE TEMP TABLE mb AS
SELECT repeat('2', 1048576) AS digits, repeat('(212) 555-0199 ', 69906) AS phones, repeat('John Smith ', 95326) AS names,
       repeat('中', 349525) AS cjk, repeat('a', 1048570) || '@x.com' AS email, repeat('123 Main St ', 87382) AS street;
SELECT length(digits), length(phones), length(names), octet_length(cjk), length(email), length(street) FROM mb;

-- Each normalizer with a 1 MB value: NULL (no phone, name, address ... is that long).
SELECT outreach.normalize_phone(digits) AS phone_digits, outreach.normalize_phone(phones) AS phone_repeated,
       outreach.normalize_phone(digits, 'GB') AS phone_gb
FROM mb;
SELECT outreach.normalize_name(names) AS name, outreach.normalize_name(cjk) AS name_cjk, outreach.name_key(names) AS key,
       outreach.name_key(cjk) AS key_cjk, outreach.normalize_business_name(names) AS business,
       outreach.normalize_email(email) AS email
FROM mb;
SELECT outreach.normalize_street(street) AS street, outreach.normalize_zip(digits) AS zip, outreach.normalize_state(names) AS state,
       outreach.parse_count(digits) AS count, outreach.parse_money(digits) AS money, outreach.header_key(names) AS header_key
FROM mb;
SELECT outreach.timezone_for(names, digits, phones) AS timezone, outreach.timezones_for(names, digits, phones) AS timezones FROM mb;
-- Similarity: a value with no key is like nothing, itself included; jaro_winkler reads 256 code points.
SELECT outreach.name_similarity(names, names) AS names, outreach.business_similarity(names, names) AS businesses,
       outreach.jaro_winkler(cjk, cjk || 'x') AS jaro_winkler
FROM mb;
-- A template longer than 64 KB is refused with the reason.
SELECT outreach.template_variables(repeat('Hi {{firstName}} ', 61681));

-- Surrounding whitespace is not part of a value: a padded cell still reads.
SELECT outreach.normalize_phone(repeat(' ', 1048576) || '(212) 555-0199') AS phone,
       outreach.normalize_name(repeat(' ', 1048576) || 'JOHN SMITH') AS name,
       outreach.normalize_email(repeat(' ', 1048576) || 'Bob@X.com') AS email;
-- ... and the caps sit just above real values: 64 bytes of phone, 256 of name.
SELECT outreach.normalize_phone('+1 (212) 555-0199 ext. 123456' || repeat('.', 35)) AS phone_64,
       outreach.normalize_phone('+1 (212) 555-0199 ext. 123456' || repeat('.', 36)) AS phone_65,
       length(outreach.name_key(repeat('a', 256))) AS key_256, outreach.name_key(repeat('a', 257)) AS key_257;

-- The SQL import path: a row whose phone is a megabyte imports without it, with a field warning;
-- a row whose every field is a megabyte has nothing left to identify anyone and is rejected.
CREATE TEMP TABLE hostile_file AS
SELECT convert_to('companyName,ownerFirstName,ownerLastName,phone,email,sicCode,naicsCode,employeeCount,annualRevenue,'
                  'street,city,state,zip' || chr(10) ||
                  'Acme,Ann,Lee,' || digits || ',ann@acme.example,,,,,,,,' || chr(10) ||
                  'Beta,Bo,Ray,(212) 555-0101,,,,,,,,,' || chr(10) ||
                  array_to_string(array_fill(left(names, 1000000), ARRAY[13]), ',') || chr(10), 'UTF8') AS data
FROM mb;
SELECT state, rows_read, rows_imported, rows_rejected, field_warnings
FROM outreach.import_csv('hostile', (SELECT data FROM hostile_file), name => 'megabyte fields');
SELECT e.row_number, e.field, e.severity, e.reason, length(e.value) AS value_length
FROM outreach.import_errors e JOIN outreach.data_sources d USING (team_id, data_source_id)
WHERE d.team_id = 'hostile' AND d.name = 'megabyte fields' ORDER BY e.row_number, e.severity, e.field;
SELECT s.row_number, length(s.raw ->> 'phone') AS raw_phone_length, p.normalized_phone
FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
WHERE d.team_id = 'hostile' AND d.name = 'megabyte fields' ORDER BY s.row_number;

-- Finding 8a: repeated header names. Every column gets a name of its own, and a generated name
-- never takes one the file uses.
SELECT outreach.unique_headers(ARRAY['phone', 'phone', 'phone#2']);
SELECT outreach.unique_headers(ARRAY['a', 'a', 'a']);  -- as before 0.5.0
SELECT outreach.unique_headers(ARRAY[' Name ', '', NULL, 'column_2', 'phone#2', 'phone', 'phone']);
-- A file with phone,phone,phone#2 keeps all three columns in raw; the first phone is the phone.
SELECT state, rows_imported, field_warnings
FROM outreach.import_csv('hostile', convert_to('companyName,phone,phone,phone#2' || chr(10) ||
                                               'Gamma,(212) 555-0102,(212) 555-0103,(212) 555-0104' || chr(10), 'UTF8'),
                         name => 'repeated headers');
SELECT d.headers, d.field_columns, s.raw, p.normalized_phone
FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
WHERE d.team_id = 'hostile' AND d.name = 'repeated headers';
-- import_relation: column names are unique already, but trimming could make two equal.
CREATE TEMP TABLE spaced (" phone" text, "phone" text, "companyName" text);
INSERT INTO spaced VALUES ('(212) 555-0105', '(212) 555-0106', 'Delta');
SELECT state, rows_imported FROM outreach.import_relation('hostile', 'spaced', name => 'spaced headers');
SELECT d.headers, s.raw FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
WHERE d.team_id = 'hostile' AND d.name = 'spaced headers';

-- Finding 8b: a job records the session that runs it ...
SELECT outreach.begin_import('hostile', 'live job') AS live_id \gset
SELECT import_pid = pg_backend_pid() AS this_session,
       import_backend_start = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS same_start
FROM outreach.data_sources WHERE team_id = 'hostile' AND data_source_id = :live_id;
-- ... is left alone while that session lives ...
SELECT outreach.reap_abandoned_imports('hostile') AS reaped;
-- ... and is failed, with the reason, once it is gone (here: a session that started at another
-- time under the same pid, i.e. the pid was reused).
UPDATE outreach.data_sources SET import_backend_start = '2000-01-01 00:00:00+00'
WHERE team_id = 'hostile' AND data_source_id = :live_id;
SELECT outreach.reap_abandoned_imports('hostile') AS reaped;
SELECT state, regexp_replace(error, 'pid \d+', 'pid N') AS error, finished_at IS NOT NULL AS finished
FROM outreach.data_sources WHERE team_id = 'hostile' AND data_source_id = :live_id;
-- A job from before 0.5.0 (no session recorded) is not guessed about.
INSERT INTO outreach.data_sources (team_id, name) VALUES ('hostile', 'legacy job');
SELECT outreach.reap_abandoned_imports('hostile') AS reaped;
-- begin_import reaps before it creates.
UPDATE outreach.data_sources SET import_pid = pg_backend_pid(), import_backend_start = '2000-01-01 00:00:00+00'
WHERE team_id = 'hostile' AND name = 'legacy job';
SELECT outreach.begin_import('hostile', 'next job') IS NOT NULL AS created;
SELECT name, state FROM outreach.data_sources WHERE team_id = 'hostile' AND name IN ('legacy job', 'next job') ORDER BY name;
SELECT outreach.reap_abandoned_imports('nobody');
