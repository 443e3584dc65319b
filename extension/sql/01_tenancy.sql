-- ==== Step: tenancy ==============================================================================
-- Who works as which team. Every tenant table is keyed by team_id first, has row-level security
-- with the team_isolation policy, and is registered for pg_dump (outreach.secure_tenant_tables);
-- outreach.tenancy_violations() holds every table of the schema to those rules. Roles:
-- outreach_operator reads and performs operator actions, outreach_admin also manages teams and
-- configuration, outreach_worker is the daemon's role; none of them bypasses row-level security.

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

-- Roles are cluster-wide and outlive the extension, so they are created only when missing.
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'outreach_operator') THEN
        CREATE ROLE outreach_operator NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'outreach_admin') THEN
        CREATE ROLE outreach_admin NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'outreach_worker') THEN
        CREATE ROLE outreach_worker NOLOGIN;
    END IF;
END
$roles$;

GRANT outreach_operator TO outreach_admin;


GRANT USAGE ON SCHEMA outreach TO outreach_operator, outreach_admin, outreach_worker;

COMMENT ON SCHEMA outreach IS
    'pg_outreach: SMS lead outreach. Every tenant table is keyed by team_id; SET outreach.team_id to work as a team.';

-- ---- tables ------------------------------------------------------------------------------------

CREATE TABLE outreach.teams (
    team_id    text PRIMARY KEY CHECK (team_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$'),
    name       text NOT NULL CHECK (pg_catalog.btrim(name) <> ''),
    settings   jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (pg_catalog.jsonb_typeof(settings) = 'object'),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE outreach.teams IS
    'Tenants. team_id leads the key of every table and is the distribution column when a deployment is sharded by team '
    '(Citus).';

COMMENT ON COLUMN outreach.teams.team_id IS
    'Stable tenant key: 1-63 characters of letters, digits and _ . : -, starting with a letter or digit.';

COMMENT ON COLUMN outreach.teams.settings IS
    'Per-team configuration (a JSON object); later features document their keys.';

ALTER TABLE outreach.teams ENABLE ROW LEVEL SECURITY;

CREATE POLICY team_isolation ON outreach.teams
    USING (team_id = pg_catalog.current_setting('outreach.team_id', true))
    WITH CHECK (team_id = pg_catalog.current_setting('outreach.team_id', true));

-- Tenant data survives pg_dump/pg_restore: extension tables are not dumped unless registered.
SELECT pg_catalog.pg_extension_config_dump('outreach.teams', '');

GRANT SELECT ON outreach.teams TO outreach_operator;

GRANT SELECT, INSERT, UPDATE, DELETE ON outreach.teams TO outreach_admin;

-- ---- functions ---------------------------------------------------------------------------------

CREATE FUNCTION outreach.library_version() RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_library_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.library_version() IS
    'Version of the loaded pg_outreach shared library; equals the installed extension version when both are current.';

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
    'Catalog check of the tenancy rules: every outreach table (and any partition of one, wherever it lives) has '
    'row-level security, and every table but the shared reference tables has policies that compare team_id with the '
    'outreach.team_id setting, team_id text NOT NULL as the first column of its primary key, of every unique or '
    'exclusion constraint and unique index, and of both ends of every foreign key, and (when it belongs to the '
    'extension) its rows registered for pg_dump. Views must be security_invoker; materialized views are not allowed. '
    'One row per violation.';

-- A function given a team_id works on that team's rows; a session restricted by row-level
-- security must be working as that team, or it would silently see nothing.
CREATE FUNCTION outreach.check_team(team_id text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF team_id IS NULL THEN
        RAISE EXCEPTION 'team_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM outreach.teams t WHERE t.team_id = check_team.team_id) THEN
        IF outreach.current_team_id() IS DISTINCT FROM team_id
           AND NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user) THEN
            RAISE EXCEPTION 'no team "%" visible to this session', team_id
                USING ERRCODE = 'foreign_key_violation',
                      HINT = format('Row-level security shows this session only team %s; SET outreach.team_id = %L first.',
                                    coalesce(quote_literal(outreach.current_team_id()), '(none)'), team_id);
        END IF;
        RAISE EXCEPTION 'no team "%"', team_id
            USING ERRCODE = 'foreign_key_violation', HINT = 'Teams are rows of outreach.teams.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION outreach.check_team(text) IS
    'Raises an error unless team_id names a team this session can see (with row-level security: SET outreach.team_id '
    'first).';

-- What every tenant table gets: row-level security with the team
-- policy, registration for pg_dump (its identity sequences too, or a restored database would hand
-- out ids again from 1), and reading for operators. Writing privileges differ per table and are
-- granted where each table is made.
CREATE FUNCTION outreach.secure_tenant_tables(tables text[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('ALTER TABLE outreach.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY team_isolation ON outreach.%I '
                       'USING (team_id = pg_catalog.current_setting(''outreach.team_id'', true)) '
                       'WITH CHECK (team_id = pg_catalog.current_setting(''outreach.team_id'', true))', t);
        PERFORM pg_catalog.pg_extension_config_dump(format('outreach.%I', t)::regclass, '');
        EXECUTE format('GRANT SELECT ON outreach.%I TO outreach_operator', t);
        PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence(format('outreach.%I', t), a.attname)::regclass, '')
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = format('outreach.%I', t)::regclass AND a.attidentity <> '' AND NOT a.attisdropped;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION outreach.secure_tenant_tables(text[]) IS
    'Internal, for install scripts: row-level security by team, pg_dump registration (with identity sequences) and '
    'SELECT for operators on these tables.';
REVOKE ALL ON FUNCTION outreach.secure_tenant_tables(text[]) FROM PUBLIC;

-- Who is calling, seen from inside a SECURITY DEFINER function (where current_user is the owner):
-- the role the session SET, else the role it logged in as.
CREATE FUNCTION outreach.effective_caller() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user::text);
COMMENT ON FUNCTION outreach.effective_caller() IS
    'The role on whose behalf this statement runs, also inside SECURITY DEFINER functions: the SET ROLE role, else the '
    'session user. What consent_log.recorded_by records.';

-- May the caller act for this team? Superusers and roles that bypass row-level security work for
-- every team, and so does the daemon's role; anyone else for the team the session is set to.
CREATE FUNCTION outreach.check_caller_team(team_id text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    caller text := outreach.effective_caller();
BEGIN
    PERFORM outreach.check_team(check_caller_team.team_id);
    IF outreach.current_team_id() IS DISTINCT FROM check_caller_team.team_id
       AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = caller AND (r.rolsuper OR r.rolbypassrls))
       AND NOT pg_has_role(caller, 'outreach_worker', 'MEMBER') THEN
        RAISE EXCEPTION 'role % does not work for team "%"', caller, check_caller_team.team_id
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('This session works for team %s (SET outreach.team_id).',
                                coalesce(quote_literal(outreach.current_team_id()), '(none)'));
    END IF;
END
$fn$;
COMMENT ON FUNCTION outreach.check_caller_team(text) IS
    'Raises an error unless the calling role may act for the team: its session''s team (outreach.team_id), or any team '
    'for superusers, roles that bypass row-level security and outreach_worker (the daemon).';
