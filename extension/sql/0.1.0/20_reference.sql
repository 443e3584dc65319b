-- Reference data shipped with the extension (extension/data/, sources and licences in its
-- README.md and LICENSES/). The same bytes are compiled into the library for the IMMUTABLE
-- time-zone functions; here they become tables for joins, radius queries and inspection.
-- These four tables are shared by all teams (they hold no tenant data): the tenancy check
-- (outreach.tenancy_violations) knows them by name, requires them to be read-only to the
-- extension's roles, and holds every other table to the team_id rules.

CREATE FUNCTION outreach.reference_data_csv(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_reference_csv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.reference_data_csv(text) IS
    'The shipped reference CSV file of that name (us_zip, us_zip_tz_alternates, nanp_area_codes, nanp_area_code_tz_alternates), byte for byte.';

CREATE TABLE outreach.zip_codes (
    zip      text PRIMARY KEY CHECK (zip ~ '^[0-9]{5}$'),
    state    text NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    lat      double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng      double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    timezone text NOT NULL
);
COMMENT ON TABLE outreach.zip_codes IS
    'US ZIP Code Tabulation Areas (Census 2025 Gazetteer, public domain) with state and primary IANA zone from us_geo '
    '(c) 2019 Brian Durand, MIT licence, https://github.com/bdurand/us_geo. PO-box-only ZIPs have no ZCTA and are absent.';
COMMENT ON COLUMN outreach.zip_codes.lat IS 'Latitude of the Census internal point of the ZCTA (not a population centroid).';
COMMENT ON COLUMN outreach.zip_codes.timezone IS 'Zone of the ZCTA''s primary county; other zones inside it are in zip_timezone_alternates.';

CREATE TABLE outreach.zip_timezone_alternates (
    zip      text NOT NULL REFERENCES outreach.zip_codes (zip),
    timezone text NOT NULL,
    PRIMARY KEY (zip, timezone)
);
COMMENT ON TABLE outreach.zip_timezone_alternates IS
    'Other IANA zones that occur inside a ZIP besides its primary one; quiet hours must hold in all of them. Same sources as zip_codes.';

CREATE TABLE outreach.area_codes (
    npa      text PRIMARY KEY CHECK (npa ~ '^[2-9][0-9]{2}$'),
    region   text NOT NULL,
    timezone text NOT NULL
);
COMMENT ON TABLE outreach.area_codes IS
    'NANP geographic area codes of the US, its territories and Canada with region and primary zone. Contains data derived from '
    'libphonenumber, Copyright (C) 2011-2012 The Libphonenumber Authors, Apache License 2.0; reduced to one row per area code.';

CREATE TABLE outreach.area_code_timezone_alternates (
    npa      text NOT NULL REFERENCES outreach.area_codes (npa),
    timezone text NOT NULL,
    PRIMARY KEY (npa, timezone)
);
COMMENT ON TABLE outreach.area_code_timezone_alternates IS
    'Other IANA zones in use inside an area code besides its primary one. Derived from libphonenumber (Apache License 2.0).';

-- Load from the embedded CSV text: one statement per file, set-based.
INSERT INTO outreach.zip_codes (zip, state, lat, lng, timezone)
SELECT pg_catalog.split_part(line, ',', 1), pg_catalog.split_part(line, ',', 2),
       pg_catalog.split_part(line, ',', 3)::double precision, pg_catalog.split_part(line, ',', 4)::double precision,
       pg_catalog.split_part(line, ',', 5)
FROM pg_catalog.string_to_table(outreach.reference_data_csv('us_zip'), E'\n') WITH ORDINALITY AS l (line, n)
WHERE n > 1 AND line <> '';

INSERT INTO outreach.zip_timezone_alternates (zip, timezone)
SELECT pg_catalog.split_part(line, ',', 1), pg_catalog.split_part(line, ',', 2)
FROM pg_catalog.string_to_table(outreach.reference_data_csv('us_zip_tz_alternates'), E'\n') WITH ORDINALITY AS l (line, n)
WHERE n > 1 AND line <> '';

INSERT INTO outreach.area_codes (npa, region, timezone)
SELECT pg_catalog.split_part(line, ',', 1), pg_catalog.split_part(line, ',', 2), pg_catalog.split_part(line, ',', 3)
FROM pg_catalog.string_to_table(outreach.reference_data_csv('nanp_area_codes'), E'\n') WITH ORDINALITY AS l (line, n)
WHERE n > 1 AND line <> '';

INSERT INTO outreach.area_code_timezone_alternates (npa, timezone)
SELECT pg_catalog.split_part(line, ',', 1), pg_catalog.split_part(line, ',', 2)
FROM pg_catalog.string_to_table(outreach.reference_data_csv('nanp_area_code_tz_alternates'), E'\n') WITH ORDINALITY AS l (line, n)
WHERE n > 1 AND line <> '';

-- Read-only to everyone but the owner, readable by all (no tenant data): RLS is on, with a
-- permissive read policy, so that the rule "row-level security on every table" has no exception.
DO $ref$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['zip_codes', 'zip_timezone_alternates', 'area_codes', 'area_code_timezone_alternates'] LOOP
        EXECUTE pg_catalog.format('ALTER TABLE outreach.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('CREATE POLICY reference_read ON outreach.%I FOR SELECT USING (true)', t);
        EXECUTE pg_catalog.format('GRANT SELECT ON outreach.%I TO PUBLIC', t);
    END LOOP;
END
$ref$;
