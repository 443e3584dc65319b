-- ==== Step: score ================================================================================
-- What a lead is worth: explainable lead scores, component by component, kept current by
-- statement-level triggers on everything a score reads; and the lead's targeting view (the number
-- it is texted on, its state and ZIP) the rest of the journey reads.

-- ---- tables -------------------------------------------------------------------------------------

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
    'Points of each lead-scoring component for a team (outreach.default_score_weights() are the defaults every team '
    'starts with; they add up to 100). Changing a row rescores the team''s leads.';

SELECT outreach.secure_tenant_tables(ARRAY['score_weights']);
GRANT SELECT, INSERT, UPDATE, DELETE ON outreach.score_weights TO outreach_admin;

-- ---- functions ----------------------------------------------------------------------------------

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
COMMENT ON FUNCTION outreach.default_score_weights() IS
    'The scoring components, their default points (summing to 100) and what each rewards.';

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
-- For a few, the long query takes several times longer to plan than to run (3 ms against 0.5 ms
-- for one lead), and a reply or a status change rescores one lead at a time: the query is prepared
-- once per session and text (new weights make a new text) and runs with its generic plan.
CREATE FUNCTION outreach.run_score_sql(sql text, team_ids text[], lead_ids bigint[]) RETURNS SETOF record
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    statement_name text := 'outreach_score_' || left(md5(sql), 20);
BEGIN
    IF cardinality(lead_ids) <= 2000 THEN
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements p WHERE p.name = statement_name) THEN
            EXECUTE format('PREPARE %I (text[], bigint[]) AS ', statement_name)
                    || format(sql, '(SELECT * FROM unnest($1, $2) AS x (team_id, lead_id))');
        END IF;
        RETURN QUERY EXECUTE format('EXECUTE %I (%L, %L)', statement_name, team_ids, lead_ids);
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
COMMENT ON FUNCTION outreach.run_score_sql(text, text[], bigint[]) IS
    'Internal: runs outreach.lead_score_sql over (team, lead) pairs.';

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
    'Internal: each scoring component of the given (team, lead) pairs, earned or not, with its points and the value it '
    'looked at.';

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
COMMENT ON FUNCTION outreach.rescore_leads(text[], bigint[]) IS
    'Internal: recomputes leads.score of the given (team, lead) pairs.';

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
    'The components of a lead''s score: earned or not, the points it adds (the team''s score_weights), the value it '
    'looked at and what it rewards. The earned points add up to leads.score.';

-- Updating a lead rescores it only when something its score reads changed. A text going out sets
-- last_contacted_at and moves a new lead to contacted; neither is part of the score, and at
-- thousands of texts a second rescoring each one was a tenth of a millisecond per text for nothing.
-- The score reads from leads: is_active, persona_id, business_id, enrichment_status and whether
-- the status is engaged or qualified (outreach.lead_score_sql); a change to any of those rescores.
CREATE FUNCTION outreach.leads_rescore_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    -- the rescore itself updates leads: do not recurse into it
    IF pg_catalog.pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    PERFORM outreach.rescore_leads(array_agg(n.team_id), array_agg(n.lead_id))
    FROM changed_leads n
    JOIN old_leads o ON o.team_id = n.team_id AND o.lead_id = n.lead_id
    WHERE n.is_active
      AND (o.is_active IS DISTINCT FROM n.is_active
           OR o.persona_id IS DISTINCT FROM n.persona_id
           OR o.business_id IS DISTINCT FROM n.business_id
           OR o.enrichment_status IS DISTINCT FROM n.enrichment_status
           OR (o.status IN ('engaged', 'qualified')) IS DISTINCT FROM (n.status IN ('engaged', 'qualified')))
    HAVING count(*) > 0;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION outreach.leads_rescore_changed() IS
    'Internal trigger: rescores the updated leads whose scored columns changed (is_active, persona_id, business_id, '
    'enrichment_status, engaged/qualified status); last_contacted_at and other bookkeeping leave the score alone.';
REVOKE ALL ON FUNCTION outreach.leads_rescore_changed() FROM PUBLIC;

REVOKE ALL ON FUNCTION outreach.run_score_sql(text, text[], bigint[]), outreach.leads_rescore(), outreach.persona_rows_rescore(), outreach.business_rows_rescore(),
    outreach.source_rows_rescore(), outreach.score_weights_rescore(), outreach.rescore_leads(text[], bigint[]),
    outreach.lead_score_components(text[], bigint[]) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION outreach.lead_score_components(text[], bigint[]) TO outreach_operator, outreach_admin;

-- ---- views --------------------------------------------------------------------------------------

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
    'Active leads with the number they are texted on (E.164), their ZIP and state: the input of scheduling and of '
    'outreach.can_send.';
GRANT SELECT ON outreach.lead_targets TO outreach_operator, outreach_admin;

-- ---- triggers -----------------------------------------------------------------------------------

CREATE TRIGGER rescore_inserted AFTER INSERT ON outreach.leads
    REFERENCING NEW TABLE AS changed_leads FOR EACH STATEMENT EXECUTE FUNCTION outreach.leads_rescore();

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

CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.leads
    REFERENCING OLD TABLE AS old_leads NEW TABLE AS changed_leads
    FOR EACH STATEMENT EXECUTE FUNCTION outreach.leads_rescore_changed();

CREATE TRIGGER seed_score_weights AFTER INSERT ON outreach.teams
    FOR EACH ROW EXECUTE FUNCTION outreach.teams_seed_score_weights();

CREATE TRIGGER rescore_inserted AFTER INSERT ON outreach.source_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.source_rows_rescore();

CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.source_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.source_rows_rescore();

CREATE TRIGGER rescore_team AFTER UPDATE ON outreach.score_weights
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.score_weights_rescore();
