-- Normalization functions: what a SQL user calls on raw lead data. Each turns
-- one messy field into the canonical form the rest of the journey matches on, or NULL when the
-- value is unusable. All are IMMUTABLE, STRICT (NULL in, NULL out) and PARALLEL SAFE, so they
-- can back indexes and generated columns.
\set VERBOSITY terse

SELECT p.proname, p.provolatile = 'i' AS immutable, p.proisstrict AS strict, p.proparallel = 's' AS parallel_safe,
       pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL AS documented
FROM pg_catalog.pg_proc p
WHERE p.pronamespace = 'outreach'::regnamespace
  AND p.proname IN ('normalize_phone', 'normalize_email', 'normalize_name', 'name_key', 'normalize_business_name',
                    'normalize_street', 'normalize_zip', 'normalize_state', 'timezone_for', 'timezones_for',
                    'jaro_winkler', 'name_similarity', 'business_similarity')
ORDER BY 1;

-- Phones: E.164 when libphonenumber judges the number valid, else NULL. Default region US.
SELECT outreach.normalize_phone('(212) 555-0199');
SELECT raw, outreach.normalize_phone(raw) AS e164
FROM (VALUES ('212-555-0199'), ('1 (212) 555-0199'), ('+1 212.555.0199'), ('212-555-0199 ext. 12'),
             ('1-800-FLOWERS'), ('+44 20 7946 0958'), ('011 52 55 1234 5678'), ('555-0199'),
             ('(112) 555-0199'), ('2.125550199E+09'), ('N/A'), ('')) AS t (raw);
-- Another default region reads national numbers differently; international input keeps its country.
SELECT outreach.normalize_phone('020 7946 0958', 'GB') AS uk_national,
       outreach.normalize_phone('020 7946 0958') AS same_digits_in_us,
       outreach.normalize_phone('+1 415 555 0100', 'de') AS plus_one_anywhere;
-- An unknown region is a caller's mistake, and the error says which.
SELECT outreach.normalize_phone('212-555-0199', 'XX');
SELECT outreach.normalize_phone(NULL) IS NULL AS strict;

-- E-mail: trimmed, lower-cased, syntactically valid; display names and brackets removed.
SELECT raw, outreach.normalize_email(raw) AS email
FROM (VALUES (' Bob.Smith@Example.COM '), ('<bob@example.com>'), ('Bob Smith <bob@example.com>'),
             ('mailto:Sales@Acme.io'), ('bob@@example.com'), ('bob@example'), ('n/a'), ('bob smith@example.com')) AS t (raw);

-- People: a display form and a matching key.
SELECT raw, outreach.normalize_name(raw) AS display, outreach.name_key(raw) AS key
FROM (VALUES ('  ROBERT   SMITH '), ('o''brien'), ('MCDONALD'), ('anne-marie'), ('VAN DER BERG'),
             ('JOSÉ NÚÑEZ'), ('Müller'), ('Straße'), ('john smith jr'), ('N/A')) AS t (raw);

-- Businesses: a matching key without legal suffixes, '&' spelled out.
SELECT raw, outreach.normalize_business_name(raw) AS key
FROM (VALUES ('Smith & Sons Plumbing, LLC'), ('SMITH AND SONS PLUMBING INC'), ('Acme Co., Inc.'),
             ('The Café Lumière L.L.C.'), ('O''Brien Roofing Co.'), ('Big Apple Deli Corp'), ('LLC')) AS t (raw);

-- Streets after USPS Publication 28: two spellings of one address compare equal.
SELECT outreach.normalize_street('123 North Main St., Apt 4') = outreach.normalize_street('123 N MAIN STREET APT 4') AS same,
       outreach.normalize_street('123 North Main St., Apt 4') AS canonical;
SELECT raw, outreach.normalize_street(raw) AS street
FROM (VALUES ('45 Fifth Avenue Suite 200'), ('900 SW 8th Street'), ('77 Southeast Division St'),
             ('2200 Main Street #300'), ('P.O. Box 1234'), ('500 Main St Northwest'), ('1 Court St'),
             ('350 5th Ave, Fl 12'), ('  ')) AS t (raw);

-- ZIPs: five digits, leading zeros restored, +4 dropped.
SELECT raw, outreach.normalize_zip(raw) AS zip
FROM (VALUES ('02134'), ('2134'), ('02134-1234'), ('021341234'), ('2134.0'), (' 10001 '), ('00000'), ('ABCDE'), ('12')) AS t (raw);

-- States: USPS codes from codes, names and common abbreviations.
SELECT raw, outreach.normalize_state(raw) AS state
FROM (VALUES ('ny'), ('New York'), ('N.Y.'), ('Calif.'), ('District of Columbia'), ('puerto rico'), ('Washington'),
             ('Mass.'), ('Narnia'), ('')) AS t (raw);

-- Set-based over a table: one statement normalizes every row.
CREATE TEMP TABLE raw_leads (phone text, email text, zip text);
INSERT INTO raw_leads VALUES ('(212) 555-0199', 'A@B.CO', '2134'), ('bad', 'bad', 'bad'), (NULL, NULL, NULL);
SELECT outreach.normalize_phone(phone), outreach.normalize_email(email), outreach.normalize_zip(zip) FROM raw_leads;
