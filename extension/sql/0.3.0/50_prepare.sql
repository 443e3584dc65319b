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
