-- ---- campaign criteria that fail closed -----------------------------------------------------------
-- Before 0.5.0 a criteria entry that did not normalize became NULL, and `x <> ALL ('{NY,NULL}')` is
-- NULL: {"states": ["NY", "Nwe York"]} selected every state, and a blank sic_codes entry matched
-- every code. Now every entry must mean something when the campaign is saved (the error names it),
-- and the selection itself treats what it cannot read as "not selected".

CREATE OR REPLACE FUNCTION outreach.check_campaign_criteria(criteria jsonb) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k text;
    v jsonb;
    entry text;
    kinds constant jsonb := '{"min_score": "number", "max_score": "number", "statuses": "array", "tags": "array",
                              "exclude_tags": "array", "states": "array", "zips": "array", "radius": "object",
                              "sic_codes": "array", "naics_codes": "array", "min_employees": "number", "max_employees": "number",
                              "min_revenue": "number", "max_revenue": "number", "enrichment_statuses": "array",
                              "last_contacted_before": "string", "never_contacted": "boolean"}';
    lead_statuses constant text[] := ARRAY['new', 'contacted', 'engaged', 'qualified', 'converted', 'not_interested',
                                          'do_not_contact', 'bad_data'];
    enrichment_statuses constant text[] := ARRAY['not_enriched', 'pending', 'enriched', 'failed'];
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
        IF jsonb_typeof(v) = 'array' THEN
            IF EXISTS (SELECT 1 FROM jsonb_array_elements(v) e WHERE jsonb_typeof(e) <> 'string') THEN
                RAISE EXCEPTION 'campaign criterion "%" must be an array of strings, not %', k, v USING ERRCODE = 'invalid_parameter_value';
            END IF;
            -- an empty list would select nobody: surely not what was meant
            IF jsonb_array_length(v) = 0 THEN
                RAISE EXCEPTION 'campaign criterion "%" is an empty list: it would select nobody', k
                    USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave the criterion out to not filter by it.';
            END IF;
            -- every entry must mean something; the first that does not is named
            SELECT e INTO entry FROM jsonb_array_elements_text(v) WITH ORDINALITY AS u (e, i)
            WHERE CASE k
                      WHEN 'states' THEN outreach.normalize_state(e) IS NULL
                      WHEN 'zips' THEN outreach.normalize_zip(e) IS NULL
                      WHEN 'sic_codes' THEN btrim(e) !~ '^[0-9]{2,8}$'
                      WHEN 'naics_codes' THEN btrim(e) !~ '^[0-9]{2,6}$'
                      WHEN 'statuses' THEN NOT (e = ANY (lead_statuses))
                      WHEN 'enrichment_statuses' THEN NOT (e = ANY (enrichment_statuses))
                      -- a tag is compared as written: surrounding spaces would make it match nothing
                      ELSE btrim(e) = '' OR btrim(e) <> e
                  END
            ORDER BY i LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'campaign criterion "%": entry % is not %', k, to_jsonb(left(entry, 100))::text,
                                CASE k WHEN 'states' THEN 'a US state'
                                       WHEN 'zips' THEN 'a US ZIP code'
                                       WHEN 'sic_codes' THEN 'a SIC code or prefix (2 to 8 digits)'
                                       WHEN 'naics_codes' THEN 'a NAICS code or prefix (2 to 6 digits)'
                                       WHEN 'statuses' THEN 'a lead status (' || array_to_string(lead_statuses, ', ') || ')'
                                       WHEN 'enrichment_statuses' THEN 'an enrichment status (' || array_to_string(enrichment_statuses, ', ') || ')'
                                       ELSE 'a tag (it is blank or has spaces around it)' END
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END IF;
    END LOOP;
    IF criteria ? 'last_contacted_before' THEN
        BEGIN
            IF NOT isfinite((criteria ->> 'last_contacted_before')::timestamptz) THEN
                RAISE EXCEPTION 'not finite';
            END IF;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION 'campaign criterion "last_contacted_before" is not a timestamp: %', left(criteria ->> 'last_contacted_before', 100)
                USING ERRCODE = 'invalid_parameter_value';
        END;
    END IF;
    IF criteria ? 'radius' THEN
        IF EXISTS (SELECT 1 FROM jsonb_object_keys(criteria -> 'radius') x WHERE x NOT IN ('miles', 'zip', 'lat', 'lng')) THEN
            RAISE EXCEPTION 'campaign criterion "radius" takes miles and a zip or lat and lng, not %', criteria -> 'radius'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT (criteria -> 'radius' ? 'miles') OR jsonb_typeof(criteria #> '{radius,miles}') <> 'number'
           OR (criteria #>> '{radius,miles}')::numeric <= 0 THEN
            RAISE EXCEPTION 'campaign criterion "radius" needs "miles", a positive number: %', criteria -> 'radius'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF criteria -> 'radius' ? 'zip' THEN
            IF jsonb_typeof(criteria #> '{radius,zip}') <> 'string'
               OR NOT EXISTS (SELECT 1 FROM outreach.zip_codes z WHERE z.zip = outreach.normalize_zip(criteria #>> '{radius,zip}')) THEN
                RAISE EXCEPTION 'campaign criterion "radius": ZIP % has no known coordinates', criteria #> '{radius,zip}'
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
    'Raises an error naming the criterion (and the entry) when campaign criteria have an unknown key, a wrong type, an entry '
    'that does not normalize (a state, ZIP, SIC/NAICS prefix, status that is not one), an empty list or an impossible range.';

-- The same check as a value: NULL when the criteria are good, else what is wrong with them.
CREATE FUNCTION outreach.criteria_problem(criteria jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM outreach.check_campaign_criteria(criteria);
    RETURN NULL;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN SQLERRM;
END
$fn$;
COMMENT ON FUNCTION outreach.criteria_problem(jsonb) IS
    'What outreach.check_campaign_criteria would refuse in these criteria, as text; NULL when they are good.';

-- Criteria the check refuses select nobody (reason invalid_criteria): campaigns saved before this
-- release, or a direct call. And every filter is written so that what it cannot read (a NULL entry, a NULL value of the lead)
-- counts as "fails the filter", never as "passes": coalesce(<matches>, false).
CREATE OR REPLACE FUNCTION outreach.campaign_selection(team_id text, criteria jsonb)
    RETURNS TABLE (lead_id bigint, score integer, reasons text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH c AS (
        SELECT outreach.criteria_problem(criteria) AS problem,
               (criteria ->> 'min_score')::numeric AS min_score, (criteria ->> 'max_score')::numeric AS max_score,
               CASE WHEN criteria ? 'statuses' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'statuses')) END AS statuses,
               CASE WHEN criteria ? 'tags' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'tags')) END AS tags,
               CASE WHEN criteria ? 'exclude_tags' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'exclude_tags')) END AS exclude_tags,
               CASE WHEN criteria ? 'states' THEN ARRAY(SELECT outreach.normalize_state(x) FROM jsonb_array_elements_text(criteria -> 'states') x) END AS states,
               CASE WHEN criteria ? 'zips' THEN ARRAY(SELECT outreach.normalize_zip(x) FROM jsonb_array_elements_text(criteria -> 'zips') x) END AS zips,
               -- a blank prefix would match every code: it matches none
               CASE WHEN criteria ? 'sic_codes' THEN ARRAY(SELECT nullif(btrim(x), '') FROM jsonb_array_elements_text(criteria -> 'sic_codes') x) END AS sic_codes,
               CASE WHEN criteria ? 'naics_codes' THEN ARRAY(SELECT nullif(btrim(x), '') FROM jsonb_array_elements_text(criteria -> 'naics_codes') x) END AS naics_codes,
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
               CASE WHEN c.problem IS NOT NULL THEN 'invalid_criteria' END,
               CASE WHEN c.min_score IS NOT NULL AND NOT coalesce(t.score >= c.min_score, false) THEN 'score_below_min' END,
               CASE WHEN c.max_score IS NOT NULL AND NOT coalesce(t.score <= c.max_score, false) THEN 'score_above_max' END,
               CASE WHEN c.statuses IS NOT NULL AND NOT coalesce(t.status = ANY (c.statuses), false) THEN 'status' END,
               CASE WHEN c.tags IS NOT NULL AND NOT coalesce(t.tags && c.tags, false) THEN 'missing_tag' END,
               CASE WHEN c.exclude_tags IS NOT NULL AND coalesce(t.tags && c.exclude_tags, false) THEN 'excluded_tag' END,
               CASE WHEN c.states IS NOT NULL AND NOT coalesce(t.state = ANY (c.states), false) THEN 'state' END,
               CASE WHEN c.zips IS NOT NULL AND NOT coalesce(t.zip = ANY (c.zips), false) THEN 'zip' END,
               CASE WHEN c.miles IS NOT NULL AND (z.lat IS NULL OR c.lat IS NULL OR c.lng IS NULL) THEN 'no_location'
                    WHEN c.miles IS NOT NULL AND NOT coalesce(outreach.distance_miles(c.lat, c.lng, z.lat, z.lng) <= c.miles, false)
                    THEN 'outside_radius' END,
               CASE WHEN c.sic_codes IS NOT NULL AND NOT coalesce((SELECT bool_or(starts_with(b.sic_code, p)) FROM unnest(c.sic_codes) p), false)
                    THEN 'sic' END,
               CASE WHEN c.naics_codes IS NOT NULL AND NOT coalesce((SELECT bool_or(starts_with(b.naics_code, p)) FROM unnest(c.naics_codes) p), false)
                    THEN 'naics' END,
               CASE WHEN (c.min_employees IS NOT NULL OR c.max_employees IS NOT NULL)
                     AND NOT coalesce(b.employee_count >= coalesce(c.min_employees, b.employee_count)
                                      AND b.employee_count <= coalesce(c.max_employees, b.employee_count), false)
                    THEN 'employees' END,
               CASE WHEN (c.min_revenue IS NOT NULL OR c.max_revenue IS NOT NULL)
                     AND NOT coalesce(b.annual_revenue >= coalesce(c.min_revenue, b.annual_revenue)
                                      AND b.annual_revenue <= coalesce(c.max_revenue, b.annual_revenue), false)
                    THEN 'revenue' END,
               CASE WHEN c.enrichment IS NOT NULL AND NOT coalesce(l.enrichment_status = ANY (c.enrichment), false) THEN 'enrichment' END,
               -- never contacted is not contacted recently
               CASE WHEN c.contacted_before IS NOT NULL AND l.last_contacted_at IS NOT NULL
                     AND NOT coalesce(l.last_contacted_at < c.contacted_before, false) THEN 'contacted_recently' END,
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
    'Every active lead of the team with the campaign criteria it fails: invalid_criteria (criteria the check refuses select '
    'nobody), score_below_min, score_above_max, status, missing_tag, excluded_tag, state, zip, outside_radius, no_location (a '
    'radius and no coordinates for the lead''s ZIP), sic, naics, employees, revenue, enrichment, contacted_recently, '
    'contacted_before. A value the lead lacks fails the filter that reads it. Empty reasons: selected.';
