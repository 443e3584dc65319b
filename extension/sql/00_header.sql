-- pg_outreach install script. Built by the Makefile from extension/sql/*.sql in name order.
\echo Use "CREATE EXTENSION pg_outreach" to load this file. \quit

-- Roles (design.md §2). Roles are cluster-wide and outlive the extension, so they are created
-- only when missing. outreach_operator reads and performs operator actions; outreach_admin also
-- manages teams and configuration. Neither bypasses row-level security.
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
