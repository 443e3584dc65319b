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
