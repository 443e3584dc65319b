-- pg_outreach 0.2.0 -> 0.3.0, built from extension/sql/0.3.0/ (see the Makefile).
\echo Use "ALTER EXTENSION pg_outreach UPDATE TO 0.3.0" to load this file. \quit
-- ---- pg_outreach 0.3.0: scoring, campaign preparation and the compliance gate (issue 5) ---------
-- What every tenant table of this release gets (design.md §2): row-level security with the team
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
REVOKE ALL ON FUNCTION outreach.secure_tenant_tables(text[]) FROM PUBLIC;
COMMENT ON FUNCTION outreach.secure_tenant_tables(text[]) IS
    'Internal, for install scripts: row-level security by team, pg_dump registration (with identity sequences) and SELECT for '
    'operators on these tables.';
-- SMS length and message templates: what a message costs (GSM-7 or UCS-2, units, segments) and
-- rendering "Hi {{firstName|there}}" per recipient. Pure functions; the C++ is core/sms.cpp and
-- core/templates.cpp.

CREATE FUNCTION outreach.sms_encoding(body text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_sms_encoding'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.sms_encoding(text) IS
    'GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table (3GPP TS 23.038), otherwise '
    'UCS-2. Curly quotes, emoji, tab, backtick and ç are not GSM-7: one of them makes the whole message UCS-2.';

CREATE FUNCTION outreach.sms_units(body text) RETURNS integer
    AS 'MODULE_PATHNAME', 'outreach_sms_units'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.sms_units(text) IS
    'Length of a message in its encoding (see sms_encoding): GSM-7 septets, where ^ { } \ [ ~ ] | € and form feed count 2; '
    'or UCS-2 (UTF-16) code units, where a character beyond U+FFFF such as an emoji counts 2.';

CREATE FUNCTION outreach.sms_segments(body text) RETURNS integer
    AS 'MODULE_PATHNAME', 'outreach_sms_segments'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.sms_segments(text) IS
    'Segments a carrier bills for a message: 0 for the empty text; 1 up to 160 GSM-7 septets or 70 UCS-2 units; otherwise '
    'parts of at most 153 septets or 67 units, filled in order without splitting a two-septet character or a surrogate '
    'pair (so occasionally one more than units / 153 or units / 67 rounded up).';

CREATE FUNCTION outreach.template_variables(body text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'outreach_template_variables'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.template_variables(text) IS
    'Distinct variable names of a message template, in order of first appearance. Variables are {{name}}, {{ name }} or '
    '{{name|fallback}}; a name is ASCII letters, digits and underscores starting with a letter; other text, including a lone '
    '{ or }, is literal. An unterminated {{, an empty or an invalid name raises invalid_parameter_value (22023) naming the '
    'character position: use it to validate a template before storing it.';

CREATE FUNCTION outreach.render_template(body text, vars jsonb, fallbacks jsonb DEFAULT '{}'::jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_render_template'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.render_template(text, jsonb, jsonb) IS
    'A message template rendered with vars, a JSON object of values (strings as they are, numbers and booleans as their JSON '
    'text; null or absent is no value). Each variable takes its value trimmed with inner whitespace runs made one space, if '
    'that is not empty; else its inline fallback ({{firstName|}} renders nothing); else fallbacks->name; else the message '
    'is NULL (see template_missing_variables). Values are inserted literally, never expanded. Where a variable renders as '
    'nothing, the spaces around it become one space, or none before , . ! ? ("Hi {{firstName|}}, ok" gives "Hi, ok"); the '
    'result is trimmed. Invalid templates raise as in template_variables.';

CREATE FUNCTION outreach.template_missing_variables(body text, vars jsonb, fallbacks jsonb DEFAULT '{}'::jsonb)
    RETURNS text[]
    AS 'MODULE_PATHNAME', 'outreach_template_missing_variables'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.template_missing_variables(text, jsonb, jsonb) IS
    'Variables of a message template that have neither a value in vars (blank counts as none) nor an inline or '
    'template-level fallback, in order of first appearance; an empty array when render_template would give a message.';
-- Step 4b of the journey (design.md §3): what a lead is worth, kept current by triggers and
-- explainable component by component, and the one-row card an operator works from.

ALTER TABLE outreach.leads
    ADD COLUMN status text NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'contacted', 'engaged', 'qualified', 'converted', 'not_interested', 'do_not_contact', 'bad_data')),
    ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
    ADD COLUMN enrichment_status text NOT NULL DEFAULT 'not_enriched'
        CHECK (enrichment_status IN ('not_enriched', 'pending', 'enriched', 'failed')),
    ADD COLUMN score integer NOT NULL DEFAULT 0,
    ADD COLUMN score_updated_at timestamptz,
    ADD COLUMN last_contacted_at timestamptz;
-- Scores are rewritten in bulk after every load; room on each page lets those updates stay HOT
-- (score is not indexed), so they do not touch the indexes.
ALTER TABLE outreach.leads SET (fillfactor = 80);
COMMENT ON COLUMN outreach.leads.status IS
    'Where the lead is in the journey: new, contacted, engaged, qualified, converted, not_interested, do_not_contact (never '
    'texted: outreach.can_send says suppressed), bad_data.';
COMMENT ON COLUMN outreach.leads.tags IS 'Free labels a team filters campaigns by (campaign criteria tags / exclude_tags).';
COMMENT ON COLUMN outreach.leads.score IS
    'Sum of the earned components of outreach.explain_score (weights in outreach.score_weights); kept current by triggers on '
    'leads, personas, businesses, persona_phones, persona_emails, source_records and score_weights.';
COMMENT ON COLUMN outreach.leads.last_contacted_at IS 'When the lead was last texted (set by the sending side).';

-- Points per scoring component, per team. Every team starts with the defaults below and may edit
-- them (a change rescored every lead of the team). The rule of each component is fixed (see
-- outreach.lead_score_components); its points are the team's.
CREATE TABLE outreach.score_weights (
    team_id     text NOT NULL REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    component   text NOT NULL CHECK (component IN ('valid_phone', 'email', 'full_name', 'business_name', 'street_address',
                                                   'industry', 'employees_5_plus', 'revenue_250k', 'revenue_1m', 'enriched',
                                                   'multiple_sources', 'engaged')),
    points      integer NOT NULL CHECK (points BETWEEN -1000 AND 1000),
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, component)
);
COMMENT ON TABLE outreach.score_weights IS
    'Points of each lead-scoring component for a team (outreach.default_score_weights() are the defaults every team starts '
    'with; they add up to 100). Changing a row rescores the team''s leads.';

-- The default points; the sum is 100 so that a score reads as a percentage of an ideal lead.
CREATE FUNCTION outreach.default_score_weights()
    RETURNS TABLE (component text, points integer, description text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    VALUES ('valid_phone', 20, 'the lead has a valid phone number to text'),
           ('email', 10, 'a valid e-mail address is known'),
           ('full_name', 10, 'first and last name of the owner are known'),
           ('business_name', 5, 'the company is known'),
           ('street_address', 10, 'a street address with a ZIP code is known'),
           ('industry', 5, 'a SIC or NAICS code is known'),
           ('employees_5_plus', 5, 'the company has 5 or more employees'),
           ('revenue_250k', 5, 'annual revenue of $250,000 or more'),
           ('revenue_1m', 5, 'annual revenue of $1,000,000 or more (on top of revenue_250k)'),
           ('enriched', 10, 'enrichment completed (enrichment_status = enriched)'),
           ('multiple_sources', 5, 'two or more imported rows agree on this lead'),
           ('engaged', 10, 'the lead replied with interest (status engaged or qualified)')
$fn$;
COMMENT ON FUNCTION outreach.default_score_weights() IS 'The scoring components, their default points (summing to 100) and what each rewards.';

CREATE FUNCTION outreach.teams_seed_score_weights() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO outreach.score_weights (team_id, component, points)
    SELECT NEW.team_id, d.component, d.points FROM outreach.default_score_weights() d
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.teams_seed_score_weights() FROM PUBLIC;
CREATE TRIGGER seed_score_weights AFTER INSERT ON outreach.teams
    FOR EACH ROW EXECUTE FUNCTION outreach.teams_seed_score_weights();

-- Who a lead is and where, as the rest of the journey needs it: the number to text (the
-- surviving persona's own, else the first one seen for it), the state (persona, business, ZIP,
-- then the phone's area code) and the ZIP.
CREATE VIEW outreach.lead_targets WITH (security_invoker = true) AS
SELECT l.team_id, l.lead_id, l.persona_id, l.business_id, l.status, l.tags, l.score,
       coalesce(p.normalized_phone,
                (SELECT pp.normalized_phone FROM outreach.persona_phones pp
                 WHERE pp.team_id = l.team_id AND pp.persona_id = l.persona_id ORDER BY pp.phone_id LIMIT 1)) AS phone,
       coalesce(p.normalized_zip, b.normalized_zip) AS zip,
       coalesce(p.normalized_state, b.normalized_state, z.state) AS state
FROM outreach.leads l
JOIN outreach.personas p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
LEFT JOIN outreach.zip_codes z ON z.zip = coalesce(p.normalized_zip, b.normalized_zip)
WHERE l.is_active;
COMMENT ON VIEW outreach.lead_targets IS
    'Active leads with the number they are texted on (E.164), their ZIP and state: the input of scheduling and of outreach.can_send.';

-- The scoring rules, as the text of one query over the leads of a key relation (%s): the facts
-- of each lead once, then each component as (name, earned, what it looked at). Two queries are
-- built from it, so the rules are written once: every component with its points (explain_score),
-- or each lead's total (the triggers). A few leads are looked up by index; a load's worth go
-- through a temporary key table with statistics, so the planner hashes instead of probing a
-- million times.
CREATE FUNCTION outreach.lead_score_sql(totals boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT r.facts || CASE WHEN totals THEN
    -- each lead's total: the earned components' points, from the team's weights
    '    SELECT f.team_id, f.lead_id, (SELECT coalesce(sum((wt.points ->> c.component)::integer), 0)::integer FROM (VALUES '
    || replace(r.rules, 'DETAIL_ON', 'false') || ') AS c (component, earned, detail) WHERE c.earned)
    FROM f
    LEFT JOIN (SELECT w.team_id, jsonb_object_agg(w.component, w.points) AS points
               FROM outreach.score_weights w GROUP BY w.team_id) wt ON wt.team_id = f.team_id'
ELSE
    -- every component with its points and what it looked at
    '    SELECT f.team_id, f.lead_id, c.component, c.earned, coalesce(w.points, 0), c.detail
    FROM f CROSS JOIN LATERAL (VALUES ' || replace(r.rules, 'DETAIL_ON', 'true') || ') AS c (component, earned, detail)
    LEFT JOIN outreach.score_weights w ON w.team_id = f.team_id AND w.component = c.component'
END
FROM (SELECT
$facts$
    WITH k AS (SELECT DISTINCT u.team_id, u.lead_id FROM %s u),
    kl AS MATERIALIZED (
        SELECT l.team_id, l.lead_id, l.persona_id, l.business_id, l.status, l.enrichment_status
        FROM k JOIN outreach.leads l ON l.team_id = k.team_id AND l.lead_id = k.lead_id AND l.is_active
    ),
    -- first phone and e-mail seen for the persona, for when its own row has none
    ph AS (
        SELECT DISTINCT ON (pp.team_id, pp.persona_id) pp.team_id, pp.persona_id, pp.normalized_phone
        FROM outreach.persona_phones pp JOIN (SELECT DISTINCT team_id, persona_id FROM kl) x
          ON pp.team_id = x.team_id AND pp.persona_id = x.persona_id
        ORDER BY pp.team_id, pp.persona_id, pp.phone_id
    ),
    em AS (
        SELECT DISTINCT ON (e.team_id, e.persona_id) e.team_id, e.persona_id, e.normalized_email
        FROM outreach.persona_emails e JOIN (SELECT DISTINCT team_id, persona_id FROM kl) x
          ON e.team_id = x.team_id AND e.persona_id = x.persona_id
        ORDER BY e.team_id, e.persona_id, e.email_id
    ),
    src AS (
        SELECT s.team_id, s.lead_id, count(*) AS n
        FROM outreach.source_records s JOIN kl ON s.team_id = kl.team_id AND s.persona_id = kl.persona_id AND s.lead_id = kl.lead_id
        GROUP BY s.team_id, s.lead_id
    ),
    -- each lead's facts once (the component list below reads some of them several times)
    f AS MATERIALIZED (
        SELECT l.team_id, l.lead_id, l.status, l.enrichment_status,
               coalesce(p.normalized_phone, ph.normalized_phone) AS phone, coalesce(p.normalized_email, em.normalized_email) AS email,
               p.first_name, p.last_name, b.name AS business, coalesce(p.normalized_street, b.normalized_street) AS street,
               coalesce(p.normalized_zip, b.normalized_zip) AS zip, coalesce(b.sic_code, b.naics_code) AS industry,
               b.employee_count, b.annual_revenue, coalesce(src.n, 0) AS sources
        FROM kl l
        JOIN outreach.personas p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
        LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
        LEFT JOIN ph ON ph.team_id = l.team_id AND ph.persona_id = l.persona_id
        LEFT JOIN em ON em.team_id = l.team_id AND em.persona_id = l.persona_id
        LEFT JOIN src ON src.team_id = l.team_id AND src.lead_id = l.lead_id
    )
$facts$ AS facts,
-- the components: (name, earned?, the value it looked at)
$rules$
        ('valid_phone', f.phone IS NOT NULL, CASE WHEN DETAIL_ON THEN coalesce(f.phone, 'no valid phone') END),
        ('email', f.email IS NOT NULL, CASE WHEN DETAIL_ON THEN coalesce(f.email, 'no e-mail') END),
        ('full_name', f.first_name IS NOT NULL AND f.last_name IS NOT NULL, CASE WHEN DETAIL_ON THEN coalesce(concat_ws(' ', f.first_name, f.last_name), '') || CASE WHEN f.first_name IS NULL OR f.last_name IS NULL THEN ' (incomplete)' ELSE '' END END),
        ('business_name', f.business IS NOT NULL, CASE WHEN DETAIL_ON THEN coalesce(f.business, 'no company') END),
        ('street_address', f.street IS NOT NULL AND f.zip IS NOT NULL, CASE WHEN DETAIL_ON THEN concat_ws(', ', f.street, f.zip) END),
        ('industry', f.industry IS NOT NULL, CASE WHEN DETAIL_ON THEN coalesce(f.industry, 'no SIC/NAICS code') END),
        ('employees_5_plus', coalesce(f.employee_count >= 5, false), CASE WHEN DETAIL_ON THEN coalesce(f.employee_count::text || ' employees', 'employees unknown') END),
        ('revenue_250k', coalesce(f.annual_revenue >= 250000, false), CASE WHEN DETAIL_ON THEN coalesce('$' || f.annual_revenue::text, 'revenue unknown') END),
        ('revenue_1m', coalesce(f.annual_revenue >= 1000000, false), CASE WHEN DETAIL_ON THEN coalesce('$' || f.annual_revenue::text, 'revenue unknown') END),
        ('enriched', f.enrichment_status = 'enriched', CASE WHEN DETAIL_ON THEN f.enrichment_status END),
        ('multiple_sources', f.sources >= 2, CASE WHEN DETAIL_ON THEN f.sources || CASE WHEN f.sources = 1 THEN ' imported row' ELSE ' imported rows' END END),
        ('engaged', f.status IN ('engaged', 'qualified'), CASE WHEN DETAIL_ON THEN 'status ' || f.status END)
$rules$ AS rules) r
$fn$;
COMMENT ON FUNCTION outreach.lead_score_sql(boolean) IS
    'Internal: the scoring rules as query text over a key relation (components with points, or totals).';

-- Runs a scoring query over the given (team, lead) pairs: by index for a few, hashed for many.
CREATE FUNCTION outreach.run_score_sql(sql text, team_ids text[], lead_ids bigint[]) RETURNS SETOF record
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF cardinality(lead_ids) <= 2000 THEN
        RETURN QUERY EXECUTE format(sql, '(SELECT * FROM unnest($1, $2) AS x (team_id, lead_id))') USING team_ids, lead_ids;
        RETURN;
    END IF;
    PERFORM outreach.drop_temp_tables(ARRAY['_outreach_score_keys']);
    CREATE TEMP TABLE _outreach_score_keys ON COMMIT DROP AS
    SELECT x.team_id, x.lead_id FROM unnest(team_ids, lead_ids) AS x (team_id, lead_id);
    ANALYZE _outreach_score_keys;
    RETURN QUERY EXECUTE format(sql, '_outreach_score_keys');
    DROP TABLE _outreach_score_keys;
END
$fn$;
COMMENT ON FUNCTION outreach.run_score_sql(text, text[], bigint[]) IS 'Internal: runs outreach.lead_score_sql over (team, lead) pairs.';

-- Every component of every given lead: earned or not, the points it carries, what it looked at.
CREATE FUNCTION outreach.lead_score_components(team_ids text[], lead_ids bigint[])
    RETURNS TABLE (team_id text, lead_id bigint, component text, earned boolean, points integer, detail text)
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT * FROM outreach.run_score_sql(outreach.lead_score_sql(false), team_ids, lead_ids)
        AS r (team_id text, lead_id bigint, component text, earned boolean, points integer, detail text)
$fn$;
COMMENT ON FUNCTION outreach.lead_score_components(text[], bigint[]) IS
    'Internal: each scoring component of the given (team, lead) pairs, earned or not, with its points and the value it looked at.';

-- Writes the current score of the given leads (only where it changed).
CREATE FUNCTION outreach.rescore_leads(team_ids text[], lead_ids bigint[]) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    UPDATE outreach.leads l
    SET score = s.total, score_updated_at = pg_catalog.now()
    FROM outreach.run_score_sql(outreach.lead_score_sql(true), team_ids, lead_ids) AS s (team_id text, lead_id bigint, total integer)
    WHERE l.team_id = s.team_id AND l.lead_id = s.lead_id AND l.score IS DISTINCT FROM s.total
$fn$;
COMMENT ON FUNCTION outreach.rescore_leads(text[], bigint[]) IS 'Internal: recomputes leads.score of the given (team, lead) pairs.';

-- The triggers. Each is statement-level with a transition table, so a million-row load rescores
-- in one statement. They run as the extension owner: the rows they rescore are exactly the rows
-- the statement touched (or the leads hanging off them), whatever the caller may update.
CREATE FUNCTION outreach.leads_rescore() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    -- the rescore itself updates leads: do not recurse into it
    IF pg_catalog.pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    -- a load being resolved writes its source rows next, and they rescore its leads: once is enough
    PERFORM outreach.rescore_leads(array_agg(n.team_id), array_agg(n.lead_id))
    FROM changed_leads n
    WHERE n.is_active
      AND NOT (TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM outreach.data_sources d
                                            WHERE d.team_id = n.team_id AND d.data_source_id = n.data_source_id AND d.state = 'resolving'));
    RETURN NULL;
END
$fn$;
CREATE TRIGGER rescore_inserted AFTER INSERT ON outreach.leads
    REFERENCING NEW TABLE AS changed_leads FOR EACH STATEMENT EXECUTE FUNCTION outreach.leads_rescore();
CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.leads
    REFERENCING NEW TABLE AS changed_leads FOR EACH STATEMENT EXECUTE FUNCTION outreach.leads_rescore();

-- Changes to a persona or what hangs off it rescore its active leads.
CREATE FUNCTION outreach.persona_rows_rescore() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM outreach.rescore_leads(array_agg(l.team_id), array_agg(l.lead_id))
        FROM outreach.leads l
        WHERE l.is_active AND (l.team_id, l.persona_id) IN (SELECT o.team_id, o.persona_id FROM old_rows o);
    ELSE
        PERFORM outreach.rescore_leads(array_agg(l.team_id), array_agg(l.lead_id))
        FROM outreach.leads l
        WHERE l.is_active AND (l.team_id, l.persona_id) IN (SELECT n.team_id, n.persona_id FROM new_rows n);
    END IF;
    RETURN NULL;
END
$fn$;
CREATE FUNCTION outreach.business_rows_rescore() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM outreach.rescore_leads(array_agg(l.team_id), array_agg(l.lead_id))
    FROM outreach.leads l
    WHERE l.is_active AND (l.team_id, l.business_id) IN (SELECT n.team_id, n.business_id FROM new_rows n);
    RETURN NULL;
END
$fn$;
CREATE FUNCTION outreach.source_rows_rescore() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM outreach.rescore_leads(array_agg(n.team_id), array_agg(n.lead_id))
    FROM (SELECT DISTINCT s.team_id, s.lead_id FROM new_rows s WHERE s.lead_id IS NOT NULL) n;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER rescore_inserted AFTER INSERT ON outreach.personas
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.persona_rows_rescore();
CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.personas
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.persona_rows_rescore();
CREATE TRIGGER rescore_inserted AFTER INSERT ON outreach.persona_phones
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.persona_rows_rescore();
CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.persona_phones
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.persona_rows_rescore();
CREATE TRIGGER rescore_deleted AFTER DELETE ON outreach.persona_phones
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.persona_rows_rescore();
CREATE TRIGGER rescore_inserted AFTER INSERT ON outreach.persona_emails
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.persona_rows_rescore();
CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.persona_emails
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.persona_rows_rescore();
CREATE TRIGGER rescore_deleted AFTER DELETE ON outreach.persona_emails
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.persona_rows_rescore();
CREATE TRIGGER rescore_inserted AFTER INSERT ON outreach.businesses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.business_rows_rescore();
CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.businesses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.business_rows_rescore();
CREATE TRIGGER rescore_inserted AFTER INSERT ON outreach.source_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.source_rows_rescore();
CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.source_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.source_rows_rescore();

-- New weights rescore the team.
CREATE FUNCTION outreach.score_weights_rescore() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM outreach.rescore_leads(array_agg(l.team_id), array_agg(l.lead_id))
    FROM outreach.leads l
    WHERE l.is_active AND l.team_id IN (SELECT n.team_id FROM new_rows n);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER rescore_team AFTER UPDATE ON outreach.score_weights
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.score_weights_rescore();

REVOKE ALL ON FUNCTION outreach.run_score_sql(text, text[], bigint[]), outreach.leads_rescore(), outreach.persona_rows_rescore(), outreach.business_rows_rescore(),
    outreach.source_rows_rescore(), outreach.score_weights_rescore(), outreach.rescore_leads(text[], bigint[]),
    outreach.lead_score_components(text[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outreach.lead_score_components(text[], bigint[]) TO outreach_operator, outreach_admin;

-- Why a lead has its score: one row per component, with the value it looked at.
CREATE FUNCTION outreach.explain_score(team_id text, lead_id bigint)
    RETURNS TABLE (component text, earned boolean, points integer, detail text, description text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    PERFORM outreach.check_team(explain_score.team_id);
    IF NOT EXISTS (SELECT 1 FROM outreach.leads l WHERE l.team_id = explain_score.team_id AND l.lead_id = explain_score.lead_id) THEN
        RAISE EXCEPTION 'team "%" has no lead %', explain_score.team_id, explain_score.lead_id USING ERRCODE = 'undefined_object';
    END IF;
    RETURN QUERY
    SELECT c.component, c.earned, CASE WHEN c.earned THEN c.points ELSE 0 END, c.detail, d.description
    FROM outreach.lead_score_components(ARRAY[explain_score.team_id], ARRAY[explain_score.lead_id]) c
    JOIN outreach.default_score_weights() d ON d.component = c.component
    ORDER BY c.earned DESC, c.points DESC, c.component;
END
$fn$;
COMMENT ON FUNCTION outreach.explain_score(text, bigint) IS
    'The components of a lead''s score: earned or not, the points it adds (the team''s score_weights), the value it looked at and '
    'what it rewards. The earned points add up to leads.score.';
-- Consent, suppression and the rules of texting (../shared/reference/compliance.md §7), as data a
-- team can read and edit. The gate that applies them is outreach.can_send (40_gate.sql).

-- ---- consent: an append-only log, and the suppression derived from it ---------------------------
CREATE TABLE outreach.consent_log (
    team_id     text NOT NULL REFERENCES outreach.teams (team_id),
    event_id    bigint GENERATED BY DEFAULT AS IDENTITY,
    phone       text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    kind        text NOT NULL CHECK (kind IN ('opt_in', 'opt_out')),
    source      text NOT NULL CHECK (source ~ '^[a-z0-9][a-z0-9_.:-]*$'),
    evidence    jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (pg_catalog.jsonb_typeof(evidence) = 'object'),
    occurred_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by text NOT NULL DEFAULT current_user,
    PRIMARY KEY (team_id, event_id)
);
CREATE INDEX consent_log_phone ON outreach.consent_log (team_id, phone, occurred_at, event_id);
COMMENT ON TABLE outreach.consent_log IS
    'Every consent event of a phone number, never updated or deleted: opt_out (a STOP reply, an operator''s do-not-contact, a '
    'carrier''s unsubscribed error) or opt_in (START, UNSTOP, documented written consent). The latest event of a number decides '
    'whether it is suppressed (outreach.suppression_list). Record with outreach.suppress_phone / outreach.record_consent.';
COMMENT ON COLUMN outreach.consent_log.source IS
    'Where the event came from, a short code: stop_keyword, operator, carrier_21610, import, start_keyword, web_form, ...';
COMMENT ON COLUMN outreach.consent_log.evidence IS 'What proves it: the inbound message, the operator''s note, the provider''s error, ...';
COMMENT ON COLUMN outreach.consent_log.occurred_at IS 'When the person gave or revoked consent (recorded_at is when we learned it).';

CREATE FUNCTION outreach.consent_log_append_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RAISE EXCEPTION 'consent_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Record a new event instead (outreach.record_consent or outreach.suppress_phone).';
END
$fn$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON outreach.consent_log
    FOR EACH ROW EXECUTE FUNCTION outreach.consent_log_append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON outreach.consent_log
    FOR EACH STATEMENT EXECUTE FUNCTION outreach.consent_log_append_only();

CREATE TABLE outreach.suppression_list (
    team_id       text NOT NULL,
    phone         text NOT NULL,
    source        text NOT NULL,
    event_id      bigint NOT NULL,
    suppressed_at timestamptz NOT NULL,
    PRIMARY KEY (team_id, phone),
    FOREIGN KEY (team_id, event_id) REFERENCES outreach.consent_log (team_id, event_id)
);
COMMENT ON TABLE outreach.suppression_list IS
    'Numbers that must not be texted: those whose latest consent_log event is an opt_out. Derived from consent_log by a trigger; '
    'it cannot be written directly.';

-- Keeps suppression_list equal to "latest event is opt_out" for each number the log receives, and
-- cancels what is queued for a number that opts out, whatever wrote the event. The exclusive
-- lock orders the event against sends to the number (see outreach.sms_messages_refuse_suppressed).
CREATE FUNCTION outreach.consent_log_derive() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    latest outreach.consent_log;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(outreach.phone_lock_key(NEW.team_id, NEW.phone));
    SELECT * INTO latest FROM outreach.consent_log c
    WHERE c.team_id = NEW.team_id AND c.phone = NEW.phone
    ORDER BY c.occurred_at DESC, c.event_id DESC LIMIT 1;
    IF latest.kind = 'opt_out' THEN
        INSERT INTO outreach.suppression_list AS s (team_id, phone, source, event_id, suppressed_at)
        VALUES (latest.team_id, latest.phone, latest.source, latest.event_id, latest.occurred_at)
        ON CONFLICT (team_id, phone) DO UPDATE SET source = EXCLUDED.source, event_id = EXCLUDED.event_id,
                                                   suppressed_at = EXCLUDED.suppressed_at;
        WITH cancelled AS (
            UPDATE outreach.campaign_queue q SET state = 'cancelled', cancel_reason = 'suppressed', updated_at = pg_catalog.now()
            WHERE q.team_id = NEW.team_id AND q.phone = NEW.phone AND q.state IN ('queued', 'claimed')
            RETURNING q.queue_id, q.campaign_id, q.lead_id, q.step
        )
        INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, reasons)
        SELECT NEW.team_id, c.campaign_id, c.queue_id, c.lead_id, c.step, 'cancelled', ARRAY['suppressed'] FROM cancelled c;
    ELSE
        DELETE FROM outreach.suppression_list s WHERE s.team_id = NEW.team_id AND s.phone = NEW.phone;
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.consent_log_derive() FROM PUBLIC;
CREATE TRIGGER derive_suppression AFTER INSERT ON outreach.consent_log
    FOR EACH ROW EXECUTE FUNCTION outreach.consent_log_derive();

CREATE FUNCTION outreach.suppression_list_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pg_catalog.pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'suppression_list is derived from consent_log and cannot be changed directly'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Use outreach.suppress_phone(team_id, phone, source) or outreach.record_consent(...).';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;
CREATE TRIGGER derived_only BEFORE INSERT OR UPDATE OR DELETE ON outreach.suppression_list
    FOR EACH ROW EXECUTE FUNCTION outreach.suppression_list_guard();
CREATE TRIGGER derived_only_truncate BEFORE TRUNCATE ON outreach.suppression_list
    FOR EACH STATEMENT EXECUTE FUNCTION outreach.suppression_list_guard();

-- ---- the rules: quiet hours, state bans, frequency caps, 10DLC throughput -------------------------
CREATE TABLE outreach.quiet_hour_rules (
    team_id     text NOT NULL REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    rule_id     bigint GENERATED BY DEFAULT AS IDENTITY,
    state       text NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    days        smallint[] CHECK (days <@ '{1,2,3,4,5,6,7}'::smallint[] AND cardinality(days) > 0),
    start_local time NOT NULL,
    end_local   time NOT NULL,
    source      text,
    PRIMARY KEY (team_id, rule_id),
    CHECK (start_local < end_local)
);
COMMENT ON TABLE outreach.quiet_hour_rules IS
    'When texting is allowed, in the recipient''s local time: [start_local, end_local) on the ISO weekdays in days (NULL: every '
    'day), for recipients in state (US: everyone). Every applicable rule must allow the time, in every zone the recipient may '
    'be in. A recipient whose state is unknown gets every rule (the strictest). Each team starts with compliance.md §7.4.';

CREATE TABLE outreach.state_bans (
    team_id text NOT NULL REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    state   text NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    reason  text NOT NULL,
    PRIMARY KEY (team_id, state)
);
COMMENT ON TABLE outreach.state_bans IS
    'States whose residents are not texted at all (commercial texts): each team starts with Washington, RCW 19.190.060. '
    'A lead''s state is its address, ZIP, or else its phone''s area code.';

CREATE TABLE outreach.compliance_settings (
    team_id          text PRIMARY KEY REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    frequency_cap    integer NOT NULL DEFAULT 3 CHECK (frequency_cap >= 1),
    frequency_window interval NOT NULL DEFAULT '24 hours' CHECK (frequency_window > '0'::interval),
    updated_at       timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE outreach.compliance_settings IS
    'Per-team limits: at most frequency_cap texts to one number in any rolling frequency_window, across every campaign, '
    'operator and provider (Florida 501.616(6)(b), Oklahoma, Maryland: 3 per 24 hours; compliance.md §7.5).';

CREATE TABLE outreach.sender_limits (
    team_id   text NOT NULL REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    brand     text NOT NULL DEFAULT 'default',
    daily_cap integer NOT NULL DEFAULT 2000 CHECK (daily_cap >= 0),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, brand)
);
COMMENT ON TABLE outreach.sender_limits IS
    '10DLC daily cap per brand in SMS segments, shared by all its campaigns; the day starts at midnight US Pacific '
    '(T-Mobile; compliance.md §7.6). The default 2,000 is T-Mobile''s Basic tier: raise it to the brand''s vetted tier.';

CREATE FUNCTION outreach.default_quiet_hour_rules()
    RETURNS TABLE (state text, days smallint[], start_local time, end_local time, source text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    VALUES ('US', NULL::smallint[], '08:00'::time, '21:00'::time, 'Federal TCPA, 47 CFR 64.1200(c)(1)'),
           ('FL', NULL, '08:00', '20:00', 'Fla. Stat. 501.616(6)(a)'),
           ('OK', NULL, '08:00', '20:00', 'Oklahoma Telephone Solicitation Act of 2022 (HB 3168)'),
           ('MD', NULL, '08:00', '20:00', 'Maryland Stop the Spam Calls Act of 2023'),
           ('WA', NULL, '08:00', '20:00', 'RCW 80.36.390'),
           ('CT', NULL, '09:00', '20:00', 'Connecticut (aggregator tables; verify)'),
           ('TX', '{1,2,3,4,5,6}', '09:00', '21:00', 'Texas SB 140 (aggregator tables; verify)'),
           ('TX', '{7}', '12:00', '21:00', 'Texas SB 140 (aggregator tables; verify)'),
           ('RI', '{1,2,3,4,5}', '09:00', '18:00', 'Rhode Island (aggregator tables; verify)'),
           ('RI', '{6,7}', '10:00', '17:00', 'Rhode Island (aggregator tables; verify)'),
           ('KY', NULL, '10:00', '21:00', 'Kentucky (aggregator tables; verify)')
$fn$;
COMMENT ON FUNCTION outreach.default_quiet_hour_rules() IS 'The quiet-hour rules every team starts with (compliance.md §7.4).';

CREATE FUNCTION outreach.teams_seed_compliance() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO outreach.quiet_hour_rules (team_id, state, days, start_local, end_local, source)
    SELECT NEW.team_id, d.state, d.days, d.start_local, d.end_local, d.source FROM outreach.default_quiet_hour_rules() d;
    INSERT INTO outreach.state_bans (team_id, state, reason)
    VALUES (NEW.team_id, 'WA', 'Unsolicited commercial text messages to Washington residents are prohibited (RCW 19.190.060)')
    ON CONFLICT DO NOTHING;
    INSERT INTO outreach.compliance_settings (team_id) VALUES (NEW.team_id) ON CONFLICT DO NOTHING;
    INSERT INTO outreach.sender_limits (team_id) VALUES (NEW.team_id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.teams_seed_compliance() FROM PUBLIC;
CREATE TRIGGER seed_compliance AFTER INSERT ON outreach.teams
    FOR EACH ROW EXECUTE FUNCTION outreach.teams_seed_compliance();

-- ---- outbound texts ---------------------------------------------------------------------------
-- One row per text that was (or is being) handed to a provider: what the frequency cap counts, and
-- what the sending side (outreachd) moves through its states.
CREATE TABLE outreach.sms_messages (
    team_id             text NOT NULL,
    sms_message_id      bigint GENERATED BY DEFAULT AS IDENTITY,
    lead_id             bigint,
    campaign_id         bigint,
    step                integer,
    queue_id            bigint,
    to_phone            text NOT NULL CHECK (to_phone ~ '^\+[1-9][0-9]{6,14}$'),
    body                text NOT NULL CHECK (body <> ''),
    encoding            text NOT NULL CHECK (encoding IN ('GSM-7', 'UCS-2')),
    segments            integer NOT NULL CHECK (segments >= 1),
    provider            text,
    provider_message_id text,
    state               text NOT NULL DEFAULT 'sending'
                        CHECK (state IN ('claimed', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'unknown')),
    error_code          text,
    error_message       text,
    sandbox             boolean NOT NULL DEFAULT false,
    request             jsonb,
    worker              text,
    lease_until         timestamptz,
    attempted_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    completed_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, sms_message_id)
);
CREATE INDEX sms_messages_recipient ON outreach.sms_messages (team_id, to_phone, attempted_at);
CREATE INDEX sms_messages_campaign ON outreach.sms_messages (team_id, campaign_id, attempted_at) WHERE campaign_id IS NOT NULL;
CREATE INDEX sms_messages_team_time ON outreach.sms_messages (team_id, attempted_at);
COMMENT ON TABLE outreach.sms_messages IS
    'Outbound texts, one row per attempt (campaign sends and operator sends alike). claimed: a worker holds it and has not '
    'started; sending: committed just before the HTTP call; then sent, delivered, undelivered, failed (the provider did not '
    'take it, or it never started) or unknown (it may have been sent: never retried automatically). A row to a suppressed '
    'number cannot be inserted, whatever inserts it.';
COMMENT ON COLUMN outreach.sms_messages.sandbox IS 'Recorded by a provider in sandbox mode (no credentials): what would have been sent; no network was touched.';
COMMENT ON COLUMN outreach.sms_messages.request IS 'The provider request as sent (or, in sandbox mode, as it would have been), without credentials.';
COMMENT ON COLUMN outreach.sms_messages.lease_until IS 'A sending row whose worker has not reported by then becomes unknown (never re-sent automatically).';
COMMENT ON COLUMN outreach.sms_messages.attempted_at IS 'When the send was committed as sending: the time the frequency cap and throughput caps count.';
-- Step 5 of the journey (design.md §3): templates, campaigns and their drip steps, and the queue of
-- messages a preparation schedules.

CREATE TABLE outreach.templates (
    team_id      text NOT NULL REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    template_id  bigint GENERATED BY DEFAULT AS IDENTITY,
    name         text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]*$'),
    variant      text NOT NULL DEFAULT 'A' CHECK (variant ~ '^[A-Za-z0-9_-]{1,16}$'),
    weight       integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 0 AND 1000),
    body         text NOT NULL,
    fallbacks    jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (pg_catalog.jsonb_typeof(fallbacks) = 'object'),
    max_segments integer NOT NULL DEFAULT 3 CHECK (max_segments BETWEEN 1 AND 10),
    variables    text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, template_id),
    UNIQUE (team_id, name, variant)
);
COMMENT ON TABLE outreach.templates IS
    'Message templates: body with {{firstName}} {{lastName}} {{company}} {{city}} {{state}} {{industry}}, each with an optional '
    'inline fallback ({{firstName|there}}) or one in fallbacks ({"firstName": "there"}). The rows of one name are its A/B '
    'variants: a lead gets one variant, chosen by a stable hash in proportion to weight. Rendered with outreach.render_template.';
COMMENT ON COLUMN outreach.templates.variables IS 'The variables the body uses (set from the body; an unknown variable is refused).';
COMMENT ON COLUMN outreach.templates.max_segments IS 'A preparation refuses the template if any rendered message would need more SMS segments.';

-- The variables a template may use, and what each is filled with.
CREATE FUNCTION outreach.template_variable_names() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '{firstName,lastName,fullName,company,city,state,zip,industry}'::text[];
COMMENT ON FUNCTION outreach.template_variable_names() IS
    'Variables of templates: firstName, lastName, fullName (the owner), company, city, state, zip, industry (the company''s '
    'industry as the import file described it, e.g. a "SIC Description" or "Industry" column).';

CREATE FUNCTION outreach.templates_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    unknown text[];
BEGIN
    IF pg_catalog.btrim(NEW.body) = '' THEN
        RAISE EXCEPTION 'template "%" variant %: the body is empty', NEW.name, NEW.variant USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
        NEW.variables := outreach.template_variables(NEW.body);
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'template "%" variant %: %', NEW.name, NEW.variant, SQLERRM USING ERRCODE = 'invalid_parameter_value';
    END;
    SELECT array_agg(v) INTO unknown FROM unnest(NEW.variables) AS v WHERE v <> ALL (outreach.template_variable_names());
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'template "%" variant %: unknown variable%: %', NEW.name, NEW.variant,
                        CASE WHEN cardinality(unknown) > 1 THEN 's' ELSE '' END, array_to_string(unknown, ', ')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Templates may use ' || array_to_string(outreach.template_variable_names(), ', ') || '.';
    END IF;
    SELECT array_agg(k) INTO unknown FROM jsonb_object_keys(NEW.fallbacks) AS k WHERE k <> ALL (outreach.template_variable_names());
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'template "%" variant %: fallback for unknown variable %', NEW.name, NEW.variant, array_to_string(unknown, ', ')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN NEW;
END
$fn$;
CREATE TRIGGER check_body BEFORE INSERT OR UPDATE OF body, fallbacks ON outreach.templates
    FOR EACH ROW EXECUTE FUNCTION outreach.templates_check();

CREATE TABLE outreach.campaigns (
    team_id            text NOT NULL REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    campaign_id        bigint GENERATED BY DEFAULT AS IDENTITY,
    name               text NOT NULL,
    state              text NOT NULL DEFAULT 'draft'
                       CHECK (state IN ('draft', 'prepared', 'active', 'paused', 'completed', 'cancelled')),
    criteria           jsonb NOT NULL DEFAULT '{}'::jsonb,
    brand              text NOT NULL DEFAULT 'default',
    send_window_start  time NOT NULL DEFAULT '09:00',
    send_window_end    time NOT NULL DEFAULT '17:00',
    preferred_days     smallint[] NOT NULL DEFAULT '{1,2,3,4,5}'
                       CHECK (preferred_days <@ '{1,2,3,4,5,6,7}'::smallint[] AND cardinality(preferred_days) > 0),
    min_spacing        interval NOT NULL DEFAULT '30 seconds' CHECK (min_spacing >= '0'::interval),
    max_per_day        integer NOT NULL DEFAULT 500 CHECK (max_per_day >= 1),
    per_minute_cap     integer NOT NULL DEFAULT 240 CHECK (per_minute_cap >= 1),
    created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    prepared_at        timestamptz,
    PRIMARY KEY (team_id, campaign_id),
    CHECK (send_window_start < send_window_end)
);
COMMENT ON TABLE outreach.campaigns IS
    'An outreach campaign: who (criteria, see outreach.campaign_selection), what (campaign_sequences -> templates) and when '
    '(the scheduling rules below, in each lead''s local time). state: draft -> prepared (queued) -> active -> completed, '
    'or paused / cancelled.';
COMMENT ON COLUMN outreach.campaigns.criteria IS
    'Selection criteria, a JSON object with any of: min_score, max_score, statuses, tags (any of), exclude_tags, states, zips, '
    'radius {"zip" or "lat"/"lng", "miles"}, sic_codes / naics_codes (prefixes), min_employees, max_employees, min_revenue, '
    'max_revenue, enrichment_statuses, last_contacted_before (timestamp), never_contacted (boolean).';
COMMENT ON COLUMN outreach.campaigns.send_window_start IS 'Business hours in the lead''s local time (every zone the lead may be in), within quiet hours.';
COMMENT ON COLUMN outreach.campaigns.preferred_days IS 'ISO weekdays (1 = Monday ... 7 = Sunday) on which the campaign texts, in the lead''s local calendar.';
COMMENT ON COLUMN outreach.campaigns.min_spacing IS 'Least time between two messages of this campaign (pacing of the sender).';
COMMENT ON COLUMN outreach.campaigns.max_per_day IS 'Most messages this campaign schedules on one day.';
COMMENT ON COLUMN outreach.campaigns.per_minute_cap IS
    '10DLC throughput of the campaign in messages per minute (AT&T class E/F: 240, the strictest; compliance.md §7.6).';
COMMENT ON COLUMN outreach.campaigns.brand IS 'The 10DLC brand the campaign sends under (its daily cap is in sender_limits).';

CREATE TABLE outreach.campaign_sequences (
    team_id       text NOT NULL,
    campaign_id   bigint NOT NULL,
    step          integer NOT NULL CHECK (step >= 1),
    delay         interval NOT NULL DEFAULT '0' CHECK (delay >= '0'::interval),
    template_name text NOT NULL,
    PRIMARY KEY (team_id, campaign_id, step),
    FOREIGN KEY (team_id, campaign_id) REFERENCES outreach.campaigns (team_id, campaign_id) ON DELETE CASCADE
);
COMMENT ON TABLE outreach.campaign_sequences IS
    'The drip steps of a campaign: step 1 goes out first; step n at least delay after step n-1 (then at the next allowed time). '
    'template_name names templates rows (all their variants).';

CREATE TABLE outreach.campaign_queue (
    team_id        text NOT NULL,
    queue_id       bigint GENERATED BY DEFAULT AS IDENTITY,
    campaign_id    bigint NOT NULL,
    lead_id        bigint NOT NULL,
    step           integer NOT NULL,
    template_id    bigint NOT NULL,
    variant        text NOT NULL,
    phone          text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    body           text NOT NULL CHECK (body <> ''),
    encoding       text NOT NULL CHECK (encoding IN ('GSM-7', 'UCS-2')),
    segments       integer NOT NULL CHECK (segments >= 1),
    timezone       text,
    scheduled_at   timestamptz NOT NULL,
    local_send_at  timestamp NOT NULL,
    state          text NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'claimed', 'sending', 'sent', 'failed', 'unknown', 'cancelled')),
    cancel_reason  text,
    sms_message_id bigint,
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, queue_id),
    -- a lead selected twice (two overlapping segments, a second preparation) is queued once
    UNIQUE (team_id, campaign_id, lead_id, step),
    FOREIGN KEY (team_id, campaign_id) REFERENCES outreach.campaigns (team_id, campaign_id),
    CHECK ((state = 'cancelled') = (cancel_reason IS NOT NULL))
);
CREATE INDEX campaign_queue_due ON outreach.campaign_queue (team_id, scheduled_at) WHERE state = 'queued';
CREATE INDEX campaign_queue_phone ON outreach.campaign_queue (team_id, phone) WHERE state IN ('queued', 'claimed');
COMMENT ON TABLE outreach.campaign_queue IS
    'Messages a preparation scheduled: one per (campaign, lead, step), rendered, with the time it may go out (scheduled_at; '
    'local_send_at in timezone, the lead''s primary zone). A row to a suppressed number cannot be queued; a STOP cancels the '
    'number''s queued rows. The sender claims due rows and checks outreach.can_send again in the claiming transaction.';

CREATE TABLE outreach.scheduled_events (
    team_id      text NOT NULL,
    event_id     bigint GENERATED BY DEFAULT AS IDENTITY,
    campaign_id  bigint NOT NULL,
    queue_id     bigint,
    lead_id      bigint NOT NULL,
    step         integer,
    kind         text NOT NULL CHECK (kind IN ('scheduled', 'skipped', 'rescheduled', 'cancelled')),
    scheduled_at timestamptz,
    reasons      text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, event_id)
);
CREATE INDEX scheduled_events_lead ON outreach.scheduled_events (team_id, lead_id);
CREATE INDEX scheduled_events_campaign ON outreach.scheduled_events (team_id, campaign_id, kind);
COMMENT ON TABLE outreach.scheduled_events IS
    'What happened to each selected lead''s schedule and why: scheduled (queued for scheduled_at), skipped (not queued: reasons '
    'such as suppressed, state_ban, no_phone, no_send_window), rescheduled, cancelled (e.g. suppressed after a STOP).';
-- The compliance gate: one truth about whether a lead may be texted at a given moment. Preview,
-- preparation, the sender's claim and operator sends all ask outreach.can_send (or its set form
-- outreach.send_blockers, which can_send is a one-row call of).
--
-- Reason codes (stable, in this order):
--   lead_inactive   the lead does not exist or was merged away
--   no_phone        no valid number to text
--   suppressed      the number's latest consent event is an opt-out (STOP, operator DNC, carrier), or the lead is do_not_contact
--   state_ban       the lead is in a state of state_bans (Washington, RCW 19.190.060)
--   quiet_hours     outside the allowed hours of a quiet_hour_rules row, in one of the lead's zones (all of them count)
--   frequency_cap   the number already got frequency_cap texts in the rolling frequency_window (all campaigns, all providers)
--   duplicate_step  this campaign step was already sent (or may have been) to the lead
--   throughput_cap  the campaign reached its per-minute cap in the minute before `at`
--   daily_cap       the brand reached its daily segment cap (the day starts at midnight US Pacific)

-- The zones whose clocks matter for a lead: every zone it may be in, or, when nothing is known,
-- every zone of the contiguous US (so the strictest window applies).
CREATE FUNCTION outreach.contiguous_us_zones() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '{America/New_York,America/Chicago,America/Denver,America/Phoenix,America/Los_Angeles}'::text[];
COMMENT ON FUNCTION outreach.contiguous_us_zones() IS 'The zones of the contiguous US: a lead with no known zone must be in hours in all of them.';

CREATE FUNCTION outreach.lead_zones(state text, zip text, phone text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN cardinality(outreach.timezones_for(state, zip, phone)) > 0 THEN outreach.timezones_for(state, zip, phone)
            ELSE outreach.contiguous_us_zones() END;
COMMENT ON FUNCTION outreach.lead_zones(text, text, text) IS
    'Every IANA zone a lead may be in (outreach.timezones_for), or all contiguous-US zones when none is known.';

-- The state whose rules apply: the lead's address or ZIP, else its number's area code.
CREATE FUNCTION outreach.rules_state(state text, phone text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN coalesce(state, (SELECT a.region FROM outreach.area_codes a WHERE phone LIKE '+1%' AND a.npa = substr(phone, 3, 3)));
COMMENT ON FUNCTION outreach.rules_state(text, text) IS
    'The state whose texting rules apply to a lead: its known state, else the region of its phone''s area code; NULL if neither.';

-- True when `at` is outside the allowed hours of an applicable rule in any of the zones. A lead
-- with no known state gets every rule.
CREATE FUNCTION outreach.in_quiet_hours(team_id text, zones text[], state text, at timestamptz) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN EXISTS (
    SELECT 1
    FROM unnest(zones) AS z (zone)
    CROSS JOIN LATERAL (SELECT at AT TIME ZONE z.zone AS local) l
    JOIN outreach.quiet_hour_rules r
      ON r.team_id = in_quiet_hours.team_id
     AND (r.state = 'US' OR in_quiet_hours.state IS NULL OR r.state = in_quiet_hours.state)
     AND (r.days IS NULL OR extract(isodow FROM l.local)::smallint = ANY (r.days))
    WHERE NOT (l.local::time >= r.start_local AND l.local::time < r.end_local)
);
COMMENT ON FUNCTION outreach.in_quiet_hours(text, text[], text, timestamptz) IS
    'Whether `at` falls in quiet hours for a recipient in these zones and state: outside [start_local, end_local) of any '
    'applicable quiet_hour_rules row in any zone (local time, so DST and Arizona are the tz database''s business).';

-- When a campaign may text a lead on local date `day`: the business hours and preferred days,
-- inside every applicable quiet-hour rule, in every zone at once. NULL when there is no such time.
CREATE FUNCTION outreach.send_window(team_id text, zones text[], state text, day date, window_start time, window_end time,
                                     preferred_days smallint[], OUT starts_at timestamptz, OUT ends_at timestamptz)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH hours AS (
        SELECT greatest(window_start, max(r.start_local)) AS lo, least(window_end, min(r.end_local)) AS hi
        FROM outreach.quiet_hour_rules r
        WHERE r.team_id = send_window.team_id AND (r.state = 'US' OR send_window.state IS NULL OR r.state = send_window.state)
          AND (r.days IS NULL OR extract(isodow FROM day)::smallint = ANY (r.days))
    ),
    w AS (
        SELECT max((day + h.lo) AT TIME ZONE z) AS s, min((day + h.hi) AT TIME ZONE z) AS e
        FROM hours h, unnest(zones) AS z
        WHERE h.lo < h.hi AND extract(isodow FROM day)::smallint = ANY (preferred_days)
    )
    SELECT w.s, w.e FROM w WHERE w.s < w.e
$fn$;
COMMENT ON FUNCTION outreach.send_window(text, text[], text, date, time, time, smallint[]) IS
    'The instants of local date `day` at which a campaign with these business hours and preferred days may text a recipient '
    'in all these zones under the team''s quiet-hour rules: [starts_at, ends_at), or no row.';

-- Every reason each (lead, at) may not be texted; an empty array means it may. campaign_id and
-- steps (one per lead; NULL for none) add the campaign checks.
CREATE FUNCTION outreach.send_blockers(team_id text, lead_ids bigint[], ats timestamptz[], campaign_id bigint DEFAULT NULL,
                                       steps integer[] DEFAULT NULL)
    RETURNS TABLE (ord bigint, lead_id bigint, at timestamptz, phone text, zones text[], reasons text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH req AS (
        SELECT u.ord, u.lead_id, u.at, u.step
        FROM unnest(lead_ids, ats, coalesce(steps, array_fill(NULL::integer, ARRAY[cardinality(lead_ids)])))
             WITH ORDINALITY AS u (lead_id, at, step, ord)
    ),
    lead AS (
        SELECT y.*, outreach.lead_zones(y.state, y.zip, y.phone) AS zones
        FROM (SELECT r.*, t.lead_id IS NOT NULL AS active, t.status, t.phone, t.zip,
                     coalesce(t.state, a.region) AS state  -- as outreach.rules_state, joined rather than called per lead
              FROM req r
              LEFT JOIN outreach.lead_targets t ON t.team_id = send_blockers.team_id AND t.lead_id = r.lead_id
              LEFT JOIN outreach.area_codes a ON t.state IS NULL AND t.phone LIKE '+1%' AND a.npa = substr(t.phone, 3, 3)) y
    ),
    -- quiet hours depend only on the zones, the state and the moment: computed once per profile
    quiet AS (
        SELECT p.st, p.zones, p.at, outreach.in_quiet_hours(send_blockers.team_id, p.zones, nullif(p.st, ''), p.at) AS quiet
        FROM (SELECT DISTINCT coalesce(x.state, '') AS st, x.zones, x.at FROM lead x WHERE x.active) p
    ),
    settings AS (
        SELECT coalesce(c.frequency_cap, 3) AS cap, coalesce(c.frequency_window, '24 hours'::interval) AS win
        FROM (SELECT 1) one LEFT JOIN outreach.compliance_settings c ON c.team_id = send_blockers.team_id
    ),
    campaign AS (
        SELECT c.per_minute_cap, c.brand, coalesce(sl.daily_cap, 2000) AS daily_cap
        FROM outreach.campaigns c
        LEFT JOIN outreach.sender_limits sl ON sl.team_id = c.team_id AND sl.brand = c.brand
        WHERE c.team_id = send_blockers.team_id AND c.campaign_id = send_blockers.campaign_id
    ),
    -- the campaign's sends in the minute before each moment, and its brand's segments since the
    -- last Pacific midnight: once per moment, not per lead
    caps AS (
        SELECT a.at, c.per_minute_cap, c.daily_cap,
               (SELECT count(*) FROM outreach.sms_messages m
                WHERE m.team_id = send_blockers.team_id AND m.campaign_id = send_blockers.campaign_id
                  AND m.state <> 'failed' AND m.attempted_at > a.at - interval '1 minute' AND m.attempted_at <= a.at) AS minute_sends,
               (SELECT coalesce(sum(m.segments), 0) FROM outreach.sms_messages m
                LEFT JOIN outreach.campaigns mc ON mc.team_id = m.team_id AND mc.campaign_id = m.campaign_id
                WHERE m.team_id = send_blockers.team_id AND m.state <> 'failed' AND coalesce(mc.brand, 'default') = c.brand
                  AND m.attempted_at >= (date_trunc('day', a.at AT TIME ZONE 'America/Los_Angeles') AT TIME ZONE 'America/Los_Angeles')
                  AND m.attempted_at <= a.at) AS day_segments
        FROM (SELECT DISTINCT x.at FROM lead x) a CROSS JOIN campaign c
    )
    SELECT x.ord, x.lead_id, x.at, x.phone, x.zones,
           array_remove(ARRAY[
               CASE WHEN NOT x.active THEN 'lead_inactive' END,
               CASE WHEN x.active AND x.phone IS NULL THEN 'no_phone' END,
               CASE WHEN x.status = 'do_not_contact'
                      OR EXISTS (SELECT 1 FROM outreach.suppression_list s WHERE s.team_id = send_blockers.team_id AND s.phone = x.phone)
                    THEN 'suppressed' END,
               CASE WHEN EXISTS (SELECT 1 FROM outreach.state_bans b WHERE b.team_id = send_blockers.team_id AND b.state = x.state)
                    THEN 'state_ban' END,
               CASE WHEN q.quiet THEN 'quiet_hours' END,
               CASE WHEN x.phone IS NOT NULL AND (
                        SELECT count(*) FROM outreach.sms_messages m
                        WHERE m.team_id = send_blockers.team_id AND m.to_phone = x.phone AND m.state <> 'failed'
                          AND m.attempted_at > x.at - s.win AND m.attempted_at <= x.at) >= s.cap
                    THEN 'frequency_cap' END,
               CASE WHEN x.step IS NOT NULL AND (
                        EXISTS (SELECT 1 FROM outreach.campaign_queue cq
                                WHERE cq.team_id = send_blockers.team_id AND cq.campaign_id = send_blockers.campaign_id
                                  AND cq.lead_id = x.lead_id AND cq.step = x.step AND cq.state IN ('sending', 'sent', 'unknown'))
                     OR EXISTS (SELECT 1 FROM outreach.sms_messages m
                                WHERE m.team_id = send_blockers.team_id AND m.campaign_id = send_blockers.campaign_id
                                  AND m.lead_id = x.lead_id AND m.step = x.step AND m.state <> 'failed'))
                    THEN 'duplicate_step' END,
               CASE WHEN k.minute_sends >= k.per_minute_cap THEN 'throughput_cap' END,
               CASE WHEN k.day_segments >= k.daily_cap THEN 'daily_cap' END
           ], NULL) AS reasons
    FROM lead x
    CROSS JOIN settings s
    LEFT JOIN quiet q ON q.st = coalesce(x.state, '') AND q.zones = x.zones AND q.at = x.at
    LEFT JOIN caps k ON k.at = x.at
    ORDER BY x.ord
$fn$;
COMMENT ON FUNCTION outreach.send_blockers(text, bigint[], timestamptz[], bigint, integer[]) IS
    'The compliance gate over many leads at once: for each (lead_ids[i], ats[i]) every reason it may not be texted then (see the '
    'codes at the top of 40_gate.sql), empty when it may; with the number it would go to and the zones whose clocks were read. '
    'With campaign_id and steps[i] it also checks duplicate_step, throughput_cap and daily_cap.';

-- The pinned gate.
CREATE FUNCTION outreach.can_send(team_id text, lead_id bigint, at timestamptz)
    RETURNS TABLE (allowed boolean, reasons text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT cardinality(b.reasons) = 0, b.reasons
    FROM outreach.send_blockers(can_send.team_id, ARRAY[can_send.lead_id], ARRAY[can_send.at]) b
$fn$;
COMMENT ON FUNCTION outreach.can_send(text, bigint, timestamptz) IS
    'Whether a lead may be texted at `at`, and every reason it may not: lead_inactive, no_phone, suppressed, state_ban, '
    'quiet_hours, frequency_cap. One row; reasons is empty when allowed. The one gate every path uses.';

CREATE FUNCTION outreach.can_send(team_id text, lead_id bigint, at timestamptz, campaign_id bigint, step integer)
    RETURNS TABLE (allowed boolean, reasons text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT cardinality(b.reasons) = 0, b.reasons
    FROM outreach.send_blockers(can_send.team_id, ARRAY[can_send.lead_id], ARRAY[can_send.at], can_send.campaign_id, ARRAY[can_send.step]) b
$fn$;
COMMENT ON FUNCTION outreach.can_send(text, bigint, timestamptz, bigint, integer) IS
    'outreach.can_send for a campaign step: also duplicate_step (the step already went, or may have), throughput_cap (the '
    'campaign''s per-minute cap) and daily_cap (the brand''s daily cap).';

-- ---- consent ------------------------------------------------------------------------------------
-- The lock that orders a consent change against sends to the same number: suppress_phone takes
-- it exclusively, every outbound row shares it, so a send either commits before the STOP or sees it.
CREATE FUNCTION outreach.phone_lock_key(team_id text, phone text) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.hashtextextended('outreach.phone:' || team_id || '|' || phone, 0);
COMMENT ON FUNCTION outreach.phone_lock_key(text, text) IS 'Internal: the advisory-lock key of a team''s phone number.';

CREATE FUNCTION outreach.record_consent(team_id text, phone text, kind text, source text, evidence jsonb DEFAULT '{}'::jsonb,
                                        occurred_at timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e164 text;
    id bigint;
BEGIN
    PERFORM outreach.check_team(record_consent.team_id);
    e164 := outreach.normalize_phone(record_consent.phone);
    IF e164 IS NULL THEN
        RAISE EXCEPTION 'cannot record % for %: not a valid phone number', coalesce(kind, 'consent'),
                        coalesce(quote_literal(record_consent.phone), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind IS NULL OR kind NOT IN ('opt_in', 'opt_out') THEN
        RAISE EXCEPTION 'consent kind must be opt_in or opt_out, not %', coalesce(quote_literal(kind), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF source IS NULL OR source !~ '^[a-z0-9][a-z0-9_.:-]*$' THEN
        RAISE EXCEPTION 'consent source must be a short lower-case code such as stop_keyword or operator, not %',
                        coalesce(quote_literal(source), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO outreach.consent_log (team_id, phone, kind, source, evidence, occurred_at)
    VALUES (record_consent.team_id, e164, kind, source, coalesce(evidence, '{}'::jsonb), coalesce(occurred_at, pg_catalog.now()))
    RETURNING event_id INTO id;
    RETURN id;
END
$fn$;
COMMENT ON FUNCTION outreach.record_consent(text, text, text, text, jsonb, timestamptz) IS
    'Appends a consent event (kind opt_in or opt_out) for a phone number in any format (normalized inside) and returns its '
    'event_id. An opt-out suppresses the number at once and cancels what is queued for it.';

CREATE FUNCTION outreach.suppress_phone(team_id text, phone text, source text) RETURNS bigint
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
RETURN outreach.record_consent(team_id, phone, 'opt_out', source);
COMMENT ON FUNCTION outreach.suppress_phone(text, text, text) IS
    'Records an opt-out of a phone number (any format; normalized inside) from source (stop_keyword, operator, carrier_21610, ...): '
    'the number is suppressed from now on for every campaign, operator and provider, and its queued messages are cancelled. '
    'Returns the consent_log event_id.';

-- ---- the backstops on outbound rows ---------------------------------------------------------------
-- Whatever inserts an outbound text, it is refused when the number is suppressed. The shared lock
-- waits for a STOP being recorded right now; the check then sees it (READ COMMITTED: a new snapshot).
CREATE FUNCTION outreach.sms_messages_refuse_suppressed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    s outreach.suppression_list;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(outreach.phone_lock_key(NEW.team_id, NEW.to_phone));
    SELECT * INTO s FROM outreach.suppression_list x WHERE x.team_id = NEW.team_id AND x.phone = NEW.to_phone;
    IF FOUND THEN
        RAISE EXCEPTION 'refused: % opted out (%); no text may be sent to it', NEW.to_phone, s.source
            USING ERRCODE = 'check_violation',
                  HINT = 'A new opt-in from the recipient (outreach.record_consent ... ''opt_in'') is the only way back.';
    END IF;
    IF NEW.lead_id IS NOT NULL AND EXISTS (SELECT 1 FROM outreach.leads l WHERE l.team_id = NEW.team_id AND l.lead_id = NEW.lead_id
                                                                         AND l.status = 'do_not_contact') THEN
        RAISE EXCEPTION 'refused: lead % is do_not_contact', NEW.lead_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.sms_messages_refuse_suppressed() FROM PUBLIC;
CREATE TRIGGER refuse_suppressed BEFORE INSERT OR UPDATE OF to_phone ON outreach.sms_messages
    FOR EACH ROW EXECUTE FUNCTION outreach.sms_messages_refuse_suppressed();

-- Queued rows in bulk: one set-based check per statement.
CREATE FUNCTION outreach.campaign_queue_refuse_suppressed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bad record;
BEGIN
    SELECT n.queue_id, n.lead_id, n.phone, s.source INTO bad
    FROM new_rows n
    JOIN outreach.suppression_list s ON s.team_id = n.team_id AND s.phone = n.phone
    WHERE n.state IN ('queued', 'claimed', 'sending')
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'refused: campaign_queue row for lead % goes to %, which opted out (%)', bad.lead_id, bad.phone, bad.source
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.campaign_queue_refuse_suppressed() FROM PUBLIC;
CREATE TRIGGER refuse_suppressed_insert AFTER INSERT ON outreach.campaign_queue
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.campaign_queue_refuse_suppressed();
CREATE TRIGGER refuse_suppressed_update AFTER UPDATE ON outreach.campaign_queue
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.campaign_queue_refuse_suppressed();
-- Campaign preparation: selection (with the reasons a lead is left out), preview, rendering and
-- scheduling in each lead's local time, then the queue.

-- Great-circle distance in statute miles (haversine; mean Earth radius 3958.8 mi = 6371.0 km).
CREATE FUNCTION outreach.distance_miles(lat1 double precision, lng1 double precision, lat2 double precision, lng2 double precision)
    RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN 2 * 3958.8 * asin(least(1.0, sqrt(power(sin(radians(lat2 - lat1) / 2), 2)
                                        + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lng2 - lng1) / 2), 2))));
COMMENT ON FUNCTION outreach.distance_miles(double precision, double precision, double precision, double precision) IS
    'Great-circle distance between two points in statute miles (haversine formula, Earth radius 3958.8 miles).';

-- Refuses criteria a campaign could not mean: unknown keys, wrong types, impossible ranges.
CREATE FUNCTION outreach.check_campaign_criteria(criteria jsonb) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k text;
    v jsonb;
    kinds constant jsonb := '{"min_score": "number", "max_score": "number", "statuses": "array", "tags": "array",
                              "exclude_tags": "array", "states": "array", "zips": "array", "radius": "object",
                              "sic_codes": "array", "naics_codes": "array", "min_employees": "number", "max_employees": "number",
                              "min_revenue": "number", "max_revenue": "number", "enrichment_statuses": "array",
                              "last_contacted_before": "string", "never_contacted": "boolean"}';
BEGIN
    IF criteria IS NULL OR jsonb_typeof(criteria) <> 'object' THEN
        RAISE EXCEPTION 'campaign criteria must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(criteria) LOOP
        IF NOT kinds ? k THEN
            RAISE EXCEPTION 'unknown campaign criterion "%"', k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Criteria are ' || (SELECT string_agg(x, ', ' ORDER BY x) FROM jsonb_object_keys(kinds) x) || '.';
        END IF;
        IF jsonb_typeof(v) <> kinds ->> k THEN
            RAISE EXCEPTION 'campaign criterion "%" must be a JSON %, not %', k, kinds ->> k, v USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF jsonb_typeof(v) = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements(v) e WHERE jsonb_typeof(e) <> 'string') THEN
            RAISE EXCEPTION 'campaign criterion "%" must be an array of strings, not %', k, v USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF criteria ? 'last_contacted_before' THEN
        BEGIN
            PERFORM (criteria ->> 'last_contacted_before')::timestamptz;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION 'campaign criterion "last_contacted_before" is not a timestamp: %', criteria ->> 'last_contacted_before'
                USING ERRCODE = 'invalid_parameter_value';
        END;
    END IF;
    IF criteria ? 'radius' THEN
        IF NOT (criteria -> 'radius' ? 'miles') OR jsonb_typeof(criteria #> '{radius,miles}') <> 'number'
           OR (criteria #>> '{radius,miles}')::numeric <= 0 THEN
            RAISE EXCEPTION 'campaign criterion "radius" needs "miles", a positive number: %', criteria -> 'radius'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF criteria -> 'radius' ? 'zip' THEN
            IF NOT EXISTS (SELECT 1 FROM outreach.zip_codes z WHERE z.zip = outreach.normalize_zip(criteria #>> '{radius,zip}')) THEN
                RAISE EXCEPTION 'campaign criterion "radius": ZIP % has no known coordinates', criteria #>> '{radius,zip}'
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        ELSIF jsonb_typeof(criteria #> '{radius,lat}') IS DISTINCT FROM 'number' OR jsonb_typeof(criteria #> '{radius,lng}') IS DISTINCT FROM 'number'
              OR abs((criteria #>> '{radius,lat}')::numeric) > 90 OR abs((criteria #>> '{radius,lng}')::numeric) > 180 THEN
            RAISE EXCEPTION 'campaign criterion "radius" needs a "zip" or numeric "lat" and "lng": %', criteria -> 'radius'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    IF (criteria ->> 'min_score')::numeric > (criteria ->> 'max_score')::numeric
       OR (criteria ->> 'min_employees')::numeric > (criteria ->> 'max_employees')::numeric
       OR (criteria ->> 'min_revenue')::numeric > (criteria ->> 'max_revenue')::numeric THEN
        RAISE EXCEPTION 'campaign criteria select nobody: a minimum is above its maximum (%)', criteria
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$fn$;
COMMENT ON FUNCTION outreach.check_campaign_criteria(jsonb) IS
    'Raises an error naming the criterion when campaign criteria have an unknown key, a wrong type or an impossible range.';

CREATE FUNCTION outreach.campaigns_check_criteria() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM outreach.check_campaign_criteria(NEW.criteria);
    RETURN NEW;
END
$fn$;
CREATE TRIGGER check_criteria BEFORE INSERT OR UPDATE OF criteria ON outreach.campaigns
    FOR EACH ROW EXECUTE FUNCTION outreach.campaigns_check_criteria();

-- Every active lead of the team and the criteria it fails (empty: selected).
CREATE FUNCTION outreach.campaign_selection(team_id text, criteria jsonb)
    RETURNS TABLE (lead_id bigint, score integer, reasons text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH c AS (
        SELECT (criteria ->> 'min_score')::numeric AS min_score, (criteria ->> 'max_score')::numeric AS max_score,
               CASE WHEN criteria ? 'statuses' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'statuses')) END AS statuses,
               CASE WHEN criteria ? 'tags' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'tags')) END AS tags,
               CASE WHEN criteria ? 'exclude_tags' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'exclude_tags')) END AS exclude_tags,
               CASE WHEN criteria ? 'states' THEN ARRAY(SELECT outreach.normalize_state(x) FROM jsonb_array_elements_text(criteria -> 'states') x) END AS states,
               CASE WHEN criteria ? 'zips' THEN ARRAY(SELECT outreach.normalize_zip(x) FROM jsonb_array_elements_text(criteria -> 'zips') x) END AS zips,
               CASE WHEN criteria ? 'sic_codes' THEN ARRAY(SELECT btrim(x) FROM jsonb_array_elements_text(criteria -> 'sic_codes') x) END AS sic_codes,
               CASE WHEN criteria ? 'naics_codes' THEN ARRAY(SELECT btrim(x) FROM jsonb_array_elements_text(criteria -> 'naics_codes') x) END AS naics_codes,
               (criteria ->> 'min_employees')::numeric AS min_employees, (criteria ->> 'max_employees')::numeric AS max_employees,
               (criteria ->> 'min_revenue')::numeric AS min_revenue, (criteria ->> 'max_revenue')::numeric AS max_revenue,
               CASE WHEN criteria ? 'enrichment_statuses' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'enrichment_statuses')) END AS enrichment,
               (criteria ->> 'last_contacted_before')::timestamptz AS contacted_before,
               coalesce((criteria ->> 'never_contacted')::boolean, false) AS never_contacted,
               (criteria #>> '{radius,miles}')::double precision AS miles,
               coalesce((criteria #>> '{radius,lat}')::double precision,
                        (SELECT z.lat FROM outreach.zip_codes z WHERE z.zip = outreach.normalize_zip(criteria #>> '{radius,zip}'))) AS lat,
               coalesce((criteria #>> '{radius,lng}')::double precision,
                        (SELECT z.lng FROM outreach.zip_codes z WHERE z.zip = outreach.normalize_zip(criteria #>> '{radius,zip}'))) AS lng
    )
    SELECT t.lead_id, t.score,
           array_remove(ARRAY[
               CASE WHEN t.score < c.min_score THEN 'score_below_min' END,
               CASE WHEN t.score > c.max_score THEN 'score_above_max' END,
               CASE WHEN t.status <> ALL (c.statuses) THEN 'status' END,
               CASE WHEN NOT (t.tags && c.tags) THEN 'missing_tag' END,
               CASE WHEN t.tags && c.exclude_tags THEN 'excluded_tag' END,
               CASE WHEN c.states IS NOT NULL AND (t.state IS NULL OR t.state <> ALL (c.states)) THEN 'state' END,
               CASE WHEN c.zips IS NOT NULL AND (t.zip IS NULL OR t.zip <> ALL (c.zips)) THEN 'zip' END,
               CASE WHEN c.miles IS NOT NULL AND z.lat IS NULL THEN 'no_location'
                    WHEN outreach.distance_miles(c.lat, c.lng, z.lat, z.lng) > c.miles THEN 'outside_radius' END,
               CASE WHEN c.sic_codes IS NOT NULL AND NOT coalesce((SELECT bool_or(starts_with(b.sic_code, p)) FROM unnest(c.sic_codes) p), false)
                    THEN 'sic' END,
               CASE WHEN c.naics_codes IS NOT NULL AND NOT coalesce((SELECT bool_or(starts_with(b.naics_code, p)) FROM unnest(c.naics_codes) p), false)
                    THEN 'naics' END,
               CASE WHEN (c.min_employees IS NOT NULL OR c.max_employees IS NOT NULL)
                     AND (b.employee_count IS NULL OR b.employee_count < c.min_employees OR b.employee_count > c.max_employees)
                    THEN 'employees' END,
               CASE WHEN (c.min_revenue IS NOT NULL OR c.max_revenue IS NOT NULL)
                     AND (b.annual_revenue IS NULL OR b.annual_revenue < c.min_revenue OR b.annual_revenue > c.max_revenue)
                    THEN 'revenue' END,
               CASE WHEN l.enrichment_status <> ALL (c.enrichment) THEN 'enrichment' END,
               CASE WHEN l.last_contacted_at >= c.contacted_before THEN 'contacted_recently' END,
               CASE WHEN c.never_contacted AND (l.last_contacted_at IS NOT NULL
                         OR EXISTS (SELECT 1 FROM outreach.sms_messages m
                                    WHERE m.team_id = l.team_id AND m.lead_id = l.lead_id AND m.state <> 'failed'))
                    THEN 'contacted_before' END
           ], NULL)
    FROM c
    CROSS JOIN outreach.lead_targets t
    JOIN outreach.leads l ON l.team_id = t.team_id AND l.lead_id = t.lead_id
    LEFT JOIN outreach.businesses b ON b.team_id = t.team_id AND b.business_id = t.business_id
    LEFT JOIN outreach.zip_codes z ON z.zip = t.zip
    WHERE t.team_id = campaign_selection.team_id
$fn$;
COMMENT ON FUNCTION outreach.campaign_selection(text, jsonb) IS
    'Every active lead of the team with the campaign criteria it fails: score_below_min, score_above_max, status, missing_tag, '
    'excluded_tag, state, zip, outside_radius, no_location (a radius and no coordinates for the lead''s ZIP), sic, naics, '
    'employees, revenue, enrichment, contacted_recently, contacted_before. Empty reasons: selected.';

-- Who a campaign would text, and why each of the others would not be: criteria, then the gate
-- reasons no schedule can change (no_phone, suppressed, state_ban), then already_queued.
CREATE FUNCTION outreach.preview_campaign(team_id text, campaign_id bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (lead_id bigint, selected boolean, reasons text[], score integer, phone text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    c outreach.campaigns;
BEGIN
    PERFORM outreach.check_team(preview_campaign.team_id);
    SELECT * INTO c FROM outreach.campaigns x WHERE x.team_id = preview_campaign.team_id AND x.campaign_id = preview_campaign.campaign_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no campaign %', preview_campaign.team_id, preview_campaign.campaign_id USING ERRCODE = 'undefined_object';
    END IF;
    RETURN QUERY
    WITH sel AS (
        SELECT s.lead_id, s.score, s.reasons FROM outreach.campaign_selection(c.team_id, c.criteria) s
    ),
    gate AS (
        SELECT g.lead_id, g.phone, g.reasons
        FROM outreach.send_blockers(c.team_id,
                                    ARRAY(SELECT s.lead_id FROM sel s WHERE cardinality(s.reasons) = 0 ORDER BY s.lead_id),
                                    ARRAY(SELECT preview_campaign.at FROM sel s WHERE cardinality(s.reasons) = 0 ORDER BY s.lead_id)) g
    )
    SELECT s.lead_id, cardinality(r.reasons) = 0, r.reasons, s.score, g.phone
    FROM sel s
    LEFT JOIN gate g ON g.lead_id = s.lead_id
    CROSS JOIN LATERAL (
        SELECT s.reasons
               || coalesce(ARRAY(SELECT x FROM unnest(g.reasons) x WHERE x IN ('lead_inactive', 'no_phone', 'suppressed', 'state_ban')), '{}')
               || CASE WHEN EXISTS (SELECT 1 FROM outreach.campaign_queue q
                                    WHERE q.team_id = c.team_id AND q.campaign_id = c.campaign_id AND q.lead_id = s.lead_id AND q.step = 1)
                       THEN ARRAY['already_queued'] ELSE '{}' END AS reasons
    ) r
    ORDER BY cardinality(r.reasons) = 0 DESC, s.score DESC, s.lead_id;
END
$fn$;
COMMENT ON FUNCTION outreach.preview_campaign(text, bigint, timestamptz) IS
    'Every active lead of the team: whether the campaign would queue it and, if not, why (the criteria it fails, then no_phone, '
    'suppressed or state_ban from outreach.can_send at `at`, then already_queued). Nothing is written.';

CREATE FUNCTION outreach.preview_campaign_summary(team_id text, campaign_id bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (reason text, leads bigint)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT coalesce(r.reason, 'selected'), count(*)
    FROM outreach.preview_campaign(team_id, campaign_id, at) p
    LEFT JOIN LATERAL unnest(p.reasons) AS r (reason) ON true
    GROUP BY 1
    ORDER BY (coalesce(r.reason, 'selected') = 'selected') DESC, 2 DESC, 1
$fn$;
COMMENT ON FUNCTION outreach.preview_campaign_summary(text, bigint, timestamptz) IS
    'outreach.preview_campaign counted: how many leads would be selected, and how many fail for each reason (a lead with two '
    'reasons counts under both).';

-- Template variables of leads, for rendering.
CREATE FUNCTION outreach.lead_template_values(team_id text, lead_ids bigint[])
    RETURNS TABLE (lead_id bigint, vals jsonb)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT l.lead_id,
           jsonb_strip_nulls(jsonb_build_object(
               'firstName', p.first_name, 'lastName', p.last_name,
               'fullName', nullif(concat_ws(' ', p.first_name, p.last_name), ''),
               'company', b.name, 'city', coalesce(b.city, a.city), 'state', t.state, 'zip', t.zip,
               'industry', (SELECT e.value
                            FROM outreach.source_records s
                            CROSS JOIN LATERAL jsonb_each_text(s.raw) e
                            WHERE s.team_id = l.team_id AND s.persona_id = l.persona_id AND s.lead_id = l.lead_id
                              AND outreach.header_key(e.key) IN ('industry', 'sicdescription', 'siccodedescription', 'primarysicdescription',
                                                                 'naicsdescription', 'naicscodedescription', 'category', 'businesscategory',
                                                                 'businesstype', 'industrydescription')
                              AND btrim(e.value) <> ''
                            ORDER BY s.data_source_id DESC, s.row_number LIMIT 1))) AS vals
    FROM unnest(lead_ids) AS k (lead_id)
    JOIN outreach.leads l ON l.team_id = lead_template_values.team_id AND l.lead_id = k.lead_id
    JOIN outreach.lead_targets t ON t.team_id = l.team_id AND t.lead_id = l.lead_id
    JOIN outreach.personas p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
    LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
    LEFT JOIN LATERAL (SELECT ad.city FROM outreach.addresses ad
                       WHERE ad.team_id = l.team_id AND ad.persona_id = l.persona_id AND ad.city IS NOT NULL
                       ORDER BY ad.address_id LIMIT 1) a ON true
$fn$;
COMMENT ON FUNCTION outreach.lead_template_values(text, bigint[]) IS
    'The template variables of each lead (outreach.template_variable_names) as a JSON object; unknown values are absent.';

-- The A/B bucket of a lead in a campaign step: a stable number in [0, total).
CREATE FUNCTION outreach.variant_bucket(team_id text, campaign_id bigint, lead_id bigint, step integer, total bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ((pg_catalog.hashtextextended(team_id || ':' || campaign_id || ':' || lead_id, step) % total) + total) % total;
COMMENT ON FUNCTION outreach.variant_bucket(text, bigint, bigint, integer, bigint) IS
    'Internal: a stable bucket in [0, total) of a lead in a campaign step, which picks its template variant by weight.';

-- What a preparation did.
CREATE TYPE outreach.preparation AS (
    campaign_id     bigint,
    leads_selected  bigint,
    leads_skipped   bigint,
    messages_queued bigint,
    first_send_at   timestamptz,
    last_send_at    timestamptz
);
COMMENT ON TYPE outreach.preparation IS 'The outcome of outreach.prepare_campaign.';

-- Selects, renders, schedules and queues a campaign. Every step of every selected lead gets a
-- time inside the campaign's business hours and preferred days, in every zone the lead may be in,
-- inside quiet hours, paced by min_spacing / per_minute_cap and capped by max_per_day. Rendering
-- problems refuse the whole preparation (nothing is queued); a lead the gate blocks for good, or
-- with no allowed time within horizon_days, is skipped and says why in scheduled_events.
CREATE FUNCTION outreach.prepare_campaign(team_id text, campaign_id bigint, start_at timestamptz DEFAULT pg_catalog.now(),
                                          horizon_days integer DEFAULT 14)
    RETURNS outreach.preparation
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
    t text := prepare_campaign.team_id;
    c outreach.campaigns;
    result outreach.preparation;
    bad record;
    spacing interval;
    d_cur date;
    d_last date;
    capacity bigint;
    n_done bigint;
BEGIN
    PERFORM outreach.check_team(t);
    IF horizon_days IS NULL OR horizon_days NOT BETWEEN 1 AND 366 THEN
        RAISE EXCEPTION 'horizon_days must be between 1 and 366, not %', coalesce(horizon_days::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO c FROM outreach.campaigns x WHERE x.team_id = t AND x.campaign_id = prepare_campaign.campaign_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no campaign %', t, prepare_campaign.campaign_id USING ERRCODE = 'undefined_object';
    END IF;
    IF c.state NOT IN ('draft', 'prepared') THEN
        RAISE EXCEPTION 'campaign % is %: only a draft or prepared campaign can be prepared', c.campaign_id, c.state
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM outreach.campaign_sequences s WHERE s.team_id = t AND s.campaign_id = c.campaign_id) THEN
        RAISE EXCEPTION 'campaign % has no steps', c.campaign_id
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Add rows to outreach.campaign_sequences.';
    END IF;
    SELECT s.step, s.template_name INTO bad FROM outreach.campaign_sequences s
    WHERE s.team_id = t AND s.campaign_id = c.campaign_id
      AND NOT EXISTS (SELECT 1 FROM outreach.templates x WHERE x.team_id = t AND x.name = s.template_name AND x.weight > 0)
    ORDER BY s.step LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'campaign % step % uses template "%", which has no variant with a weight above 0', c.campaign_id, bad.step, bad.template_name
            USING ERRCODE = 'undefined_object';
    END IF;
    IF (SELECT array_agg(s.step ORDER BY s.step) FROM outreach.campaign_sequences s WHERE s.team_id = t AND s.campaign_id = c.campaign_id)
       <> (SELECT array_agg(g ORDER BY g) FROM generate_series(1, (SELECT count(*)::integer FROM outreach.campaign_sequences s
                                                                   WHERE s.team_id = t AND s.campaign_id = c.campaign_id)) g) THEN
        RAISE EXCEPTION 'campaign % steps must be numbered 1, 2, 3, ... without gaps', c.campaign_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- business hours that quiet hours swallow whole would schedule nothing, silently
    IF NOT EXISTS (SELECT 1 FROM outreach.quiet_hour_rules r
                   WHERE r.team_id = t AND r.state = 'US' AND r.days IS NULL
                   HAVING greatest(c.send_window_start, max(r.start_local)) < least(c.send_window_end, min(r.end_local))) THEN
        RAISE EXCEPTION 'campaign % sends %-% local time, which is entirely inside federal quiet hours', c.campaign_id,
                        to_char(c.send_window_start, 'HH24:MI'), to_char(c.send_window_end, 'HH24:MI')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Texts may go out from 08:00 to 21:00 recipient''s local time.';
    END IF;
    spacing := greatest(c.min_spacing, interval '60 seconds' / c.per_minute_cap);

    PERFORM outreach.drop_temp_tables(ARRAY['_prep_leads', '_prep_msgs', '_prep_sched', '_prep_windows', '_prep_day']);
    -- ---- selection -----------------------------------------------------------------------------
    CREATE TEMP TABLE _prep_leads ON COMMIT DROP AS
    SELECT p.lead_id, p.selected, p.reasons, p.score, p.phone
    FROM outreach.preview_campaign(t, c.campaign_id, start_at) p
    WHERE p.selected OR NOT EXISTS (SELECT 1 FROM unnest(p.reasons) r
                                    WHERE r NOT IN ('lead_inactive', 'no_phone', 'suppressed', 'state_ban'));
    ANALYZE _prep_leads;
    SELECT count(*) FILTER (WHERE selected), count(*) FILTER (WHERE NOT selected) INTO result.leads_selected, result.leads_skipped
    FROM _prep_leads;
    INSERT INTO outreach.scheduled_events (team_id, campaign_id, lead_id, step, kind, reasons)
    SELECT t, c.campaign_id, l.lead_id, 1, 'skipped', l.reasons FROM _prep_leads l WHERE NOT l.selected;
    DELETE FROM _prep_leads WHERE NOT selected;

    -- ---- rendering: one variant per lead and step (a stable hash, in proportion to weight) -------
    CREATE TEMP TABLE _prep_msgs ON COMMIT DROP AS
    WITH vals AS (
        SELECT v.lead_id, v.vals FROM outreach.lead_template_values(t, ARRAY(SELECT lead_id FROM _prep_leads)) v
    ),
    variants AS (
        SELECT s.step, s.delay, x.template_id, x.name, x.variant, x.body, x.fallbacks, x.max_segments,
               sum(x.weight) OVER (PARTITION BY s.step ORDER BY x.variant) - x.weight AS lo,
               sum(x.weight) OVER (PARTITION BY s.step ORDER BY x.variant) AS hi,
               sum(x.weight) OVER (PARTITION BY s.step) AS total
        FROM outreach.campaign_sequences s
        JOIN outreach.templates x ON x.team_id = s.team_id AND x.name = s.template_name AND x.weight > 0
        WHERE s.team_id = t AND s.campaign_id = c.campaign_id
    ),
    picked AS (
        SELECT l.lead_id, v.step, v.delay, v.template_id, v.name, v.variant, v.body, v.fallbacks, v.max_segments, vals.vals
        FROM _prep_leads l
        JOIN vals ON vals.lead_id = l.lead_id
        JOIN variants v
          ON outreach.variant_bucket(t, c.campaign_id, l.lead_id, v.step, v.total) >= v.lo
         AND outreach.variant_bucket(t, c.campaign_id, l.lead_id, v.step, v.total) < v.hi
    )
    SELECT p.lead_id, p.step, p.delay, p.template_id, p.name, p.variant, p.max_segments, p.body AS template_body, p.vals,
           p.fallbacks, r.text AS body, outreach.sms_encoding(r.text) AS encoding, outreach.sms_segments(r.text) AS segments
    FROM picked p
    CROSS JOIN LATERAL (SELECT outreach.render_template(p.body, p.vals, p.fallbacks) AS text) r;

    SELECT m.* INTO bad FROM _prep_msgs m WHERE m.body IS NULL ORDER BY m.lead_id, m.step LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'template "%" variant % has no value for {{%}} for lead % and no fallback', bad.name, bad.variant,
                        array_to_string(outreach.template_missing_variables(bad.template_body, bad.vals, bad.fallbacks), '}}, {{'), bad.lead_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the variable a fallback, {{firstName|there}}, or in the template''s fallbacks.';
    END IF;
    SELECT m.* INTO bad FROM _prep_msgs m WHERE btrim(m.body) = '' ORDER BY m.lead_id, m.step LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'template "%" variant % renders an empty message for lead %', bad.name, bad.variant, bad.lead_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT m.* INTO bad FROM _prep_msgs m WHERE m.segments > m.max_segments ORDER BY m.segments DESC, m.lead_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'template "%" variant % renders % SMS segments (%, % characters) for lead %, more than its max_segments %',
                        bad.name, bad.variant, bad.segments, bad.encoding, char_length(bad.body), bad.lead_id, bad.max_segments
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = CASE WHEN bad.encoding = 'UCS-2' THEN 'A character outside GSM-7 (curly quotes, emoji) makes every segment 67 characters. '
                              ELSE '' END || 'Shorten the template or raise max_segments.';
    END IF;

    -- ---- scheduling ----------------------------------------------------------------------------
    CREATE TEMP TABLE _prep_sched ON COMMIT DROP AS
    SELECT m.lead_id, m.step, m.delay, l.score, l.phone, x.state, x.zip, outreach.lead_zones(x.state, x.zip, l.phone) AS zones,
           CASE WHEN m.step = (SELECT min(step) FROM _prep_msgs) THEN start_at END AS earliest,
           NULL::timestamptz AS scheduled_at
    FROM _prep_msgs m
    JOIN _prep_leads l ON l.lead_id = m.lead_id
    CROSS JOIN LATERAL (SELECT outreach.rules_state(tg.state, tg.phone) AS state, tg.zip
                        FROM outreach.lead_targets tg WHERE tg.team_id = t AND tg.lead_id = m.lead_id) x;
    CREATE INDEX ON _prep_sched (lead_id, step);
    ANALYZE _prep_sched;
    CREATE TEMP TABLE _prep_day (day date PRIMARY KEY, n bigint NOT NULL) ON COMMIT DROP;
    -- local dates of the US run from UTC-10 to UTC-4: start with the earliest local date of start_at
    d_cur := (start_at AT TIME ZONE 'Pacific/Honolulu')::date;
    d_last := d_cur + horizon_days;
    WHILE d_cur <= d_last LOOP
        -- the next step of a lead becomes due `delay` after the previous one
        UPDATE _prep_sched s SET earliest = p.scheduled_at + s.delay
        FROM _prep_sched p
        WHERE s.earliest IS NULL AND p.lead_id = s.lead_id AND p.step = s.step - 1 AND p.scheduled_at IS NOT NULL;
        EXIT WHEN NOT EXISTS (SELECT 1 FROM _prep_sched WHERE scheduled_at IS NULL AND earliest IS NOT NULL);
        capacity := c.max_per_day - coalesce((SELECT d.n FROM _prep_day d WHERE d.day = d_cur), 0);
        IF capacity > 0 THEN
            WITH profiles AS (
                SELECT DISTINCT s.zones, coalesce(s.state, '') AS st FROM _prep_sched s WHERE s.scheduled_at IS NULL AND s.earliest IS NOT NULL
            ),
            windows AS (
                SELECT p.zones, p.st, w.starts_at, w.ends_at
                FROM profiles p
                CROSS JOIN LATERAL outreach.send_window(t, p.zones, nullif(p.st, ''), d_cur, c.send_window_start,
                                                        c.send_window_end, c.preferred_days) w
            ),
            chosen AS (
                SELECT s.lead_id, s.step, greatest(w.starts_at, s.earliest) AS begins, w.ends_at, s.score
                FROM _prep_sched s
                JOIN windows w ON w.zones = s.zones AND w.st = coalesce(s.state, '')
                WHERE s.scheduled_at IS NULL AND s.earliest IS NOT NULL AND w.ends_at > s.earliest
                ORDER BY s.score DESC, s.lead_id, s.step
                LIMIT capacity
            ),
            ordered AS (
                SELECT ch.*, row_number() OVER (ORDER BY ch.begins, ch.lead_id, ch.step) - 1 AS k FROM chosen ch
            ),
            -- paced: the k-th message goes at the later of its own start and the (k-1)-th + spacing,
            -- that is k * spacing + the running maximum of (start_j - j * spacing)
            paced AS (
                SELECT o.lead_id, o.step, o.ends_at,
                       max(o.begins - spacing * o.k) OVER (ORDER BY o.k ROWS UNBOUNDED PRECEDING) + spacing * o.k AS at
                FROM ordered o
            )
            UPDATE _prep_sched s SET scheduled_at = p.at
            FROM paced p
            WHERE s.lead_id = p.lead_id AND s.step = p.step AND p.at < p.ends_at;
            GET DIAGNOSTICS n_done = ROW_COUNT;
            IF n_done > 0 THEN
                INSERT INTO _prep_day AS d VALUES (d_cur, n_done) ON CONFLICT (day) DO UPDATE SET n = d.n + EXCLUDED.n;
            END IF;
        END IF;
        d_cur := d_cur + 1;
    END LOOP;

    -- ---- the queue ------------------------------------------------------------------------------
    WITH queued AS (
        INSERT INTO outreach.campaign_queue (team_id, campaign_id, lead_id, step, template_id, variant, phone, body, encoding,
                                             segments, timezone, scheduled_at, local_send_at)
        SELECT t, c.campaign_id, s.lead_id, s.step, m.template_id, m.variant, s.phone, m.body, m.encoding, m.segments,
               s.zones[1], s.scheduled_at, s.scheduled_at AT TIME ZONE s.zones[1]
        FROM _prep_sched s
        JOIN _prep_msgs m ON m.lead_id = s.lead_id AND m.step = s.step
        WHERE s.scheduled_at IS NOT NULL
        ORDER BY s.scheduled_at, s.lead_id, s.step
        ON CONFLICT (team_id, campaign_id, lead_id, step) DO NOTHING
        RETURNING queue_id, lead_id, step, scheduled_at
    )
    INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, scheduled_at)
    SELECT t, c.campaign_id, q.queue_id, q.lead_id, q.step, 'scheduled', q.scheduled_at FROM queued q;
    GET DIAGNOSTICS result.messages_queued = ROW_COUNT;
    INSERT INTO outreach.scheduled_events (team_id, campaign_id, lead_id, step, kind, reasons)
    SELECT t, c.campaign_id, s.lead_id, s.step, 'skipped', ARRAY['no_send_window']
    FROM _prep_sched s WHERE s.scheduled_at IS NULL;
    SELECT min(q.scheduled_at), max(q.scheduled_at) INTO result.first_send_at, result.last_send_at
    FROM outreach.campaign_queue q WHERE q.team_id = t AND q.campaign_id = c.campaign_id AND q.state = 'queued';
    UPDATE outreach.campaigns x SET state = 'prepared', prepared_at = pg_catalog.now()
    WHERE x.team_id = t AND x.campaign_id = c.campaign_id;
    result.campaign_id := c.campaign_id;
    DROP TABLE _prep_leads, _prep_msgs, _prep_sched, _prep_day;
    RETURN result;
END
$fn$;
COMMENT ON FUNCTION outreach.prepare_campaign(text, bigint, timestamptz, integer) IS
    'Selects the campaign''s leads, renders each step (refusing a template that renders an empty, incomplete or over-long '
    'message), schedules every message in the lead''s local business hours and preferred days inside quiet hours in all its '
    'zones, paced and capped per day, and queues it once per (campaign, lead, step). Leads left out are in scheduled_events '
    '(kind skipped, with reasons). Returns counts and the first and last send times.';

-- The first instant at or after not_before at which the campaign may text the lead (its business
-- hours and preferred days, quiet hours in all its zones), looking up to 14 local days ahead.
CREATE FUNCTION outreach.next_send_time(team_id text, lead_id bigint, campaign_id bigint, not_before timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT greatest(w.starts_at, not_before)
    FROM outreach.lead_targets t
    JOIN outreach.campaigns c ON c.team_id = t.team_id AND c.campaign_id = next_send_time.campaign_id
    CROSS JOIN LATERAL (SELECT outreach.rules_state(t.state, t.phone) AS state) s
    CROSS JOIN LATERAL generate_series(0, 14) AS d (n)
    CROSS JOIN LATERAL outreach.send_window(t.team_id, outreach.lead_zones(s.state, t.zip, t.phone), s.state,
                                            (not_before AT TIME ZONE 'Pacific/Honolulu')::date + d.n,
                                            c.send_window_start, c.send_window_end, c.preferred_days) w
    WHERE t.team_id = next_send_time.team_id AND t.lead_id = next_send_time.lead_id AND w.ends_at > not_before
    ORDER BY d.n
    LIMIT 1
$fn$;
COMMENT ON FUNCTION outreach.next_send_time(text, bigint, bigint, timestamptz) IS
    'The first instant at or after not_before inside the campaign''s business hours and preferred days and inside quiet hours '
    'in every zone of the lead; NULL when there is none within 14 days.';

-- When the gate says "not now" at claim time, a queued message waits for its next allowed time
-- instead of failing: after the minute that filled the per-minute cap, after the Pacific midnight
-- that resets the brand's daily cap, after the text that filled the frequency cap leaves the
-- window, and always inside the campaign's hours. A reason no wait can cure (suppressed,
-- state_ban, no_phone, lead_inactive, duplicate_step) cancels the row instead. Returns the new
-- time, or NULL when the row was cancelled.
CREATE FUNCTION outreach.defer_queued(team_id text, queue_id bigint, at timestamptz) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    t text := defer_queued.team_id;
    q outreach.campaign_queue;
    reasons text[];
    final text[];
    not_before timestamptz := defer_queued.at;
    cap integer;
    win interval;
    next_at timestamptz;
BEGIN
    PERFORM outreach.check_team(t);
    SELECT * INTO q FROM outreach.campaign_queue x WHERE x.team_id = t AND x.queue_id = defer_queued.queue_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no queued message %', t, defer_queued.queue_id USING ERRCODE = 'undefined_object';
    END IF;
    IF q.state NOT IN ('queued', 'claimed') THEN
        RAISE EXCEPTION 'queued message % is %: only queued or claimed messages can wait', q.queue_id, q.state
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT b.reasons INTO reasons
    FROM outreach.send_blockers(t, ARRAY[q.lead_id], ARRAY[defer_queued.at], q.campaign_id, ARRAY[q.step]) b;
    final := ARRAY(SELECT r FROM unnest(reasons) r WHERE r IN ('lead_inactive', 'no_phone', 'suppressed', 'state_ban', 'duplicate_step'));
    IF cardinality(final) > 0 THEN
        UPDATE outreach.campaign_queue x SET state = 'cancelled', cancel_reason = array_to_string(final, ','), updated_at = pg_catalog.now()
        WHERE x.team_id = t AND x.queue_id = q.queue_id;
        INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, reasons)
        VALUES (t, q.campaign_id, q.queue_id, q.lead_id, q.step, 'cancelled', final);
        RETURN NULL;
    END IF;
    IF 'throughput_cap' = ANY (reasons) THEN
        not_before := greatest(not_before, date_trunc('minute', defer_queued.at) + interval '1 minute');
    END IF;
    IF 'daily_cap' = ANY (reasons) THEN
        not_before := greatest(not_before, (date_trunc('day', defer_queued.at AT TIME ZONE 'America/Los_Angeles') + interval '1 day')
                                           AT TIME ZONE 'America/Los_Angeles');
    END IF;
    IF 'frequency_cap' = ANY (reasons) THEN
        SELECT s.frequency_cap, s.frequency_window INTO cap, win FROM outreach.compliance_settings s WHERE s.team_id = t;
        -- when the text that filled the cap leaves the rolling window
        SELECT greatest(not_before, m.attempted_at + coalesce(win, interval '24 hours') + interval '1 second') INTO not_before
        FROM outreach.sms_messages m
        WHERE m.team_id = t AND m.to_phone = q.phone AND m.state <> 'failed'
          AND m.attempted_at > defer_queued.at - coalesce(win, interval '24 hours') AND m.attempted_at <= defer_queued.at
        ORDER BY m.attempted_at DESC
        OFFSET coalesce(cap, 3) - 1 LIMIT 1;
    END IF;
    next_at := outreach.next_send_time(t, q.lead_id, q.campaign_id, not_before);
    IF next_at IS NULL THEN
        UPDATE outreach.campaign_queue x SET state = 'cancelled', cancel_reason = 'no_send_window', updated_at = pg_catalog.now()
        WHERE x.team_id = t AND x.queue_id = q.queue_id;
        INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, reasons)
        VALUES (t, q.campaign_id, q.queue_id, q.lead_id, q.step, 'cancelled', reasons || ARRAY['no_send_window']);
        RETURN NULL;
    END IF;
    UPDATE outreach.campaign_queue x
    SET state = 'queued', scheduled_at = next_at, local_send_at = next_at AT TIME ZONE coalesce(x.timezone, 'America/New_York'),
        updated_at = pg_catalog.now()
    WHERE x.team_id = t AND x.queue_id = q.queue_id;
    INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, scheduled_at, reasons)
    VALUES (t, q.campaign_id, q.queue_id, q.lead_id, q.step, 'rescheduled', next_at, reasons);
    RETURN next_at;
END
$fn$;
COMMENT ON FUNCTION outreach.defer_queued(text, bigint, timestamptz) IS
    'A queued message the gate blocks at `at` waits for its next allowed time (after the per-minute or daily cap resets, after the '
    'frequency cap frees up, inside the campaign''s hours and quiet hours); one blocked for good (suppressed, state_ban, ...) is '
    'cancelled. Records the decision in scheduled_events and returns the new time, or NULL if cancelled.';
-- Step 6 of the journey (design.md §3, §6): sending. outreachd moves bytes; these functions decide.
--
-- A text goes out at most once:
--   claim_sends     in one transaction: locks due queue rows (FOR UPDATE SKIP LOCKED), asks the
--                   gate (outreach.send_blockers) again, and records each allowed one as an
--                   sms_messages row in state claimed, with a lease. Rows the gate holds back wait
--                   (outreach.defer_queued) or are cancelled.
--   start_send      per text, committed just before its HTTP call: claimed -> sending, unless the
--                   number opted out since the claim. A worker that dies holding claimed texts
--                   loses nothing: they certainly never left, and go back to the queue.
--   complete_send   after the provider answered: sent (with its id), failed (it refused; Twilio
--                   21610 also suppresses the number), retry (it certainly did not process the
--                   request, e.g. HTTP 429: the queue row waits and is claimed again later), or
--                   unknown (a timeout after the request may have left).
--   reap_stale_sends  a claimed row whose lease ran out goes back to the queue; a sending one (the
--                   worker died during the call) becomes unknown.
-- unknown is never re-sent automatically: outreach.reconcile_unknown_sends lists them, and
-- outreach.resolve_unknown_send records what the provider's logs say.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'outreach_worker') THEN
        CREATE ROLE outreach_worker NOLOGIN;
    END IF;
END
$roles$;
GRANT USAGE ON SCHEMA outreach TO outreach_worker;

CREATE TABLE outreach.messaging_settings (
    team_id                      text PRIMARY KEY REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    primary_provider             text NOT NULL DEFAULT 'signalhouse' CHECK (primary_provider IN ('signalhouse', 'twilio')),
    backup_provider              text DEFAULT 'twilio' CHECK (backup_provider IN ('signalhouse', 'twilio')),
    signalhouse_sender           text CHECK (signalhouse_sender ~ '^[0-9]{5,15}$'),
    twilio_from                  text CHECK (twilio_from ~ '^\+[1-9][0-9]{6,14}$'),
    twilio_messaging_service_sid text CHECK (twilio_messaging_service_sid ~ '^MG[0-9a-fA-F]{32}$'),
    updated_at                   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CHECK (backup_provider IS DISTINCT FROM primary_provider)
);
COMMENT ON TABLE outreach.messaging_settings IS
    'How a team''s texts go out: the primary provider (SignalHouse by default) and the backup used when the primary is down '
    '(Twilio), with each one''s sender (SignalHouse: digits only; Twilio: an E.164 From or a Messaging Service SID). '
    'Credentials are never stored here: outreachd reads them from its environment.';

CREATE FUNCTION outreach.teams_seed_messaging() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO outreach.messaging_settings (team_id) VALUES (NEW.team_id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.teams_seed_messaging() FROM PUBLIC;
CREATE TRIGGER seed_messaging AFTER INSERT ON outreach.teams
    FOR EACH ROW EXECUTE FUNCTION outreach.teams_seed_messaging();

CREATE INDEX campaign_queue_due_all ON outreach.campaign_queue (scheduled_at, queue_id) WHERE state = 'queued';
CREATE INDEX sms_messages_sending ON outreach.sms_messages (lease_until) WHERE state = 'sending';
CREATE INDEX sms_messages_provider_id ON outreach.sms_messages (team_id, provider_message_id) WHERE provider_message_id IS NOT NULL;

-- ---- claiming ------------------------------------------------------------------------------------
CREATE FUNCTION outreach.claim_sends(worker text, batch integer DEFAULT 100, lease interval DEFAULT '2 minutes',
                                     at timestamptz DEFAULT pg_catalog.now(), only_team text DEFAULT NULL)
    RETURNS TABLE (team_id text, sms_message_id bigint, queue_id bigint, lead_id bigint, campaign_id bigint, to_phone text,
                   body text, segments integer, provider text, backup_provider text, signalhouse_sender text,
                   twilio_from text, twilio_messaging_service_sid text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    g record;
    picked_teams text[];
    picked_ids bigint[];
    claimed_ids bigint[] := '{}';
    claimed_teams text[] := '{}';
    minute_room bigint;
    day_room bigint;
    ids bigint[];
    blocked bigint[];
BEGIN
    IF worker IS NULL OR pg_catalog.btrim(worker) = '' THEN
        RAISE EXCEPTION 'claim_sends needs the worker''s name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF batch IS NULL OR batch NOT BETWEEN 1 AND 10000 OR lease IS NULL OR lease <= '0'::interval THEN
        RAISE EXCEPTION 'claim_sends: batch must be 1 to 10000 and lease positive (got %, %)', batch, lease
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- due rows nobody else holds; the earliest first
    WITH due AS (
        SELECT q.team_id, q.queue_id FROM outreach.campaign_queue q
        WHERE q.state = 'queued' AND q.scheduled_at <= claim_sends.at AND (only_team IS NULL OR q.team_id = only_team)
        ORDER BY q.scheduled_at, q.queue_id
        LIMIT batch
        FOR UPDATE SKIP LOCKED
    )
    SELECT array_agg(d.team_id), array_agg(d.queue_id) INTO picked_teams, picked_ids FROM due d;
    IF picked_ids IS NULL THEN
        RETURN;
    END IF;

    -- per team and campaign: the gate, in this transaction
    FOR g IN
        SELECT q.team_id, q.campaign_id, c.per_minute_cap, c.brand, coalesce(sl.daily_cap, 2000) AS daily_cap,
               array_agg(q.queue_id ORDER BY q.scheduled_at, q.queue_id) AS queue_ids,
               array_agg(q.lead_id ORDER BY q.scheduled_at, q.queue_id) AS lead_ids,
               array_agg(q.step ORDER BY q.scheduled_at, q.queue_id) AS steps,
               array_agg(q.phone ORDER BY q.scheduled_at, q.queue_id) AS phones,
               array_agg(q.segments ORDER BY q.scheduled_at, q.queue_id) AS segs
        FROM unnest(picked_teams, picked_ids) AS p (team_id, queue_id)
        JOIN outreach.campaign_queue q ON q.team_id = p.team_id AND q.queue_id = p.queue_id
        JOIN outreach.campaigns c ON c.team_id = q.team_id AND c.campaign_id = q.campaign_id
        LEFT JOIN outreach.sender_limits sl ON sl.team_id = c.team_id AND sl.brand = c.brand
        GROUP BY q.team_id, q.campaign_id, c.per_minute_cap, c.brand, sl.daily_cap
    LOOP
        -- room left under the campaign's per-minute cap and the brand's daily cap
        minute_room := g.per_minute_cap - (SELECT count(*) FROM outreach.sms_messages m
                                           WHERE m.team_id = g.team_id AND m.campaign_id = g.campaign_id AND m.state <> 'failed'
                                             AND m.attempted_at > claim_sends.at - interval '1 minute' AND m.attempted_at <= claim_sends.at);
        day_room := g.daily_cap - (SELECT coalesce(sum(m.segments), 0) FROM outreach.sms_messages m
                                   LEFT JOIN outreach.campaigns mc ON mc.team_id = m.team_id AND mc.campaign_id = m.campaign_id
                                   WHERE m.team_id = g.team_id AND m.state <> 'failed' AND coalesce(mc.brand, 'default') = g.brand
                                     AND m.attempted_at >= (date_trunc('day', claim_sends.at AT TIME ZONE 'America/Los_Angeles')
                                                            AT TIME ZONE 'America/Los_Angeles'));
        WITH verdict AS (
            SELECT b.ord, g.queue_ids[b.ord] AS queue_id, g.segs[b.ord] AS segs, b.reasons,
                   -- one text per number per batch: the next claim counts it for the frequency cap
                   row_number() OVER (PARTITION BY g.phones[b.ord] ORDER BY b.ord) AS nth_for_phone
            FROM outreach.send_blockers(g.team_id, g.lead_ids, array_fill(claim_sends.at, ARRAY[cardinality(g.lead_ids)]),
                                        g.campaign_id, g.steps) b
        ),
        allowed AS (
            SELECT v.*, row_number() OVER (ORDER BY v.ord) AS k, sum(v.segs) OVER (ORDER BY v.ord) AS seg_total
            FROM verdict v WHERE cardinality(v.reasons) = 0 AND v.nth_for_phone = 1
        )
        SELECT (SELECT array_agg(a.queue_id ORDER BY a.ord) FROM allowed a WHERE a.k <= minute_room AND a.seg_total <= day_room),
               (SELECT array_agg(v.queue_id ORDER BY v.ord) FROM verdict v WHERE cardinality(v.reasons) > 0)
        INTO ids, blocked;
        ids := coalesce(ids, '{}');
        claimed_ids := claimed_ids || ids;
        claimed_teams := claimed_teams || array_fill(g.team_id, ARRAY[cardinality(ids)]);
        -- what the gate holds back waits for its next allowed time, or is cancelled for good
        -- reasons; a second text to a number, or one over the caps' room, stays queued for the
        -- next claim, which counts this batch
        PERFORM outreach.defer_queued(g.team_id, x.queue_id, claim_sends.at) FROM unnest(coalesce(blocked, '{}')) AS x (queue_id);
    END LOOP;
    IF cardinality(claimed_ids) = 0 THEN
        RETURN;
    END IF;

    -- claimed: reserved for this worker (and counted by the caps) until it starts or the lease ends
    RETURN QUERY
    WITH claimed AS MATERIALIZED (
        SELECT q.team_id, q.queue_id, q.lead_id, q.campaign_id, q.step, q.phone, q.body, q.encoding, q.segments, q.scheduled_at
        FROM unnest(claimed_teams, claimed_ids) AS c (team_id, queue_id)
        JOIN outreach.campaign_queue q ON q.team_id = c.team_id AND q.queue_id = c.queue_id
    ),
    sending AS (
        INSERT INTO outreach.sms_messages (team_id, lead_id, campaign_id, step, queue_id, to_phone, body, encoding, segments,
                                           provider, state, worker, lease_until, attempted_at)
        SELECT c.team_id, c.lead_id, c.campaign_id, c.step, c.queue_id, c.phone, c.body, c.encoding, c.segments,
               coalesce(ms.primary_provider, 'signalhouse'), 'claimed', claim_sends.worker, claim_sends.at + lease, claim_sends.at
        FROM claimed c
        LEFT JOIN outreach.messaging_settings ms ON ms.team_id = c.team_id
        ORDER BY c.scheduled_at, c.queue_id
        RETURNING sms_messages.team_id, sms_messages.sms_message_id, sms_messages.queue_id, sms_messages.lead_id,
                  sms_messages.campaign_id, sms_messages.to_phone, sms_messages.body, sms_messages.segments, sms_messages.provider
    ),
    queued AS (
        UPDATE outreach.campaign_queue q SET state = 'claimed', sms_message_id = s.sms_message_id, updated_at = pg_catalog.now()
        FROM sending s WHERE q.team_id = s.team_id AND q.queue_id = s.queue_id
        RETURNING q.team_id, q.lead_id
    ),
    contacted AS (
        UPDATE outreach.leads l
        SET last_contacted_at = claim_sends.at, status = CASE WHEN l.status = 'new' THEN 'contacted' ELSE l.status END
        FROM (SELECT DISTINCT team_id, lead_id FROM queued) x
        WHERE l.team_id = x.team_id AND l.lead_id = x.lead_id
        RETURNING 1
    )
    SELECT s.team_id, s.sms_message_id, s.queue_id, s.lead_id, s.campaign_id, s.to_phone, s.body, s.segments, s.provider,
           ms.backup_provider, ms.signalhouse_sender, ms.twilio_from, ms.twilio_messaging_service_sid
    FROM sending s
    LEFT JOIN outreach.messaging_settings ms ON ms.team_id = s.team_id
    ORDER BY s.sms_message_id;
END
$fn$;
COMMENT ON FUNCTION outreach.claim_sends(text, integer, interval, timestamptz, text) IS
    'For outreachd: claims up to batch due campaign messages of every team (FOR UPDATE SKIP LOCKED), re-checks each with the '
    'gate in this transaction, and records the allowed ones as sms_messages in state claimed with a lease; the rest wait for '
    'their next allowed time or are cancelled (outreach.defer_queued). Returns what to send, with the team''s providers. '
    'only_team restricts the claim to one team (a worker per team).';

-- Just before the HTTP call: claimed -> sending, committed. A number that opted out since the
-- claim is not texted (the shared lock waits for a STOP being recorded right now).
CREATE FUNCTION outreach.start_send(team_id text, sms_message_id bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    m outreach.sms_messages;
BEGIN
    SELECT * INTO m FROM outreach.sms_messages x WHERE x.team_id = start_send.team_id AND x.sms_message_id = start_send.sms_message_id FOR UPDATE;
    IF NOT FOUND OR m.state <> 'claimed' THEN
        RETURN false;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(outreach.phone_lock_key(m.team_id, m.to_phone));
    IF EXISTS (SELECT 1 FROM outreach.suppression_list s WHERE s.team_id = m.team_id AND s.phone = m.to_phone)
       OR EXISTS (SELECT 1 FROM outreach.leads l WHERE l.team_id = m.team_id AND l.lead_id = m.lead_id AND l.status = 'do_not_contact') THEN
        UPDATE outreach.sms_messages x SET state = 'failed', error_code = 'suppressed', error_message = 'opted out after the claim',
            completed_at = pg_catalog.now(), lease_until = NULL
        WHERE x.team_id = m.team_id AND x.sms_message_id = m.sms_message_id;
        UPDATE outreach.campaign_queue q SET state = 'cancelled', cancel_reason = 'suppressed', updated_at = pg_catalog.now()
        WHERE q.team_id = m.team_id AND q.queue_id = m.queue_id AND q.state IN ('claimed', 'queued');
        RETURN false;
    END IF;
    UPDATE outreach.sms_messages x SET state = 'sending', attempted_at = start_send.at
    WHERE x.team_id = m.team_id AND x.sms_message_id = m.sms_message_id;
    UPDATE outreach.campaign_queue q SET state = 'sending', updated_at = pg_catalog.now()
    WHERE q.team_id = m.team_id AND q.queue_id = m.queue_id;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION outreach.start_send(text, bigint, timestamptz) IS
    'For outreachd, committed just before the HTTP call: a claimed text becomes sending. False (and nothing to send) when it '
    'is not claimed any more, or its number opted out since the claim (then it is failed and its queue row cancelled).';

-- New work wakes the workers (LISTEN outreach_sends); they also poll, so a lost NOTIFY only delays.
CREATE FUNCTION outreach.notify_sends() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM pg_catalog.pg_notify('outreach_sends', TG_OP);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER notify_sends AFTER INSERT ON outreach.campaign_queue
    FOR EACH STATEMENT EXECUTE FUNCTION outreach.notify_sends();

-- ---- outcomes ------------------------------------------------------------------------------------
CREATE FUNCTION outreach.complete_send(team_id text, sms_message_id bigint, outcome text, provider text DEFAULT NULL,
                                       provider_message_id text DEFAULT NULL, error_code text DEFAULT NULL,
                                       error_message text DEFAULT NULL, request jsonb DEFAULT NULL, sandbox boolean DEFAULT false,
                                       retry_after interval DEFAULT '1 minute')
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    t text := complete_send.team_id;
    m outreach.sms_messages;
BEGIN
    SELECT * INTO m FROM outreach.sms_messages x WHERE x.team_id = t AND x.sms_message_id = complete_send.sms_message_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no text %', t, complete_send.sms_message_id USING ERRCODE = 'undefined_object';
    END IF;
    IF outcome IS NULL OR outcome NOT IN ('sent', 'failed', 'retry', 'unknown') THEN
        RAISE EXCEPTION 'outcome must be sent, failed, retry or unknown, not %', coalesce(quote_literal(outcome), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- late news about a text the reaper already called unknown is still news; anything else is a repeat
    IF NOT (m.state = 'sending' OR (m.state = 'unknown' AND outcome IN ('sent', 'failed'))) THEN
        RETURN m.state;
    END IF;
    IF outcome = 'retry' AND m.state <> 'sending' THEN
        RETURN m.state;
    END IF;
    UPDATE outreach.sms_messages x
    SET state = CASE outcome WHEN 'retry' THEN 'failed' ELSE outcome END,
        provider = coalesce(complete_send.provider, x.provider),
        provider_message_id = coalesce(complete_send.provider_message_id, x.provider_message_id),
        error_code = complete_send.error_code, error_message = complete_send.error_message,
        request = coalesce(complete_send.request, x.request), sandbox = coalesce(complete_send.sandbox, false),
        completed_at = pg_catalog.now(), lease_until = NULL
    WHERE x.team_id = t AND x.sms_message_id = m.sms_message_id;
    IF m.queue_id IS NOT NULL THEN
        IF outcome = 'retry' THEN
            -- the provider certainly did not take it: the message waits and is claimed again
            UPDATE outreach.campaign_queue q
            SET state = 'queued', sms_message_id = NULL, updated_at = pg_catalog.now(),
                scheduled_at = greatest(q.scheduled_at, m.attempted_at + coalesce(retry_after, interval '1 minute'))
            WHERE q.team_id = t AND q.queue_id = m.queue_id;
            INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, scheduled_at, reasons)
            SELECT t, q.campaign_id, q.queue_id, q.lead_id, q.step, 'rescheduled', q.scheduled_at,
                   ARRAY['provider_retry' || coalesce(':' || complete_send.error_code, '')]
            FROM outreach.campaign_queue q WHERE q.team_id = t AND q.queue_id = m.queue_id;
        ELSE
            UPDATE outreach.campaign_queue q SET state = outcome, updated_at = pg_catalog.now()
            WHERE q.team_id = t AND q.queue_id = m.queue_id;
        END IF;
    END IF;
    -- Twilio 21610 / SignalHouse OUT: the recipient unsubscribed at that sender; honour it everywhere
    IF outcome = 'failed' AND (complete_send.error_code = '21610'
                               OR (coalesce(complete_send.provider, m.provider) = 'signalhouse' AND complete_send.error_code = 'OUT')) THEN
        PERFORM outreach.record_consent(t, m.to_phone, 'opt_out',
                                        CASE WHEN complete_send.error_code = '21610' THEN 'carrier_21610' ELSE 'provider_opt_out' END,
                                        jsonb_build_object('provider', coalesce(complete_send.provider, m.provider),
                                                           'sms_message_id', m.sms_message_id, 'error_message', complete_send.error_message));
    END IF;
    -- delivery callbacks that arrived before the provider's id was known apply now
    IF complete_send.provider_message_id IS NOT NULL THEN
        PERFORM outreach.apply_webhook(w.team_id, w.webhook_id)
        FROM outreach.webhook_events w
        WHERE w.team_id = t AND w.state = 'received' AND w.message_ref = complete_send.provider_message_id;
    END IF;
    RETURN CASE outcome WHEN 'retry' THEN 'queued' ELSE outcome END;
END
$fn$;
COMMENT ON FUNCTION outreach.complete_send(text, bigint, text, text, text, text, text, jsonb, boolean, interval) IS
    'For outreachd: what the provider said about a text in state sending. sent (with provider_message_id), failed (refused; '
    'Twilio 21610 also records an opt-out), retry (certainly not processed, e.g. HTTP 429: the queue row waits retry_after and '
    'is claimed again), unknown (it may have left: never re-sent automatically). Returns the resulting state.';

CREATE FUNCTION outreach.reap_stale_sends(at timestamptz DEFAULT pg_catalog.now(), only_team text DEFAULT NULL) RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH never_started AS (
        UPDATE outreach.sms_messages m
        SET state = 'failed', error_code = 'not_sent', lease_until = NULL, completed_at = pg_catalog.now(),
            error_message = 'claimed by ' || coalesce(m.worker, '?') || ', which never started it: queued again'
        WHERE m.state = 'claimed' AND m.lease_until < at AND (only_team IS NULL OR m.team_id = only_team)
        RETURNING m.team_id, m.queue_id
    ),
    requeued AS (
        UPDATE outreach.campaign_queue q SET state = 'queued', sms_message_id = NULL, updated_at = pg_catalog.now()
        FROM never_started s WHERE q.team_id = s.team_id AND q.queue_id = s.queue_id AND q.state = 'claimed'
        RETURNING 1
    ),
    stale AS (
        UPDATE outreach.sms_messages m
        SET state = 'unknown', error_message = 'the worker did not report before its lease ran out (' || coalesce(m.worker, '?') || ')',
            lease_until = NULL
        WHERE m.state = 'sending' AND m.lease_until < at AND (only_team IS NULL OR m.team_id = only_team)
        RETURNING m.team_id, m.queue_id
    ),
    queue AS (
        UPDATE outreach.campaign_queue q SET state = 'unknown', updated_at = pg_catalog.now()
        FROM stale s WHERE q.team_id = s.team_id AND q.queue_id = s.queue_id
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM stale) + 0 * (SELECT count(*) FROM requeued) + 0 * (SELECT count(*) FROM queue)
$fn$;
COMMENT ON FUNCTION outreach.reap_stale_sends(timestamptz, text) IS
    'For outreachd: texts a dead worker claimed but never started go back to the queue (they certainly never left); texts '
    'left in state sending past their lease become unknown: they may have been sent, so they are never sent again '
    'automatically. Returns how many became unknown.';

CREATE FUNCTION outreach.reconcile_unknown_sends(team_id text)
    RETURNS TABLE (sms_message_id bigint, lead_id bigint, campaign_id bigint, step integer, to_phone text, provider text,
                   attempted_at timestamptz, body text, error_message text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    PERFORM outreach.check_team(reconcile_unknown_sends.team_id);
    RETURN QUERY
    SELECT m.sms_message_id, m.lead_id, m.campaign_id, m.step, m.to_phone, m.provider, m.attempted_at, m.body, m.error_message
    FROM outreach.sms_messages m
    WHERE m.team_id = reconcile_unknown_sends.team_id AND m.state = 'unknown'
    ORDER BY m.attempted_at, m.sms_message_id;
END
$fn$;
COMMENT ON FUNCTION outreach.reconcile_unknown_sends(text) IS
    'Texts whose outcome is unknown (a timeout or a crash after the request may have left): check them in the provider''s '
    'logs and record the answer with outreach.resolve_unknown_send. They are never re-sent automatically.';

CREATE FUNCTION outreach.resolve_unknown_send(team_id text, sms_message_id bigint, was_sent boolean,
                                              provider_message_id text DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    m outreach.sms_messages;
BEGIN
    PERFORM outreach.check_team(resolve_unknown_send.team_id);
    SELECT * INTO m FROM outreach.sms_messages x
    WHERE x.team_id = resolve_unknown_send.team_id AND x.sms_message_id = resolve_unknown_send.sms_message_id FOR UPDATE;
    IF NOT FOUND OR m.state <> 'unknown' THEN
        RAISE EXCEPTION 'team "%" has no text % of unknown outcome', resolve_unknown_send.team_id, resolve_unknown_send.sms_message_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF was_sent IS NULL THEN
        RAISE EXCEPTION 'was_sent must be true or false' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN outreach.complete_send(m.team_id, m.sms_message_id, CASE WHEN was_sent THEN 'sent' ELSE 'failed' END, NULL,
                                  resolve_unknown_send.provider_message_id, CASE WHEN NOT was_sent THEN 'not_sent' END,
                                  'resolved by ' || current_user);
END
$fn$;
COMMENT ON FUNCTION outreach.resolve_unknown_send(text, bigint, boolean, text) IS
    'Records what the provider''s logs say about a text of unknown outcome: sent (optionally with its provider id) or not sent '
    '(failed; prepare the campaign again to queue it anew).';

-- ---- delivery callbacks ----------------------------------------------------------------------------
CREATE TABLE outreach.webhook_events (
    team_id         text NOT NULL,
    webhook_id      bigint GENERATED BY DEFAULT AS IDENTITY,
    provider        text NOT NULL CHECK (provider IN ('twilio', 'signalhouse')),
    kind            text NOT NULL CHECK (kind IN ('status', 'inbound')),
    event_key       text NOT NULL,
    message_ref     text,
    headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
    body            text NOT NULL,
    params          jsonb NOT NULL DEFAULT '{}'::jsonb,
    signature_valid boolean NOT NULL,
    state           text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'applied', 'ignored', 'rejected')),
    outcome         text,
    received_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    applied_at      timestamptz,
    PRIMARY KEY (team_id, webhook_id),
    CHECK (signature_valid OR state = 'rejected')
);
-- the same event twice is one event; a forged copy (bad signature) never takes a real event's key
CREATE UNIQUE INDEX webhook_events_once ON outreach.webhook_events (team_id, provider, kind, event_key) WHERE signature_valid;
CREATE INDEX webhook_events_message ON outreach.webhook_events (team_id, message_ref) WHERE state = 'received';
COMMENT ON TABLE outreach.webhook_events IS
    'Every webhook request outreachd received, stored raw before anything else (headers without secrets, the body as sent, '
    'the parsed parameters): a bad signature is stored as rejected; a valid one once per event key (SignalHouse''s '
    'X-SignalHouse-Delivery-Id; Twilio''s MessageSid and MessageStatus), then applied to its message by outreach.apply_webhook.';
COMMENT ON COLUMN outreach.webhook_events.message_ref IS 'The provider''s message id the event is about.';

CREATE FUNCTION outreach.record_webhook(team_id text, provider text, kind text, event_key text, message_ref text,
                                        headers jsonb, body text, params jsonb, signature_valid boolean)
    RETURNS TABLE (webhook_id bigint, duplicate boolean, state text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    id bigint;
BEGIN
    INSERT INTO outreach.webhook_events AS w (team_id, provider, kind, event_key, message_ref, headers, body, params, signature_valid, state)
    VALUES (record_webhook.team_id, record_webhook.provider, record_webhook.kind, record_webhook.event_key, record_webhook.message_ref,
            coalesce(record_webhook.headers, '{}'), record_webhook.body, coalesce(record_webhook.params, '{}'),
            record_webhook.signature_valid, CASE WHEN record_webhook.signature_valid THEN 'received' ELSE 'rejected' END)
    ON CONFLICT (team_id, provider, kind, event_key) WHERE signature_valid DO NOTHING
    RETURNING w.webhook_id INTO id;
    IF id IS NOT NULL THEN
        IF record_webhook.signature_valid AND record_webhook.kind = 'status' THEN
            PERFORM outreach.apply_webhook(record_webhook.team_id, id);
        END IF;
        RETURN QUERY SELECT w.webhook_id, false, w.state FROM outreach.webhook_events w
                     WHERE w.team_id = record_webhook.team_id AND w.webhook_id = id;
        RETURN;
    END IF;
    RETURN QUERY SELECT w.webhook_id, true, w.state FROM outreach.webhook_events w
                 WHERE w.team_id = record_webhook.team_id AND w.provider = record_webhook.provider AND w.kind = record_webhook.kind
                   AND w.event_key = record_webhook.event_key AND w.signature_valid;
END
$fn$;
COMMENT ON FUNCTION outreach.record_webhook(text, text, text, text, text, jsonb, text, jsonb, boolean) IS
    'For outreachd: stores a webhook request raw, once per event (a repeat returns duplicate = true and changes nothing), and '
    'applies a valid delivery-status event to its message. A request with a bad signature is stored as rejected.';

-- The provider's status words, as our states (sent < delivered | undelivered | failed).
CREATE FUNCTION outreach.provider_status(provider text, status text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN provider = 'twilio' THEN CASE lower(status)
        WHEN 'sent' THEN 'sent' WHEN 'delivered' THEN 'delivered' WHEN 'read' THEN 'delivered'
        WHEN 'undelivered' THEN 'undelivered' WHEN 'failed' THEN 'failed' WHEN 'canceled' THEN 'failed' END
    WHEN provider = 'signalhouse' THEN CASE upper(status)
        WHEN 'SENT' THEN 'sent' WHEN 'DELIVERED' THEN 'delivered' WHEN 'MESSAGE_DELIVERED' THEN 'delivered'
        WHEN 'FAILED' THEN 'failed' WHEN 'MESSAGE_FAILED' THEN 'failed' WHEN 'SMS_FAILED' THEN 'failed'
        WHEN 'UNDELIVERED' THEN 'undelivered' END
END;
COMMENT ON FUNCTION outreach.provider_status(text, text) IS
    'A provider''s delivery status as our state (sent, delivered, undelivered, failed), or NULL for in-flight words such as '
    'queued, accepted, ENQUEUED.';

CREATE FUNCTION outreach.apply_webhook(team_id text, webhook_id bigint) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    w outreach.webhook_events;
    m outreach.sms_messages;
    status text;
    new_state text;
    code text;
    rank_of constant jsonb := '{"claimed": 0, "sending": 0, "unknown": 0, "sent": 1, "delivered": 2, "undelivered": 2, "failed": 2}';
BEGIN
    SELECT * INTO w FROM outreach.webhook_events x WHERE x.team_id = apply_webhook.team_id AND x.webhook_id = apply_webhook.webhook_id FOR UPDATE;
    IF NOT FOUND OR w.state <> 'received' THEN
        RETURN w.state;
    END IF;
    status := coalesce(w.params ->> 'MessageStatus', w.params ->> 'status', w.params ->> 'event');
    code := coalesce(w.params ->> 'ErrorCode', w.params ->> 'errorCode');
    new_state := outreach.provider_status(w.provider, status);
    SELECT * INTO m FROM outreach.sms_messages x
    WHERE x.team_id = w.team_id AND x.provider_message_id = w.message_ref FOR UPDATE;
    IF NOT FOUND THEN
        -- the provider may answer our request after its callback arrives: it stays received, and
        -- complete_send applies it once the id is known
        RETURN 'received';
    END IF;
    IF new_state IS NULL OR (rank_of ->> new_state)::int <= (rank_of ->> m.state)::int THEN
        UPDATE outreach.webhook_events x SET state = 'ignored', applied_at = pg_catalog.now(),
            outcome = format('status %s leaves text %s %s', coalesce(status, '(none)'), m.sms_message_id, m.state)
        WHERE x.team_id = w.team_id AND x.webhook_id = w.webhook_id;
        RETURN 'ignored';
    END IF;
    UPDATE outreach.sms_messages x SET state = new_state, error_code = coalesce(code, x.error_code), completed_at = pg_catalog.now(),
        lease_until = NULL
    WHERE x.team_id = m.team_id AND x.sms_message_id = m.sms_message_id;
    IF m.queue_id IS NOT NULL THEN
        UPDATE outreach.campaign_queue q SET state = CASE WHEN new_state IN ('sent', 'delivered') THEN 'sent' ELSE 'failed' END,
            updated_at = pg_catalog.now()
        WHERE q.team_id = m.team_id AND q.queue_id = m.queue_id;
    END IF;
    IF code = '21610' THEN
        PERFORM outreach.record_consent(m.team_id, m.to_phone, 'opt_out', 'carrier_21610',
                                        jsonb_build_object('provider', w.provider, 'webhook_id', w.webhook_id));
    END IF;
    UPDATE outreach.webhook_events x SET state = 'applied', applied_at = pg_catalog.now(),
        outcome = format('text %s %s -> %s', m.sms_message_id, m.state, new_state)
    WHERE x.team_id = w.team_id AND x.webhook_id = w.webhook_id;
    RETURN 'applied';
END
$fn$;
COMMENT ON FUNCTION outreach.apply_webhook(text, bigint) IS
    'Applies a stored delivery-status event to its text, forward only (sending/unknown -> sent -> delivered, undelivered or '
    'failed): a late or repeated status is ignored, with the reason. An event for a text whose provider id is not known yet '
    'stays received until outreach.complete_send records the id.';

-- ---- access ----------------------------------------------------------------------------------------
SELECT outreach.secure_tenant_tables(ARRAY['messaging_settings', 'webhook_events']);
GRANT SELECT, INSERT, UPDATE, DELETE ON outreach.messaging_settings TO outreach_admin;
GRANT SELECT ON outreach.webhook_events TO outreach_admin;
REVOKE ALL ON FUNCTION outreach.claim_sends(text, integer, interval, timestamptz, text),
    outreach.start_send(text, bigint, timestamptz),
    outreach.complete_send(text, bigint, text, text, text, text, text, jsonb, boolean, interval),
    outreach.reap_stale_sends(timestamptz, text),
    outreach.record_webhook(text, text, text, text, text, jsonb, text, jsonb, boolean),
    outreach.apply_webhook(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outreach.claim_sends(text, integer, interval, timestamptz, text),
    outreach.start_send(text, bigint, timestamptz),
    outreach.complete_send(text, bigint, text, text, text, text, text, jsonb, boolean, interval),
    outreach.reap_stale_sends(timestamptz, text),
    outreach.record_webhook(text, text, text, text, text, jsonb, text, jsonb, boolean),
    outreach.apply_webhook(text, bigint) TO outreach_worker;
GRANT EXECUTE ON FUNCTION outreach.resolve_unknown_send(text, bigint, boolean, text) TO outreach_admin;
REVOKE EXECUTE ON FUNCTION outreach.resolve_unknown_send(text, bigint, boolean, text) FROM PUBLIC;
INSERT INTO outreach.messaging_settings (team_id) SELECT t.team_id FROM outreach.teams t ON CONFLICT DO NOTHING;
-- Step 4 of the journey (design.md §3): enrichment. A job is a row outreachd claims; the raw
-- response is kept; what it found is resolved exactly like an imported row (it goes through
-- outreach.import_staged as a one-job data source), so a number that belongs to someone else opens
-- a review instead of silently joining this persona. Jobs are at-least-once (repeating one is
-- harmless), with capped jittered backoff that honours Retry-After, and a dead state after
-- max_attempts.

CREATE TABLE outreach.enrichment_jobs (
    team_id         text NOT NULL,
    job_id          bigint GENERATED BY DEFAULT AS IDENTITY,
    provider        text NOT NULL CHECK (provider IN ('realestateapi', 'apollo')),
    kind            text NOT NULL CHECK (kind IN ('skiptrace', 'person')),
    lead_id         bigint NOT NULL,
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead')),
    request         jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 50),
    next_attempt_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    lease_until     timestamptz,
    worker          text,
    last_error      text,
    data_source_id  bigint,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, job_id)
);
CREATE UNIQUE INDEX enrichment_jobs_open ON outreach.enrichment_jobs (team_id, kind, lead_id) WHERE state IN ('queued', 'running');
CREATE INDEX enrichment_jobs_due ON outreach.enrichment_jobs (next_attempt_at) WHERE state = 'queued';
COMMENT ON TABLE outreach.enrichment_jobs IS
    'Enrichment work for outreachd: skiptrace (RealEstateAPI SkipTrace v2) or person (Apollo People Enrichment) of a lead. '
    'queued -> running (claimed with a lease) -> done | failed (the provider refused the request) | dead (max_attempts '
    'reached on errors worth retrying); a running job whose lease ran out is queued again (at-least-once).';
COMMENT ON COLUMN outreach.enrichment_jobs.request IS 'The search input built from the lead (names, address, company), as sent to the provider.';
COMMENT ON COLUMN outreach.enrichment_jobs.data_source_id IS 'The import job through which the findings were resolved.';

CREATE TABLE outreach.skiptrace_results (
    team_id     text NOT NULL,
    result_id   bigint GENERATED BY DEFAULT AS IDENTITY,
    job_id      bigint NOT NULL,
    lead_id     bigint NOT NULL,
    http_status integer,
    response    jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, result_id)
);
CREATE INDEX skiptrace_results_job ON outreach.skiptrace_results (team_id, job_id);
COMMENT ON TABLE outreach.skiptrace_results IS 'Every SkipTrace response body as received (also errors), one row per attempt that got an answer.';

CREATE TABLE outreach.enrichment_results (LIKE outreach.skiptrace_results INCLUDING DEFAULTS INCLUDING IDENTITY);
ALTER TABLE outreach.enrichment_results ADD PRIMARY KEY (team_id, result_id);
CREATE INDEX enrichment_results_job ON outreach.enrichment_results (team_id, job_id);
COMMENT ON TABLE outreach.enrichment_results IS 'Every Apollo enrichment response body as received (also errors), one row per attempt that got an answer.';

-- Queues enrichment of leads; a lead with an open job of the kind is not queued again.
CREATE FUNCTION outreach.request_enrichment(team_id text, lead_ids bigint[], kind text DEFAULT 'skiptrace')
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    n bigint;
BEGIN
    PERFORM outreach.check_team(request_enrichment.team_id);
    IF kind IS NULL OR kind NOT IN ('skiptrace', 'person') THEN
        RAISE EXCEPTION 'enrichment kind must be skiptrace or person, not %', coalesce(quote_literal(kind), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH queued AS (
        INSERT INTO outreach.enrichment_jobs (team_id, provider, kind, lead_id, request)
        SELECT l.team_id, CASE WHEN request_enrichment.kind = 'skiptrace' THEN 'realestateapi' ELSE 'apollo' END,
               request_enrichment.kind, l.lead_id,
               jsonb_strip_nulls(jsonb_build_object(
                   'first_name', p.first_name, 'last_name', p.last_name,
                   'address', coalesce(a.street, b.street), 'city', coalesce(a.city, b.city),
                   'state', coalesce(p.normalized_state, b.normalized_state), 'zip', coalesce(p.normalized_zip, b.normalized_zip),
                   'organization_name', b.name, 'email', p.normalized_email))
        FROM unnest(lead_ids) AS k (lead_id)
        JOIN outreach.leads l ON l.team_id = request_enrichment.team_id AND l.lead_id = k.lead_id AND l.is_active
        JOIN outreach.personas p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
        LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
        LEFT JOIN LATERAL (SELECT ad.street, ad.city FROM outreach.addresses ad
                           WHERE ad.team_id = l.team_id AND ad.persona_id = l.persona_id AND ad.street IS NOT NULL
                           ORDER BY ad.address_id LIMIT 1) a ON true
        ON CONFLICT (team_id, kind, lead_id) WHERE state IN ('queued', 'running') DO NOTHING
        RETURNING enrichment_jobs.team_id, enrichment_jobs.lead_id
    )
    UPDATE outreach.leads l SET enrichment_status = 'pending'
    FROM queued q WHERE l.team_id = q.team_id AND l.lead_id = q.lead_id AND l.enrichment_status <> 'pending';
    SELECT count(*) INTO n FROM outreach.enrichment_jobs j
    WHERE j.team_id = request_enrichment.team_id AND j.lead_id = ANY (lead_ids) AND j.kind = request_enrichment.kind AND j.state = 'queued';
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION outreach.request_enrichment(text, bigint[], text) IS
    'Queues enrichment jobs (skiptrace: RealEstateAPI; person: Apollo) for these leads, with the search input built from '
    'each lead; leads already waiting for one are left alone. Returns how many of them are queued now.';

CREATE FUNCTION outreach.claim_enrichment(worker text, batch integer DEFAULT 10, lease interval DEFAULT '2 minutes',
                                          at timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (team_id text, job_id bigint, provider text, kind text, request jsonb, attempt integer)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH due AS (
        SELECT j.team_id, j.job_id FROM outreach.enrichment_jobs j
        WHERE j.state = 'queued' AND j.next_attempt_at <= at
        ORDER BY j.next_attempt_at, j.job_id
        LIMIT batch
        FOR UPDATE SKIP LOCKED
    )
    UPDATE outreach.enrichment_jobs j
    SET state = 'running', attempts = j.attempts + 1, lease_until = at + lease, worker = claim_enrichment.worker,
        updated_at = pg_catalog.now()
    FROM due WHERE j.team_id = due.team_id AND j.job_id = due.job_id
    RETURNING j.team_id, j.job_id, j.provider, j.kind, j.request, j.attempts
$fn$;
COMMENT ON FUNCTION outreach.claim_enrichment(text, integer, interval, timestamptz) IS
    'For outreachd: claims due enrichment jobs (FOR UPDATE SKIP LOCKED) with a lease; returns each job''s provider, kind and input.';

-- Capped, jittered exponential backoff, never sooner than the provider's Retry-After.
CREATE FUNCTION outreach.enrichment_backoff(attempt integer, retry_after_seconds integer) RETURNS interval
    LANGUAGE sql VOLATILE PARALLEL SAFE
RETURN make_interval(secs => greatest(coalesce(retry_after_seconds, 0)::double precision,
                                      least(600.0, 5.0 * power(2, greatest(attempt, 1) - 1)) * (0.75 + 0.25 * random())));
COMMENT ON FUNCTION outreach.enrichment_backoff(integer, integer) IS
    'Wait before retrying an enrichment job: 5 s doubling per attempt, capped at 10 minutes, jittered by up to 25%, and never '
    'shorter than the provider''s Retry-After.';

-- What a response found, as rows an import can read: the lead's own name and address with one
-- found phone or e-mail each. Landlines cannot receive texts and numbers on the Do Not Call list
-- must not get them: neither is imported (a DNC number is recorded as an opt-out instead).
CREATE FUNCTION outreach.enrichment_findings(kind text, response jsonb)
    RETURNS TABLE (phone text, email text, line_type text, dnc boolean)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    -- SkipTrace v2: persons[].phones[] {phone, phoneType W|L|V, phoneFtcDnc Y|N}, persons[].emails[]
    SELECT ph ->> 'phone', NULL::text,
           CASE ph ->> 'phoneType' WHEN 'W' THEN 'wireless' WHEN 'L' THEN 'landline' WHEN 'V' THEN 'voip' ELSE lower(ph ->> 'phoneType') END,
           coalesce(ph ->> 'phoneFtcDnc' = 'Y' OR (ph ->> 'doNotCall')::boolean, false)
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response -> 'persons', '[]') ELSE '[]' END) p,
         jsonb_array_elements(coalesce(p -> 'phones', '[]')) ph
    UNION ALL
    -- SkipTrace v1: output.identity.phones[] {phone, phoneType, doNotCall}, emails[] {email}
    SELECT ph ->> 'phone', NULL, lower(ph ->> 'phoneType'), coalesce((ph ->> 'doNotCall')::boolean, false)
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response #> '{output,identity,phones}', '[]') ELSE '[]' END) ph
    UNION ALL
    SELECT NULL, e ->> 'email', NULL, false
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response -> 'persons', '[]') ELSE '[]' END) p,
         jsonb_array_elements(coalesce(p -> 'emails', '[]')) e
    UNION ALL
    SELECT NULL, e ->> 'email', NULL, false
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response #> '{output,identity,emails}', '[]') ELSE '[]' END) e
    UNION ALL
    -- Apollo: person.email, person.contact.phone_numbers[] {sanitized_number, type, dnc_status}
    SELECT NULL, response #>> '{person,email}', NULL, false
    WHERE kind = 'person' AND response #>> '{person,email}' IS NOT NULL
    UNION ALL
    SELECT coalesce(n ->> 'sanitized_number', n ->> 'raw_number'), NULL, lower(n ->> 'type'),
           coalesce(n ->> 'dnc_status' IS NOT NULL AND lower(n ->> 'dnc_status') NOT IN ('', 'none', 'not_on_dnc', 'false'), false)
    FROM jsonb_array_elements(CASE WHEN kind = 'person' THEN coalesce(response #> '{person,contact,phone_numbers}', '[]') ELSE '[]' END) n
$fn$;
COMMENT ON FUNCTION outreach.enrichment_findings(text, jsonb) IS
    'The phones (with line type and Do Not Call flag) and e-mails in a SkipTrace (v1 or v2) or Apollo response.';

CREATE FUNCTION outreach.complete_enrichment(team_id text, job_id bigint, http_status integer, response jsonb,
                                             error text DEFAULT NULL, retry_after_seconds integer DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    t text := complete_enrichment.team_id;
    j outreach.enrichment_jobs;
    p outreach.personas;
    l outreach.leads;
    ds bigint;
    matched boolean;
    headers constant text[] := ARRAY['ownerFirstName', 'ownerLastName', 'phone', 'email', 'street', 'city', 'state', 'zip', 'companyName'];
BEGIN
    SELECT * INTO j FROM outreach.enrichment_jobs x WHERE x.team_id = t AND x.job_id = complete_enrichment.job_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no enrichment job %', t, complete_enrichment.job_id USING ERRCODE = 'undefined_object';
    END IF;
    IF j.state <> 'running' THEN
        RETURN j.state;  -- a repeat (at-least-once): already settled
    END IF;
    IF response IS NOT NULL THEN
        IF j.kind = 'skiptrace' THEN
            INSERT INTO outreach.skiptrace_results (team_id, job_id, lead_id, http_status, response) VALUES (t, j.job_id, j.lead_id, http_status, response);
        ELSE
            INSERT INTO outreach.enrichment_results (team_id, job_id, lead_id, http_status, response) VALUES (t, j.job_id, j.lead_id, http_status, response);
        END IF;
    END IF;
    -- worth another try: rate limited, the provider failing, or no answer at all
    IF http_status IS NULL OR http_status IN (408, 409, 429) OR http_status >= 500 THEN
        UPDATE outreach.enrichment_jobs x
        SET state = CASE WHEN x.attempts >= x.max_attempts THEN 'dead' ELSE 'queued' END,
            next_attempt_at = pg_catalog.now() + outreach.enrichment_backoff(x.attempts, retry_after_seconds),
            lease_until = NULL, last_error = coalesce(error, 'HTTP ' || http_status), updated_at = pg_catalog.now()
        WHERE x.team_id = t AND x.job_id = j.job_id
        RETURNING x.* INTO j;
        IF j.state = 'dead' THEN
            UPDATE outreach.leads x SET enrichment_status = 'failed' WHERE x.team_id = t AND x.lead_id = j.lead_id;
        END IF;
        RETURN j.state;
    END IF;
    matched := http_status = 200 AND response IS NOT NULL
               AND (j.kind = 'person' AND jsonb_typeof(response -> 'person') = 'object'
                    OR j.kind = 'skiptrace' AND (jsonb_array_length(coalesce(response -> 'persons', '[]')) > 0
                                                 OR response #> '{output,identity}' IS NOT NULL));
    IF http_status NOT IN (200, 204, 404) THEN
        -- refused (bad key, bad input): trying again would get the same answer
        UPDATE outreach.enrichment_jobs x SET state = 'failed', lease_until = NULL, last_error = coalesce(error, 'HTTP ' || http_status),
            updated_at = pg_catalog.now()
        WHERE x.team_id = t AND x.job_id = j.job_id;
        UPDATE outreach.leads x SET enrichment_status = 'failed' WHERE x.team_id = t AND x.lead_id = j.lead_id;
        RETURN 'failed';
    END IF;
    IF matched THEN
        SELECT * INTO l FROM outreach.leads x WHERE x.team_id = t AND x.lead_id = j.lead_id;
        SELECT * INTO p FROM outreach.personas x WHERE x.team_id = t AND x.persona_id = l.persona_id;
        -- numbers on the Do Not Call list are never texted, whatever else is known about them
        PERFORM outreach.record_consent(t, f.phone, 'opt_out', 'provider_dnc',
                                        jsonb_build_object('provider', j.provider, 'job_id', j.job_id))
        FROM outreach.enrichment_findings(j.kind, response) f
        WHERE f.dnc AND outreach.normalize_phone(f.phone) IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM outreach.suppression_list s WHERE s.team_id = t AND s.phone = outreach.normalize_phone(f.phone));
        -- the findings go through the import, so they are resolved exactly like imported rows
        PERFORM outreach.drop_temp_tables(ARRAY['_outreach_enrichment']);
        CREATE TEMP TABLE _outreach_enrichment ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY f.phone NULLS LAST, f.email) AS row_number, NULL::bigint AS line_number,
               ARRAY[p.first_name, p.last_name, f.phone, f.email, j.request ->> 'address', j.request ->> 'city',
                     j.request ->> 'state', j.request ->> 'zip', j.request ->> 'organization_name'] AS fields
        FROM outreach.enrichment_findings(j.kind, response) f
        WHERE (f.phone IS NOT NULL AND NOT f.dnc AND coalesce(f.line_type, '') NOT IN ('landline', 'l'))
           OR f.email IS NOT NULL;
        IF EXISTS (SELECT 1 FROM _outreach_enrichment) THEN
            ds := outreach.begin_import(t, j.kind || ' job ' || j.job_id, NULL, 'usdatabiz', '{}');
            PERFORM outreach.set_import_headers(t, ds, headers);
            PERFORM outreach.import_staged(t, ds, '_outreach_enrichment'::regclass);
        END IF;
        DROP TABLE _outreach_enrichment;
    END IF;
    UPDATE outreach.enrichment_jobs x SET state = 'done', lease_until = NULL, data_source_id = ds, updated_at = pg_catalog.now(),
        last_error = CASE WHEN matched THEN NULL ELSE 'no match' END
    WHERE x.team_id = t AND x.job_id = j.job_id;
    UPDATE outreach.leads x SET enrichment_status = CASE WHEN matched THEN 'enriched' ELSE 'failed' END
    WHERE x.team_id = t AND x.lead_id = j.lead_id;
    RETURN 'done';
END
$fn$;
COMMENT ON FUNCTION outreach.complete_enrichment(text, bigint, integer, jsonb, text, integer) IS
    'For outreachd: the provider''s answer to a running enrichment job. The body is kept raw (skiptrace_results / '
    'enrichment_results). 204 is a sandbox run (nothing was sent). 200: the phones and e-mails found are imported as rows of the lead''s person (resolved like any '
    'import: merged, or a review when they point at someone else); landlines are left out and Do Not Call numbers are '
    'recorded as opt-outs. 404 / no person: done, nothing found. 429, 5xx or no answer: retried with backoff (Retry-After '
    'honoured) until max_attempts, then dead. Other 4xx: failed. A repeat of a settled job changes nothing.';

CREATE FUNCTION outreach.reap_stale_enrichment(at timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH stale AS (
        UPDATE outreach.enrichment_jobs j
        SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'dead' ELSE 'queued' END, lease_until = NULL,
            last_error = 'the worker did not report before its lease ran out (' || coalesce(j.worker, '?') || ')', updated_at = pg_catalog.now()
        WHERE j.state = 'running' AND j.lease_until < at
        RETURNING 1
    )
    SELECT count(*) FROM stale
$fn$;
COMMENT ON FUNCTION outreach.reap_stale_enrichment(timestamptz) IS
    'For outreachd: running enrichment jobs whose worker died are queued again (at-least-once), or dead after max_attempts.';

SELECT outreach.secure_tenant_tables(ARRAY['enrichment_jobs', 'skiptrace_results', 'enrichment_results']);
GRANT SELECT ON outreach.enrichment_jobs, outreach.skiptrace_results, outreach.enrichment_results TO outreach_admin;
GRANT INSERT, UPDATE ON outreach.enrichment_jobs TO outreach_admin;
REVOKE ALL ON FUNCTION outreach.claim_enrichment(text, integer, interval, timestamptz),
    outreach.complete_enrichment(text, bigint, integer, jsonb, text, integer), outreach.reap_stale_enrichment(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outreach.claim_enrichment(text, integer, interval, timestamptz),
    outreach.complete_enrichment(text, bigint, integer, jsonb, text, integer), outreach.reap_stale_enrichment(timestamptz)
    TO outreach_worker;
-- What an operator needs about a lead, on one row.
CREATE VIEW outreach.unified_lead_cards WITH (security_invoker = true) AS
SELECT l.team_id, l.lead_id, l.status, l.score, l.tags, l.enrichment_status, l.last_contacted_at,
       p.persona_id, concat_ws(' ', p.first_name, p.last_name) AS owner_name, p.first_name, p.last_name,
       t.phone,
       coalesce(p.normalized_email, (SELECT e.normalized_email FROM outreach.persona_emails e
                                     WHERE e.team_id = l.team_id AND e.persona_id = l.persona_id ORDER BY e.email_id LIMIT 1)) AS email,
       b.business_id, b.name AS company, b.sic_code, b.naics_code, b.employee_count, b.annual_revenue,
       coalesce(b.street, a.street) AS street, coalesce(b.city, a.city) AS city, t.state, t.zip,
       outreach.timezone_for(t.state, t.zip, t.phone) AS timezone,
       (t.phone IS NOT NULL AND EXISTS (SELECT 1 FROM outreach.suppression_list s WHERE s.team_id = l.team_id AND s.phone = t.phone))
           OR l.status = 'do_not_contact' AS suppressed,
       l.data_source_id, l.created_at
FROM outreach.leads l
JOIN outreach.lead_targets t ON t.team_id = l.team_id AND t.lead_id = l.lead_id
JOIN outreach.personas p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
LEFT JOIN LATERAL (SELECT ad.street, ad.city FROM outreach.addresses ad
                   WHERE ad.team_id = l.team_id AND ad.persona_id = l.persona_id ORDER BY ad.address_id LIMIT 1) a ON b.business_id IS NULL
WHERE l.is_active;
COMMENT ON VIEW outreach.unified_lead_cards IS
    'One row per active lead with what an operator needs: status, score, owner, number, e-mail, company, industry codes, size, '
    'revenue, address, local time zone and whether the lead may not be texted at all (suppressed).';

CREATE INDEX sms_messages_lead ON outreach.sms_messages (team_id, lead_id) WHERE lead_id IS NOT NULL;

-- Row-level security, pg_dump registration and privileges of this release's tables.
DO $tenant$
DECLARE
    t text;
BEGIN
    PERFORM outreach.secure_tenant_tables(ARRAY['score_weights', 'consent_log', 'suppression_list', 'quiet_hour_rules', 'state_bans',
                                                 'compliance_settings', 'sender_limits', 'sms_messages', 'templates', 'campaigns',
                                                 'campaign_sequences', 'campaign_queue', 'scheduled_events']);
    -- the admin configures everything but the derived and append-only tables
    FOREACH t IN ARRAY ARRAY['score_weights', 'quiet_hour_rules', 'state_bans', 'compliance_settings', 'sender_limits',
                             'sms_messages', 'templates', 'campaigns', 'campaign_sequences', 'campaign_queue', 'scheduled_events'] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON outreach.%I TO outreach_admin', t);
    END LOOP;
    GRANT SELECT, INSERT ON outreach.consent_log TO outreach_admin;
    GRANT SELECT ON outreach.suppression_list TO outreach_admin;
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA outreach TO outreach_admin;
    -- operators record opt-outs (a do-not-contact request), and change lead status and tags
    GRANT INSERT ON outreach.consent_log TO outreach_operator;
    GRANT USAGE ON SEQUENCE outreach.consent_log_event_id_seq TO outreach_operator;
END
$tenant$;
GRANT SELECT ON outreach.lead_targets, outreach.unified_lead_cards TO outreach_operator, outreach_admin;

-- Teams created before this release get what new teams get.
INSERT INTO outreach.score_weights (team_id, component, points)
SELECT t.team_id, d.component, d.points FROM outreach.teams t CROSS JOIN outreach.default_score_weights() d
ON CONFLICT DO NOTHING;
INSERT INTO outreach.quiet_hour_rules (team_id, state, days, start_local, end_local, source)
SELECT t.team_id, d.state, d.days, d.start_local, d.end_local, d.source FROM outreach.teams t CROSS JOIN outreach.default_quiet_hour_rules() d;
INSERT INTO outreach.state_bans (team_id, state, reason)
SELECT t.team_id, 'WA', 'Unsolicited commercial text messages to Washington residents are prohibited (RCW 19.190.060)' FROM outreach.teams t
ON CONFLICT DO NOTHING;
INSERT INTO outreach.compliance_settings (team_id) SELECT t.team_id FROM outreach.teams t ON CONFLICT DO NOTHING;
INSERT INTO outreach.sender_limits (team_id) SELECT t.team_id FROM outreach.teams t ON CONFLICT DO NOTHING;
-- and leads imported before scoring existed get their score
SELECT outreach.rescore_leads(array_agg(l.team_id), array_agg(l.lead_id)) FROM outreach.leads l WHERE l.is_active;
