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
