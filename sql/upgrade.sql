-- Upgrades, the guard of the release process: a database that installed the oldest release (0.1.0,
-- extension/history/) and ran every delta through ALTER EXTENSION pg_outreach UPDATE must end up
-- with exactly the catalog of a fresh install from the current sources (extension/sql/): functions
-- with their bodies and properties, tables, columns, defaults, constraints, indexes, policies,
-- triggers, types, comments, privileges, pg_dump registrations and reference data. A delta that
-- forgets a body, a grant or a comment fails here; the end of this file shows that it would.
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
CREATE DATABASE outreach_upgrade ENCODING 'UTF8' TEMPLATE template0;
\c outreach_upgrade
SET client_min_messages = warning;
SET check_function_bodies = off;  -- the function reads a schema that does not exist yet

-- A function's code as it behaves: a SQL-standard body (RETURN, BEGIN ATOMIC) as the server parsed
-- it; any other body without its comments and with its whitespace collapsed, so that a comment
-- written differently in the sources than in a delta is no difference.
CREATE FUNCTION public.outreach_code(p oid) RETURNS text
LANGUAGE sql AS $$
    SELECT md5(coalesce(pg_get_function_sqlbody(p),
                        btrim(regexp_replace(regexp_replace(prosrc, '--[^\n]*', '', 'g'), '\s+', ' ', 'g'))))
    FROM pg_proc WHERE oid = p
$$;
-- Privileges in a fixed order: the order the GRANTs ran in is no difference.
CREATE FUNCTION public.outreach_acl(acl aclitem[]) RETURNS text
LANGUAGE sql AS $$ SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(acl) a $$;

-- Everything about the extension's objects that a user or a dump could see, one row per fact.
-- Columns of tables are compared by name, not position: the current sources may group a table's
-- columns where they read best, and nothing of ours depends on a table's physical column order
-- (every INSERT and COPY names its columns). The column order of views and composite types is
-- their interface, so it is compared.
CREATE FUNCTION public.outreach_catalog() RETURNS TABLE (kind text, name text, detail text)
LANGUAGE sql AS $$
    SELECT 'function', p.oid::regprocedure::text,
           concat_ws(' | ', pg_get_function_result(p.oid), p.provolatile, p.proisstrict, p.proparallel, p.prosecdef,
                     p.proconfig::text, public.outreach_code(p.oid), p.probin, public.outreach_acl(p.proacl),
                     obj_description(p.oid, 'pg_proc'))
    FROM pg_proc p WHERE p.pronamespace = 'outreach'::regnamespace
    UNION ALL
    SELECT 'relation', c.relname, concat_ws(' | ', c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.reloptions::text,
                                            public.outreach_acl(c.relacl), obj_description(c.oid, 'pg_class'))
    FROM pg_class c WHERE c.relnamespace = 'outreach'::regnamespace AND c.relkind NOT IN ('i', 'S')
    UNION ALL
    SELECT 'sequence', c.relname, public.outreach_acl(c.relacl)
    FROM pg_class c WHERE c.relnamespace = 'outreach'::regnamespace AND c.relkind = 'S'
    UNION ALL
    SELECT 'column', c.relname || '.' || a.attname,
           concat_ws(' | ', CASE WHEN c.relkind <> 'r' THEN a.attnum END, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                     a.attidentity, pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum),
                     public.outreach_acl(a.attacl))
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'outreach'::regnamespace AND c.relkind IN ('r', 'v', 'c')
    UNION ALL
    SELECT 'constraint', con.conrelid::regclass::text || ' ' || con.conname, pg_get_constraintdef(con.oid)
    FROM pg_constraint con WHERE con.connamespace = 'outreach'::regnamespace
    UNION ALL
    SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'outreach'::regnamespace
    UNION ALL
    SELECT 'policy', pol.polrelid::regclass::text || ' ' || pol.polname,
           concat_ws(' | ', pol.polcmd, pol.polpermissive, pol.polroles::text, pg_get_expr(pol.polqual, pol.polrelid),
                     pg_get_expr(pol.polwithcheck, pol.polrelid))
    FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid WHERE c.relnamespace = 'outreach'::regnamespace
    UNION ALL
    SELECT 'trigger', t.tgrelid::regclass::text || ' ' || t.tgname, pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'outreach'::regnamespace AND NOT t.tgisinternal
    UNION ALL
    SELECT 'type', t.typname, concat_ws(' | ', t.typtype, obj_description(t.oid, 'pg_type'))
    FROM pg_type t WHERE t.typnamespace = 'outreach'::regnamespace AND t.typtype IN ('c', 'd', 'e') AND t.typrelid = 0
         OR t.typnamespace = 'outreach'::regnamespace AND t.typtype = 'c'
            AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'
    UNION ALL
    SELECT 'member', pg_describe_object(d.classid, d.objid, d.objsubid), NULL
    FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid AND d.refclassid = 'pg_extension'::regclass
    WHERE e.extname = 'pg_outreach' AND d.deptype = 'e'
    UNION ALL
    SELECT 'dumped', cfg::regclass::text, cond
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u (cfg, cond) WHERE e.extname = 'pg_outreach'
    UNION ALL
    SELECT 'schema', 'outreach', concat_ws(' | ', public.outreach_acl(n.nspacl), obj_description(n.oid, 'pg_namespace'))
    FROM pg_namespace n WHERE n.nspname = 'outreach'
    UNION ALL
    SELECT 'rows', 'zip_codes', (SELECT count(*) || ' ' || md5(string_agg(z::text, ',' ORDER BY z::text)) FROM outreach.zip_codes z)
    UNION ALL
    SELECT 'rows', 'area_codes', (SELECT count(*) || ' ' || md5(string_agg(a::text, ',' ORDER BY a::text)) FROM outreach.area_codes a)
$$;

CREATE EXTENSION pg_trgm;
CREATE EXTENSION pg_outreach VERSION '0.1.0';
-- a team that exists before the upgrade gets the import preset on the way
INSERT INTO outreach.teams (team_id, name) VALUES ('before', 'Created under 0.1.0');
SELECT extversion FROM pg_extension WHERE extname = 'pg_outreach';
-- one release at a time: leads imported under 0.2.0 are scored on the way to 0.3.0, texts of 0.3.0 counted on the way to 0.4.0,
-- consent of 0.4.0 decided again on the way to 0.5.0
ALTER EXTENSION pg_outreach UPDATE TO '0.2.0';
SELECT rows_imported FROM outreach.import_csv('before', convert_to(
    'companyName,ownerFirstName,ownerLastName,phone,email' || chr(10) || 'Acme Plumbing,Ann,Lee,(212) 555-0100,ann@acme.com', 'UTF8'));
ALTER EXTENSION pg_outreach UPDATE TO '0.3.0';
SELECT score FROM outreach.leads WHERE team_id = 'before';
-- a text sent under 0.3.0 counts for the caps of 0.4.0, which keeps counters instead of counting texts
INSERT INTO outreach.sms_messages (team_id, to_phone, body, encoding, segments, state)
VALUES ('before', '+12125550100', 'Hello from 0.3.0', 'GSM-7', 2, 'sent');
ALTER EXTENSION pg_outreach UPDATE TO '0.4.0';
SELECT kind, subject, texts, segments FROM outreach.send_counters WHERE team_id = 'before' ORDER BY kind;
-- under 0.4.0 an opt-in dated at infinity cancelled a STOP recorded after it; 0.5.0 orders consent
-- by recording, so the upgrade suppresses the number again
SELECT outreach.record_consent('before', '(212) 555-0177', 'opt_in', 'web_form', '{}', 'infinity') > 0 AS future_opt_in;
SELECT outreach.suppress_phone('before', '(212) 555-0177', 'stop_keyword') > 0 AS later_stop;
-- ... and an old consent imported after a STOP but dated before it left the STOP in force, as it must
-- stay: the upgrade never lifts a suppression
SELECT outreach.suppress_phone('before', '(212) 555-0178', 'stop_keyword') > 0 AS stop;
SELECT outreach.record_consent('before', '(212) 555-0178', 'opt_in', 'web_form', '{}', '2020-01-05') > 0 AS older_opt_in_recorded_later;
SELECT phone FROM outreach.suppression_list WHERE team_id = 'before' AND phone IN ('+12125550177', '+12125550178') ORDER BY phone;
-- under 0.4.0 a number could get a campaign step once per lead (two leads of one person): the
-- upgrade keeps what went out as history and cancels what is still queued
INSERT INTO outreach.templates (team_id, name, variant, weight, body) VALUES ('before', 'hi', 'A', 1, 'Hi there. Reply STOP to opt out.');
INSERT INTO outreach.campaigns (team_id, campaign_id, name) VALUES ('before', 1, 'Campaign of 0.4.0');
INSERT INTO outreach.campaign_queue (team_id, campaign_id, lead_id, step, template_id, variant, phone, body, encoding, segments,
                                     scheduled_at, local_send_at, state)
SELECT 'before', 1, v.lead, 1, (SELECT template_id FROM outreach.templates WHERE team_id = 'before'), 'A', '+12125550199',
       'Hi there. Reply STOP to opt out.', 'GSM-7', 1, now(), localtimestamp, v.state
FROM (VALUES (1001, 'sent'), (1002, 'sent'), (1003, 'queued')) AS v (lead, state);
ALTER EXTENSION pg_outreach UPDATE;
SELECT lead_id, state, cancel_reason, legacy_duplicate FROM outreach.campaign_queue WHERE team_id = 'before' ORDER BY lead_id;
SELECT phone, source FROM outreach.suppression_list WHERE team_id = 'before' AND phone IN ('+12125550177', '+12125550178') ORDER BY phone;
SELECT phone, kind, source, evidence ->> 'reason' AS reason FROM outreach.consent_log
WHERE team_id = 'before' AND source = 'upgrade_reordered' ORDER BY phone;
SELECT day_segments FROM outreach.cap_usage('before', NULL, 'default', now());
SELECT extversion, outreach.library_version() = extversion AS library_matches FROM pg_extension WHERE extname = 'pg_outreach';
SELECT team_id, name FROM outreach.import_lead_presets;
-- ... and the scoring weights, quiet-hour rules, state bans and limits of 0.3.0
SELECT (SELECT sum(points) FROM outreach.score_weights WHERE team_id = 'before') AS score_points,
       (SELECT count(*) FROM outreach.quiet_hour_rules WHERE team_id = 'before') AS quiet_hour_rules,
       (SELECT array_agg(state) FROM outreach.state_bans WHERE team_id = 'before') AS banned,
       (SELECT frequency_cap FROM outreach.compliance_settings WHERE team_id = 'before') AS frequency_cap,
       (SELECT daily_cap FROM outreach.sender_limits WHERE team_id = 'before') AS daily_cap;
-- ... and the reply handling of 0.6.0: settings, buckets and routing
SELECT (SELECT count(*) FROM outreach.reply_settings WHERE team_id = 'before') AS reply_settings,
       (SELECT count(*) FROM outreach.response_buckets WHERE team_id = 'before') AS buckets,
       (SELECT count(*) FROM outreach.routing_rules WHERE team_id = 'before') AS routing_rules;
CREATE TABLE public.upgraded AS SELECT * FROM public.outreach_catalog();

DROP EXTENSION pg_outreach;
CREATE EXTENSION pg_outreach;
CREATE TABLE public.fresh AS SELECT * FROM public.outreach_catalog();

-- The two catalogs are the same: nothing only in one of them.
SELECT 'only after upgrade' AS where_, * FROM (SELECT * FROM public.upgraded EXCEPT SELECT * FROM public.fresh) u
UNION ALL
SELECT 'only in fresh install', * FROM (SELECT * FROM public.fresh EXCEPT SELECT * FROM public.upgraded) f
ORDER BY 2, 3;
SELECT count(*) > 300 AS compared_many_facts, count(DISTINCT kind) AS kinds FROM public.fresh;
SELECT * FROM outreach.tenancy_violations();

-- The guard catches what a careless delta would leave out. Here the fresh install plays the
-- upgraded database with three omissions: a grant, a comment and a new function body.
REVOKE EXECUTE ON FUNCTION outreach.start_sends(text, bigint[], timestamptz) FROM outreach_worker;
COMMENT ON FUNCTION outreach.can_send(text, bigint, timestamptz) IS NULL;
CREATE OR REPLACE FUNCTION outreach.phone_lock_key(team_id text, phone text) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.hashtextextended('outreach.phone:' || team_id || '/' || phone, 0);
SELECT f.kind, f.name FROM (SELECT * FROM public.fresh EXCEPT SELECT * FROM public.outreach_catalog()) f ORDER BY 1, 2;

\c :regress_db
DROP DATABASE outreach_upgrade;
