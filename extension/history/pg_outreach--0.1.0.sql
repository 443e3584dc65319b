-- pg_outreach install script. Built by the Makefile from extension/sql/[0-9]*.sql in name order.
\echo Use "CREATE EXTENSION pg_outreach" to load this file. \quit

-- Roles (design.md §2). Roles are cluster-wide and outlive the extension, so they are created
-- only when missing. outreach_operator reads and performs operator actions; outreach_admin also
-- manages teams and configuration. Neither bypasses row-level security.
-- What we take over must be what we expect: a UTF-8 database (lead data is Unicode, and every
-- normalizer speaks UTF-8), a schema owned by the installing role (a schema created beforehand by
-- someone else could hold look-alike functions), and roles that cannot bypass row-level security.
DO $preflight$
DECLARE
    r record;
BEGIN
    IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
        RAISE EXCEPTION 'pg_outreach requires a UTF8 database; database "%" uses %',
            pg_catalog.current_database(), pg_catalog.getdatabaseencoding()
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Create the database with ENCODING ''UTF8''.';
    END IF;
    IF (SELECT n.nspowner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
        FROM pg_catalog.pg_namespace n WHERE n.nspname = 'outreach') THEN
        RAISE EXCEPTION 'schema "outreach" already exists and is owned by another role'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Drop it, or install pg_outreach as its owner.';
    END IF;
    FOR r IN SELECT rolname FROM pg_catalog.pg_roles
             WHERE rolname IN ('outreach_operator', 'outreach_admin') AND (rolsuper OR rolbypassrls) LOOP
        RAISE EXCEPTION 'role "%" already exists and bypasses row-level security', r.rolname
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'ALTER ROLE ' || r.rolname || ' NOSUPERUSER NOBYPASSRLS, then install again.';
    END LOOP;
END
$preflight$;

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'outreach_operator') THEN
        CREATE ROLE outreach_operator NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'outreach_admin') THEN
        CREATE ROLE outreach_admin NOLOGIN;
    END IF;
END
$roles$;
GRANT outreach_operator TO outreach_admin;

GRANT USAGE ON SCHEMA outreach TO outreach_operator, outreach_admin;
COMMENT ON SCHEMA outreach IS
    'pg_outreach: SMS lead outreach. Every tenant table is keyed by team_id; SET outreach.team_id to work as a team.';

CREATE FUNCTION outreach.library_version() RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_library_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.library_version() IS
    'Version of the loaded pg_outreach shared library; equals the installed extension version when both are current.';
-- Normalization, similarity and time-zone functions (design.md §4, pinned names). All are pure
-- C++ in extension/core/, reached through the error boundary in extension/pg/.

CREATE FUNCTION outreach.normalize_phone(raw text, region text DEFAULT 'US') RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_phone'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_phone(text, text) IS
    'E.164 form of a phone number (+12125550199), or NULL when libphonenumber does not judge it a valid number. '
    'region (ISO 3166-1 alpha-2, default US) is how numbers without a country code are read; '
    'international input such as +44 20 7946 0958 keeps its country. An unknown region is an error.';

CREATE FUNCTION outreach.normalize_email(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_email'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_email(text) IS
    'Trimmed, lower-cased, syntactically valid e-mail address (display names, mailto: and brackets removed), or NULL.';

CREATE FUNCTION outreach.normalize_name(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_name(text) IS
    'Display form of a person''s name: trimmed, spaces collapsed, Title Case that keeps O''Brien, McDonald, Anne-Marie and van der Berg readable; NULL when nothing name-like is left.';

CREATE FUNCTION outreach.name_key(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_name_key'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.name_key(text) IS
    'Matching key of a name: lower case, accents folded (José -> jose), punctuation dropped, whitespace collapsed; NULL when empty.';

CREATE FUNCTION outreach.normalize_business_name(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_business_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_business_name(text) IS
    'Matching key of a business name: lower case, accents folded, & -> and, legal suffixes (LLC, Inc, Corp, Co, Ltd, LP, LLP, PLLC, PC, PA, ...) removed, punctuation dropped.';

CREATE FUNCTION outreach.normalize_street(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_street'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_street(text) IS
    'Canonical street line after USPS Publication 28 (suffixes, directionals, unit designators, ordinals), '
    'so that ''123 North Main St., Apt 4'' and ''123 N MAIN STREET APT 4'' compare equal.';

CREATE FUNCTION outreach.normalize_zip(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_zip'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_zip(text) IS
    'Five-digit ZIP code: restores leading zeros lost by spreadsheets, drops the +4; NULL when not a ZIP.';

CREATE FUNCTION outreach.normalize_state(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_state'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_state(text) IS
    'USPS two-letter code of a state, DC, territory or military region, from a code or a name; NULL when unknown.';

-- The time-zone functions accept NULL for any piece of evidence they do not have (a lead with a
-- state but no ZIP still has a zone), so they are not STRICT: NULL in, evidence skipped.
CREATE FUNCTION outreach.timezone_for(state text, zip text, phone text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_timezone_for'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.timezone_for(text, text, text) IS
    'IANA time zone of a lead from the best evidence: ZIP (or, for a ZIP with no ZCTA, its three-digit prefix), '
    'then state, then the phone''s NANP area code; NULL when nothing is known. Any argument may be NULL.';

CREATE FUNCTION outreach.timezones_for(state text, zip text, phone text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'outreach_timezones_for'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.timezones_for(text, text, text) IS
    'Every IANA zone the lead may be in, primary first: the primary zone of the best evidence and each alternate '
    '(a ZIP or area code split by a zone line, every zone of a state). Quiet hours must hold in all of them. '
    'Empty when nothing is known.';

CREATE FUNCTION outreach.jaro_winkler(a text, b text) RETURNS double precision
    AS 'MODULE_PATHNAME', 'outreach_jaro_winkler'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.jaro_winkler(text, text) IS
    'Jaro-Winkler similarity in [0,1] over Unicode code points (prefix scale 0.1, prefix up to 4). Case-sensitive: fold first.';

CREATE FUNCTION outreach.name_similarity(a text, b text) RETURNS double precision
    AS 'MODULE_PATHNAME', 'outreach_name_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.name_similarity(text, text) IS
    'Similarity in [0,1] of two person names after name_key: nicknames (Bob/Robert, Peggy/Margaret) count as close, '
    'token order and missing middle names are forgiven, typos lower the score gradually.';

CREATE FUNCTION outreach.business_similarity(a text, b text) RETURNS double precision
    AS 'MODULE_PATHNAME', 'outreach_business_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.business_similarity(text, text) IS
    'Similarity in [0,1] of two business names after normalize_business_name: distinctive words weigh more than generic ones.';
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
-- Tenancy (design.md §2): teams, the row-level security pattern every tenant table follows,
-- and the catalog check that holds every table of the schema to it.

CREATE TABLE outreach.teams (
    team_id    text PRIMARY KEY CHECK (team_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$'),
    name       text NOT NULL CHECK (pg_catalog.btrim(name) <> ''),
    settings   jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (pg_catalog.jsonb_typeof(settings) = 'object'),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE outreach.teams IS
    'Tenants. team_id leads the key of every table and is the distribution column when a deployment is sharded by team (Citus).';
COMMENT ON COLUMN outreach.teams.team_id IS 'Stable tenant key: 1-63 characters of letters, digits and _ . : -, starting with a letter or digit.';
COMMENT ON COLUMN outreach.teams.settings IS 'Per-team configuration (a JSON object); later features document their keys.';

ALTER TABLE outreach.teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_isolation ON outreach.teams
    USING (team_id = pg_catalog.current_setting('outreach.team_id', true))
    WITH CHECK (team_id = pg_catalog.current_setting('outreach.team_id', true));
-- Tenant data survives pg_dump/pg_restore: extension tables are not dumped unless registered.
SELECT pg_catalog.pg_extension_config_dump('outreach.teams', '');
GRANT SELECT ON outreach.teams TO outreach_operator;
GRANT SELECT, INSERT, UPDATE, DELETE ON outreach.teams TO outreach_admin;

CREATE FUNCTION outreach.current_team_id() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN NULLIF(pg_catalog.current_setting('outreach.team_id', true), '');
COMMENT ON FUNCTION outreach.current_team_id() IS
    'The team this session works as (SET outreach.team_id = ''...''), or NULL when none is set.';

-- The shared reference tables (no tenant data, read-only): the only tables without team_id.
CREATE FUNCTION outreach.shared_reference_tables() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['area_code_timezone_alternates', 'area_codes', 'zip_codes', 'zip_timezone_alternates'];
COMMENT ON FUNCTION outreach.shared_reference_tables() IS
    'Names of the outreach tables shared by all teams (reference data). Every other table is a tenant table.';

-- Every way a relation of the schema breaks the tenancy rules, one row per problem.
CREATE FUNCTION outreach.tenancy_violations()
    RETURNS TABLE (table_name text, problem text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $check$
    WITH RECURSIVE tables AS (
        -- the schema's tables, and every partition or child of one wherever it lives
        SELECT c.oid, c.relname::text = ANY (outreach.shared_reference_tables()) AS shared
        FROM pg_class c
        WHERE c.relnamespace = 'outreach'::regnamespace AND c.relkind IN ('r', 'p')
        UNION
        SELECT i.inhrelid, t.shared
        FROM pg_inherits i JOIN tables t ON i.inhparent = t.oid
    ),
    info AS (
        SELECT t.oid, t.shared, c.relrowsecurity,
               CASE WHEN c.relnamespace = 'outreach'::regnamespace THEN c.relname::text
                    ELSE c.oid::regclass::text END AS name,
               EXISTS (SELECT 1 FROM pg_depend d
                       WHERE d.classid = 'pg_class'::regclass AND d.objid = t.oid AND d.deptype = 'e'
                         AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_outreach')) AS member,
               t.oid = ANY (COALESCE((SELECT extconfig FROM pg_extension WHERE extname = 'pg_outreach'), '{}')) AS dumped
        FROM tables t JOIN pg_class c ON c.oid = t.oid
    ),
    team_col AS (
        SELECT a.attrelid, a.attnum, a.atttypid, a.attnotnull
        FROM pg_attribute a
        WHERE a.attname = 'team_id' AND NOT a.attisdropped
    ),
    -- keys: primary key, unique and exclusion constraints, unique indexes, and both ends of
    -- foreign keys
    keys AS (
        SELECT con.conrelid AS rel, con.contype::text AS kind, con.conname::text AS name, con.conkey[1] AS first_col,
               con.confrelid AS ref_rel, con.confkey[1] AS ref_first_col
        FROM pg_constraint con
        WHERE con.contype IN ('p', 'u', 'f', 'x')
        UNION ALL
        SELECT i.indrelid, 'i', i.indexrelid::regclass::text, i.indkey[0], 0, 0
        FROM pg_index i
        WHERE i.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
    ),
    -- each policy's expressions as text, to see that it isolates by team
    policies AS (
        SELECT pol.polrelid, pol.polname::text AS name, pol.polpermissive,
               pg_get_expr(pol.polqual, pol.polrelid) AS qual, pg_get_expr(pol.polwithcheck, pol.polrelid) AS withcheck
        FROM pg_policy pol
    )
    SELECT t.name, p.problem
    FROM info t
    CROSS JOIN LATERAL (
        SELECT 'row-level security is not enabled' AS problem WHERE NOT t.relrowsecurity
        UNION ALL
        SELECT 'no row-level security policy' WHERE NOT EXISTS (SELECT 1 FROM policies pol WHERE pol.polrelid = t.oid)
        UNION ALL
        SELECT 'policy ' || pol.name || ' does not compare team_id with the outreach.team_id setting'
        FROM policies pol
        WHERE NOT t.shared AND pol.polrelid = t.oid AND pol.polpermissive
          AND NOT (COALESCE(pol.qual, pol.withcheck) ~ 'team_id' AND COALESCE(pol.qual, pol.withcheck) ~ 'outreach\.team_id'
                   AND (pol.withcheck IS NULL OR (pol.withcheck ~ 'team_id' AND pol.withcheck ~ 'outreach\.team_id')))
        UNION ALL
        SELECT 'no team_id column' WHERE NOT t.shared AND NOT EXISTS (SELECT 1 FROM team_col tc WHERE tc.attrelid = t.oid)
        UNION ALL
        SELECT 'team_id is not text NOT NULL' FROM team_col tc
        WHERE NOT t.shared AND tc.attrelid = t.oid AND (tc.atttypid <> 'text'::regtype OR NOT tc.attnotnull)
        UNION ALL
        SELECT 'no primary key' WHERE NOT t.shared AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.rel = t.oid AND k.kind = 'p')
        UNION ALL
        SELECT CASE k.kind WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique constraint' WHEN 'i' THEN 'unique index'
                           WHEN 'x' THEN 'exclusion constraint' ELSE 'foreign key' END || ' ' || k.name || ' does not start with team_id'
        FROM keys k
        WHERE NOT t.shared AND k.rel = t.oid
          AND NOT EXISTS (SELECT 1 FROM team_col tc WHERE tc.attrelid = t.oid AND tc.attnum = k.first_col)
        UNION ALL
        SELECT 'foreign key ' || k.name || ' does not reference team_id first'
        FROM keys k
        WHERE NOT t.shared AND k.rel = t.oid AND k.kind = 'f'
          AND NOT EXISTS (SELECT 1 FROM team_col tc WHERE tc.attrelid = k.ref_rel AND tc.attnum = k.ref_first_col)
        UNION ALL
        SELECT 'tenant data of this extension table would be lost by pg_dump (pg_extension_config_dump missing)'
        WHERE NOT t.shared AND t.member AND NOT t.dumped
        UNION ALL
        SELECT 'shared reference table is writable by ' || r.rolname
        FROM unnest(ARRAY['public', 'outreach_operator', 'outreach_admin']) AS r (rolname)
        WHERE t.shared
          AND (has_table_privilege(r.rolname, t.oid, 'INSERT') OR has_table_privilege(r.rolname, t.oid, 'UPDATE')
               OR has_table_privilege(r.rolname, t.oid, 'DELETE') OR has_table_privilege(r.rolname, t.oid, 'TRUNCATE'))
    ) p
    UNION ALL
    -- Views run as their owner and would skip row-level security unless security_invoker is set;
    -- materialized views hold copies of rows with no row-level security at all.
    SELECT c.relname::text,
           CASE c.relkind WHEN 'm' THEN 'materialized view: its rows escape row-level security'
                          ELSE 'view without security_invoker = true: it reads as its owner, past row-level security' END
    FROM pg_class c
    WHERE c.relnamespace = 'outreach'::regnamespace
      AND (c.relkind = 'm' OR (c.relkind = 'v' AND NOT COALESCE('security_invoker=true' = ANY (c.reloptions), false)
                                                  AND NOT COALESCE('security_invoker=on' = ANY (c.reloptions), false)))
    ORDER BY 1, 2;
$check$;
COMMENT ON FUNCTION outreach.tenancy_violations() IS
    'Catalog check of the tenancy rules (design.md §2): every outreach table (and any partition of one, wherever it lives) has '
    'row-level security, and every table but the shared reference tables has policies that compare team_id with the '
    'outreach.team_id setting, team_id text NOT NULL as the first column of its primary key, of every unique or exclusion '
    'constraint and unique index, and of both ends of every foreign key, and (when it belongs to the extension) its rows '
    'registered for pg_dump. Views must be security_invoker; materialized views are not allowed. One row per violation.';
