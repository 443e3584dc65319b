-- Tenancy. Every outreach table carries team_id, the first column of every key;
-- row-level security lets a session see and change only the rows of the team it works as
-- (SET outreach.team_id); roles outreach_operator and outreach_admin never bypass it.

\set VERBOSITY terse

-- The loaded library is the one this SQL was installed with.
SELECT outreach.library_version() = extversion AS library_matches_sql
FROM pg_extension WHERE extname = 'pg_outreach';

-- The catalog check finds nothing wrong with the installed schema. Any table added later is
-- held to the same rules by this one query.
SELECT * FROM outreach.tenancy_violations();

-- Only the shared reference tables have no team_id; they are readable by all, writable by none.
SELECT outreach.shared_reference_tables();

-- The check can fail: tables that break the rules are reported, one row per problem.
BEGIN;
CREATE TABLE outreach.bad_parent (id int PRIMARY KEY, team_id text, email text UNIQUE);
CREATE TABLE outreach.bad_child (
    team_id text NOT NULL,
    id int,
    parent int REFERENCES outreach.bad_parent (id),
    PRIMARY KEY (team_id, id)
);
CREATE UNIQUE INDEX bad_child_parent ON outreach.bad_child (parent, team_id);
-- RLS on, but a policy that lets every team through; an exclusion constraint across teams.
CREATE TABLE outreach.bad_policy (team_id text NOT NULL, email text, PRIMARY KEY (team_id, email),
                                  EXCLUDE USING btree (email WITH =));
ALTER TABLE outreach.bad_policy ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON outreach.bad_policy USING (true);
-- A view that reads as its owner, and a partition outside the schema without RLS.
CREATE VIEW outreach.bad_view AS SELECT team_id, name FROM outreach.teams;
CREATE TABLE outreach.good_parent (team_id text NOT NULL, id int, PRIMARY KEY (team_id, id)) PARTITION BY LIST (team_id);
ALTER TABLE outreach.good_parent ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_isolation ON outreach.good_parent
    USING (team_id = current_setting('outreach.team_id', true)) WITH CHECK (team_id = current_setting('outreach.team_id', true));
CREATE TABLE public.leaky_partition PARTITION OF outreach.good_parent FOR VALUES IN ('acme');
SELECT * FROM outreach.tenancy_violations();
ROLLBACK;

-- The teams table's rows are registered for pg_dump (extension tables are otherwise not dumped).
SELECT 'outreach.teams'::regclass = ANY (extconfig) AS teams_dumped FROM pg_extension WHERE extname = 'pg_outreach';

-- Two teams, created by the owner (who bypasses row-level security).
INSERT INTO outreach.teams (team_id, name) VALUES ('acme', 'Acme Roofing'), ('bolt', 'Bolt Electric');

-- An admin working as acme sees acme only, and cannot reach bolt's row.
SET ROLE outreach_admin;
SET outreach.team_id = 'acme';
SELECT team_id, name FROM outreach.teams;
UPDATE outreach.teams SET name = 'hijacked' WHERE team_id = 'bolt' RETURNING team_id;
DELETE FROM outreach.teams WHERE team_id = 'bolt' RETURNING team_id;
INSERT INTO outreach.teams (team_id, name) VALUES ('bolt-2', 'Not mine');
UPDATE outreach.teams SET name = 'Acme Roofing & Siding' WHERE team_id = 'acme' RETURNING team_id, name;
SELECT outreach.current_team_id();

-- With no team set, tenant tables are empty.
RESET outreach.team_id;
SELECT count(*) AS visible_without_team FROM outreach.teams;
SELECT outreach.current_team_id() IS NULL AS no_team;

-- An operator reads its own team and changes nothing it is not granted.
SET ROLE outreach_operator;
SET outreach.team_id = 'bolt';
SELECT team_id, name FROM outreach.teams;
INSERT INTO outreach.teams (team_id, name) VALUES ('bolt', 'again');

-- Reference data is shared and read-only.
SELECT count(*) > 30000 AS zips_visible FROM outreach.zip_codes;
DELETE FROM outreach.zip_codes;
RESET ROLE;
SET ROLE outreach_admin;
UPDATE outreach.area_codes SET timezone = 'UTC';
RESET ROLE;

-- The owner sees both teams, as changed above.
SELECT team_id, name FROM outreach.teams WHERE team_id IN ('acme', 'bolt') ORDER BY team_id;

-- team_id is a short stable key.
INSERT INTO outreach.teams (team_id, name) VALUES ('', 'empty key');
INSERT INTO outreach.teams (team_id, name) VALUES ('has space', 'bad key');

-- outreach.* settings are reserved: a typo is an error, not a silently ignored setting.
SET outreach.teamid = 'acme';

-- The extension refuses a database that is not UTF-8: lead data is Unicode, and a normalizer
-- must never fail on a name because the database cannot store it.
\set regress_db :DBNAME
CREATE DATABASE outreach_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c outreach_latin1
\set VERBOSITY terse
CREATE EXTENSION pg_outreach CASCADE;
\c :regress_db
DROP DATABASE outreach_latin1;
