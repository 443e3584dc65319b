-- Resolution of one load (design.md §5), set-based: a handful of statements per load, whatever
-- its size.
--
-- 1. Candidates. Each new row is compared only with rows that share a blocking key with it:
--    persons by phone, e-mail, ZIP + last name, ZIP + first name, ZIP + both names in either
--    order, ZIP + street; businesses by name + ZIP, name + city, phone, and ZIP + first word of
--    the name (a business name recurs in other towns, so it blocks with its place). Inside a
--    block a row meets at most the 8 oldest members, so a shared main line or a common name costs
--    linear, not quadratic, work. Candidates come from this load and from what the team has.
-- 2. Evidence. Every field of a pair is compared to a level (exact, close, initial, different,
--    missing) that carries a Fellegi-Sunter weight log2(m/u): m = how often the level occurs for a
--    true match, u = for a non-match (see outreach.match_weights). The u of an exact name is its
--    frequency in the team's data (smoothed toward a prior), so a rare surname weighs more than
--    Smith. Nicknames, typos and short forms are "close" (outreach.first_name_level,
--    outreach.last_name_level); first and last names swapped between two rows are compared
--    crossed.
-- 3. Decisions, in the order of the cascade:
--       exact phone                          merge 100   (review when the names contradict)
--       exact e-mail                         merge 95    (review when the names contradict; a role
--                                                         address such as info@ merges only agreeing
--                                                         names or two nameless rows, else review)
--       names agree + street and ZIP/city    merge 90
--       names agree + ZIP                    review 70
--       same surname and full address, first
--         names alike (Jaro-Winkler >= 0.8)    review 75   (Elly/Ellie, or a household's Mark/Mary)
--       business name exact + same place     merge 95    (same ZIP, phone, street, or city when a ZIP is missing)
--       business name misspelt + phone,
--         or + street and ZIP                merge 90    (every word within Jaro-Winkler 0.88)
--       business name close + ZIP or phone   review 80
--    "Names agree" means the name weight is at least 5 bits and neither name is different;
--    "names contradict" means one of them is different (Mark and Susan Lee sharing a home
--    line), or the name weight is below -2.
-- 4. Clusters. Merge decisions are edges; their connected components are the entities. The
--    oldest member survives (an entity the team already had beats this load's rows). Pairs an
--    operator declared distinct (or un-merged) never become edges again, nor end up in one
--    cluster through other rows: edges are joined strongest first and one that would bring a
--    distinct pair together is skipped. People whose names contradict while they share a phone
--    or e-mail (an open shared_phone / shared_email review) are kept apart the same way.

-- The m and u probabilities behind every weight, as one JSON document (priors; name
-- frequencies come from the data). Evidence in merge history and reviews quotes the weights.
CREATE FUNCTION outreach.match_weights() RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '{
    "first_name": {"exact": {"m": 0.85}, "close": {"m": 0.08, "u": 0.01}, "initial": {"m": 0.03, "u": 0.08},
                   "different": {"m": 0.04, "u": 0.91}, "prior_u_exact": 0.005},
    "last_name":  {"exact": {"m": 0.88}, "close": {"m": 0.07, "u": 0.005}, "different": {"m": 0.05, "u": 0.99},
                   "prior_u_exact": 0.002},
    "phone":      {"exact": {"m": 0.80, "u": 0.00001}, "different": {"m": 0.20, "u": 0.99}},
    "email":      {"exact": {"m": 0.70, "u": 0.00001}, "different": {"m": 0.30, "u": 0.99}},
    "street":     {"exact": {"m": 0.75, "u": 0.0005}, "close": {"m": 0.12, "u": 0.0005}, "different": {"m": 0.13, "u": 0.9995}},
    "zip":        {"exact": {"m": 0.90, "u": 0.005}, "different": {"m": 0.10, "u": 0.995}},
    "business_name": {"exact": {"m": 0.90}, "close": {"m": 0.08, "u": 0.002}, "different": {"m": 0.02, "u": 0.99},
                      "prior_u_exact": 0.001},
    "smoothing_rows": 1000,
    "prior_match_probability": 0.0001
}'::jsonb;
COMMENT ON FUNCTION outreach.match_weights() IS
    'Fellegi-Sunter m/u probabilities of each comparison level (weight = log2(m/u)). The u of an exact name is estimated '
    'from the team''s own name frequencies, smoothed toward prior_u_exact over smoothing_rows pseudo-rows.';

-- Weight in bits of a level.
CREATE FUNCTION outreach.level_weight(field text, level text) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN level = 'missing' THEN 0
            ELSE pg_catalog.ln((outreach.match_weights() -> field -> level ->> 'm')::double precision
                               / (outreach.match_weights() -> field -> level ->> 'u')::double precision) / pg_catalog.ln(2)
       END;
COMMENT ON FUNCTION outreach.level_weight(text, text) IS 'log2(m/u) of a comparison level of outreach.match_weights(); 0 for missing.';

-- How two first-name keys compare, given with their first words a1 and b1 (a first-name field
-- often carries more than the name: a middle initial or a nickname, "amy w", "stephen steve").
-- Close: the same first word, a short form of at least three letters (Dani/Danielle,
-- Barb/Barbara), a typo (Jaro-Winkler >= 0.92: Ana/Anna), or a known nickname
-- (outreach.name_similarity >= 0.85: Bob/Robert). Initial: J against John. Cheap tests first.
CREATE FUNCTION outreach.first_name_level(a text, b text, a1 text, b1 text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN a IS NULL OR b IS NULL THEN 'missing'
    WHEN a = b THEN 'exact'
    WHEN a1 = b1
      OR (pg_catalog.length(a1) >= 3 AND pg_catalog.length(b1) >= 3
          AND (pg_catalog.starts_with(a1, b1) OR pg_catalog.starts_with(b1, a1)))
      OR outreach.jaro_winkler(a1, b1) >= 0.92
      OR outreach.name_similarity(a1, b1) >= 0.85
      OR ((a <> a1 OR b <> b1) AND outreach.name_similarity(a, b) >= 0.85)
      THEN 'close'
    WHEN (pg_catalog.length(a1) = 1 OR pg_catalog.length(b1) = 1) AND pg_catalog.left(a1, 1) = pg_catalog.left(b1, 1) THEN 'initial'
    ELSE 'different'
END;
COMMENT ON FUNCTION outreach.first_name_level(text, text, text, text) IS
    'Comparison level of two first-name keys (outreach.name_key) given with their first words: exact, close (same first '
    'word, short form, typo, nickname), initial, different, or missing.';

CREATE FUNCTION outreach.first_name_level(a text, b text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN outreach.first_name_level(a, b, pg_catalog.split_part(a, ' ', 1), pg_catalog.split_part(b, ' ', 1));
COMMENT ON FUNCTION outreach.first_name_level(text, text) IS
    'Comparison level of two first-name keys (outreach.name_key): exact, close (nickname, typo, short form, same first word), '
    'initial, different, or missing.';

-- How two last-name keys compare: close within Jaro-Winkler 0.88 (Jnoes/Jones).
CREATE FUNCTION outreach.last_name_level(a text, b text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN a IS NULL OR b IS NULL THEN 'missing'
    WHEN a = b THEN 'exact'
    WHEN outreach.jaro_winkler(a, b) >= 0.88 THEN 'close'
    ELSE 'different'
END;
COMMENT ON FUNCTION outreach.last_name_level(text, text) IS
    'Comparison level of two last-name keys (outreach.name_key): exact, close (Jaro-Winkler >= 0.88), different, or missing.';

-- Role addresses reach whoever reads the shared inbox: weak evidence of one person.
CREATE FUNCTION outreach.is_role_email(email text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.split_part(email, '@', 1) OPERATOR(pg_catalog.~) '^(info|sales|office|contact|contactus|admin|support|hello|hi|service|services|billing|team|mail|enquiries|inquiries|enquiry|inquiry|frontdesk|reception|help|accounts|accounting|orders|marketing|hr|jobs|careers|noreply|no-reply|webmaster|general|customerservice|appointments|booking|bookings|manager|management|owner|staff)$';
COMMENT ON FUNCTION outreach.is_role_email(text) IS
    'True for shared role mailboxes (info@, sales@, office@, ...): the same such address is weak evidence of the same person.';

-- Resolves the rows of temporary table _outreach_in (built by import_staged) against each other
-- and the team's entities, writes the entities, links and reviews, and returns the counts.
CREATE FUNCTION outreach.resolve_load(team_id text, data_source_id bigint,
    OUT personas_created bigint, OUT personas_merged bigint, OUT businesses_created bigint,
    OUT businesses_merged bigint, OUT leads_created bigint, OUT reviews_opened bigint)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
    SET work_mem = '256MB'
AS $fn$
DECLARE
    t  text := team_id;
    ds bigint := data_source_id;
    smooth double precision := (outreach.match_weights() ->> 'smoothing_rows')::double precision;
    m_first double precision := (outreach.match_weights() #>> '{first_name,exact,m}')::double precision;
    u_first double precision := (outreach.match_weights() #>> '{first_name,prior_u_exact}')::double precision;
    m_last double precision := (outreach.match_weights() #>> '{last_name,exact,m}')::double precision;
    u_last double precision := (outreach.match_weights() #>> '{last_name,prior_u_exact}')::double precision;
    m_biz double precision := (outreach.match_weights() #>> '{business_name,exact,m}')::double precision;
    u_biz double precision := (outreach.match_weights() #>> '{business_name,prior_u_exact}')::double precision;
    w_first_close double precision := outreach.level_weight('first_name', 'close');
    w_first_initial double precision := outreach.level_weight('first_name', 'initial');
    w_first_diff double precision := outreach.level_weight('first_name', 'different');
    w_last_close double precision := outreach.level_weight('last_name', 'close');
    w_last_diff double precision := outreach.level_weight('last_name', 'different');
    w_phone_exact double precision := outreach.level_weight('phone', 'exact');
    w_phone_diff double precision := outreach.level_weight('phone', 'different');
    w_email_exact double precision := outreach.level_weight('email', 'exact');
    w_email_diff double precision := outreach.level_weight('email', 'different');
    w_street_exact double precision := outreach.level_weight('street', 'exact');
    w_street_close double precision := outreach.level_weight('street', 'close');
    w_street_diff double precision := outreach.level_weight('street', 'different');
    w_zip_exact double precision := outreach.level_weight('zip', 'exact');
    w_zip_diff double precision := outreach.level_weight('zip', 'different');
    w_biz_close double precision := outreach.level_weight('business_name', 'close');
    w_biz_diff double precision := outreach.level_weight('business_name', 'different');
    prior_w double precision := ln((outreach.match_weights() ->> 'prior_match_probability')::double precision
                                   / (1 - (outreach.match_weights() ->> 'prior_match_probability')::double precision)) / ln(2);
    total_people double precision;
    total_biz double precision;
    bridged_from bigint[];
    bridged_to bigint[];
    n bigint;
BEGIN
    -- One resolution per team at a time: two concurrent loads of the same person must see each
    -- other's rows, or both would create him.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('outreach.resolve:' || t, 0));

    -- ---- persons: observations of this load and the team's matching ones -------------------
    CREATE TEMP TABLE _outreach_pobs ON COMMIT DROP AS
    SELECT i.persona_id AS obs_id, i.persona_id AS node, true AS is_new, i.first_key, i.last_key, i.phone, i.email,
           i.street_key, i.zip, i.city_key, split_part(i.first_key, ' ', 1) AS first1
    FROM _outreach_in i WHERE i.persona_id IS NOT NULL;
    -- the team's rows that share a key with this load, each key by its own index (a handful of
    -- rows in a large team costs a handful of index probes, not a scan)
    INSERT INTO _outreach_pobs
    SELECT p.persona_id, p.canonical_id, false, p.first_key, p.last_key, p.normalized_phone, p.normalized_email,
           p.normalized_street, p.normalized_zip, p.city_key, split_part(p.first_key, ' ', 1)
    FROM outreach.personas p
    WHERE p.team_id = t AND p.persona_id IN (
        SELECT x.persona_id FROM outreach.personas x
        JOIN (SELECT DISTINCT phone FROM _outreach_in WHERE phone IS NOT NULL) k ON x.normalized_phone = k.phone
        WHERE x.team_id = t AND x.normalized_phone IS NOT NULL AND x.data_source_id IS DISTINCT FROM ds
        UNION
        SELECT x.persona_id FROM outreach.personas x
        JOIN (SELECT DISTINCT email FROM _outreach_in WHERE email IS NOT NULL) k ON x.normalized_email = k.email
        WHERE x.team_id = t AND x.normalized_email IS NOT NULL AND x.data_source_id IS DISTINCT FROM ds
        UNION
        SELECT x.persona_id FROM outreach.personas x
        JOIN (SELECT DISTINCT zip, last_key, first_key, street_key FROM _outreach_in WHERE zip IS NOT NULL) k
          ON x.normalized_zip = k.zip
         AND (x.last_key = k.last_key OR x.first_key = k.first_key OR x.normalized_street = k.street_key)
        WHERE x.team_id = t AND x.normalized_zip IS NOT NULL AND x.data_source_id IS DISTINCT FROM ds);

    ANALYZE _outreach_pobs;
    CREATE TEMP TABLE _outreach_pcand ON COMMIT DROP AS
    SELECT bp.a AS a_obs, bp.b AS b_obs
    FROM (
        -- keys as 64-bit hashes, one seed per kind of key: cheap to sort; a collision only adds
        -- a candidate, whose evidence is then computed on the real fields
        SELECT array_agg(o.obs_id) AS ids, array_agg(k.key) AS keys, array_agg(o.is_new) AS news
        FROM _outreach_pobs o
        CROSS JOIN LATERAL (VALUES (hashtextextended(o.phone, 1)), (hashtextextended(o.email, 2)),
                                   (hashtextextended(o.zip || '|' || o.last_key, 3)),
                                   (hashtextextended(o.zip || '|' || o.first_key, 4)),
                                   (hashtextextended(o.zip || '|' || least(o.first_key, o.last_key) || '|' || greatest(o.first_key, o.last_key), 5)),
                                   (hashtextextended(o.zip || '|' || o.street_key, 6))) AS k (key)
        WHERE k.key IS NOT NULL
    ) blocks
    CROSS JOIN LATERAL outreach.block_pairs(coalesce(blocks.ids, '{}'), coalesce(blocks.keys, '{}'), coalesce(blocks.news, '{}'), 8) AS bp;
    ANALYZE _outreach_pcand;
    -- name frequencies (smoothed) for the u of an exact name
    -- name frequencies: the team's counts so far (outreach.name_frequencies) plus this load's
    CREATE TEMP TABLE _outreach_name_freq ON COMMIT DROP AS
    SELECT l.part, l.key, (l.n + coalesce(f.n, 0))::double precision AS n
    FROM (SELECT 'first' AS part, i.first_key AS key, count(*) AS n FROM _outreach_in i
          WHERE i.persona_id IS NOT NULL AND i.first_key IS NOT NULL GROUP BY 2
          UNION ALL
          SELECT 'last', i.last_key, count(*) FROM _outreach_in i WHERE i.persona_id IS NOT NULL AND i.last_key IS NOT NULL GROUP BY 2) l
    LEFT JOIN outreach.name_frequencies f ON f.team_id = t AND f.kind = l.part AND f.key = l.key;
    -- keys only the team has (existing rows in a pair) are looked up too
    INSERT INTO _outreach_name_freq
    SELECT f.kind, f.key, f.n FROM outreach.name_frequencies f
    JOIN (SELECT DISTINCT 'first' AS part, o.first_key AS key FROM _outreach_pobs o WHERE NOT o.is_new AND o.first_key IS NOT NULL
          UNION SELECT DISTINCT 'last', o.last_key FROM _outreach_pobs o WHERE NOT o.is_new AND o.last_key IS NOT NULL) k
      ON f.team_id = t AND f.kind = k.part AND f.key = k.key
    WHERE NOT EXISTS (SELECT 1 FROM _outreach_name_freq x WHERE x.part = k.part AND x.key = k.key);
    total_people := coalesce((SELECT f.n FROM outreach.name_frequencies f WHERE f.team_id = t AND f.kind = 'people' AND f.key = ''), 0)
                    + (SELECT count(*) FROM _outreach_in WHERE persona_id IS NOT NULL);
    INSERT INTO outreach.name_frequencies AS f (team_id, kind, key, n)
    SELECT t, part, key, count(*) FROM (
        SELECT 'first' AS part, first_key AS key FROM _outreach_in WHERE persona_id IS NOT NULL AND first_key IS NOT NULL
        UNION ALL SELECT 'last', last_key FROM _outreach_in WHERE persona_id IS NOT NULL AND last_key IS NOT NULL
        UNION ALL SELECT 'people', '' FROM _outreach_in WHERE persona_id IS NOT NULL) k
    GROUP BY part, key
    ON CONFLICT ON CONSTRAINT name_frequencies_pkey DO UPDATE SET n = f.n + excluded.n;

    ANALYZE _outreach_name_freq;
    -- evidence and decision of every candidate pair
    CREATE TEMP TABLE _outreach_ppairs ON COMMIT DROP AS
    -- MATERIALIZED: each level is computed once per pair, not once per reference to it
    WITH lv AS MATERIALIZED (
        SELECT a.node AS a_node, b.node AS b_node, a.obs_id AS a_obs, b.obs_id AS b_obs,
               a.first_key AS a_first, b.first_key AS b_first, a.last_key AS a_last, b.last_key AS b_last,
               a.first1 AS a_first1, b.first1 AS b_first1,
               CASE WHEN a.phone IS NULL OR b.phone IS NULL THEN 'missing' WHEN a.phone = b.phone THEN 'exact' ELSE 'different' END AS phone_l,
               CASE WHEN a.email IS NULL OR b.email IS NULL THEN 'missing' WHEN a.email = b.email THEN 'exact' ELSE 'different' END AS email_l,
               CASE WHEN a.street_key IS NULL OR b.street_key IS NULL THEN 'missing'
                    WHEN a.street_key = b.street_key THEN 'exact'
                    WHEN split_part(a.street_key, ' ', 1) = split_part(b.street_key, ' ', 1)
                         AND outreach.jaro_winkler(a.street_key, b.street_key) >= 0.9 THEN 'close'
                    ELSE 'different' END AS street_l,
               CASE WHEN a.zip IS NULL OR b.zip IS NULL THEN 'missing' WHEN a.zip = b.zip THEN 'exact' ELSE 'different' END AS zip_l,
               (a.city_key IS NOT NULL AND a.city_key = b.city_key) AS same_city,
               a.email AS a_email,
               (a.first_key IS NOT NULL OR a.last_key IS NOT NULL) AS a_named,
               (b.first_key IS NOT NULL OR b.last_key IS NOT NULL) AS b_named
        FROM _outreach_pcand c
        JOIN _outreach_pobs a ON a.obs_id = c.a_obs
        JOIN _outreach_pobs b ON b.obs_id = c.b_obs
        WHERE a.node <> b.node
    ),
    direct AS (
        SELECT lv.*, outreach.first_name_level(a_first, b_first, a_first1, b_first1) AS d_first,
               outreach.last_name_level(a_last, b_last) AS d_last
        FROM lv
    ),
    -- first and last name swapped between the rows (Flores Joey / Joseph Flores), read only when
    -- the names do not agree as written and the crossed last name could (same first letter)
    crossed0 AS (
        SELECT d.*,
               CASE WHEN NOT (d_first IN ('exact', 'close') AND d_last IN ('exact', 'close')) AND a_first IS NOT NULL
                         AND b_last IS NOT NULL AND left(a_last, 1) = left(b_first, 1)
                    THEN outreach.last_name_level(a_last, b_first) END AS c_last
        FROM direct d
    ),
    crossed AS MATERIALIZED (
        SELECT d.*,
               CASE WHEN d.c_last IN ('exact', 'close')
                    THEN outreach.first_name_level(a_first, b_last, a_first1, split_part(b_last, ' ', 1)) END AS c_first
        FROM crossed0 d
    ),
    names AS MATERIALIZED (
        SELECT c.*,
               c.swap_ok AS swapped,
               CASE WHEN c.swap_ok THEN c.c_first ELSE c.d_first END AS first_l,
               CASE WHEN c.swap_ok THEN c.c_last ELSE c.d_last END AS last_l
        FROM (SELECT x.*, coalesce(x.c_first IN ('exact', 'close') AND x.c_last IN ('exact', 'close'), false) AS swap_ok
              FROM crossed x) c
    ),
    weighed AS MATERIALIZED (
        SELECT n.*,
               CASE n.first_l
                   WHEN 'exact' THEN ln(m_first / ((coalesce(ff.n, 0) + u_first * smooth) / (total_people + smooth))) / ln(2)
                   WHEN 'close' THEN w_first_close WHEN 'initial' THEN w_first_initial WHEN 'different' THEN w_first_diff
                   ELSE 0 END AS first_w,
               CASE n.last_l
                   WHEN 'exact' THEN ln(m_last / ((coalesce(lf.n, 0) + u_last * smooth) / (total_people + smooth))) / ln(2)
                   WHEN 'close' THEN w_last_close WHEN 'different' THEN w_last_diff ELSE 0 END AS last_w
        FROM names n
        LEFT JOIN _outreach_name_freq ff ON ff.part = 'first' AND ff.key = n.a_first
        LEFT JOIN _outreach_name_freq lf ON lf.part = 'last' AND lf.key = n.a_last
    ),
    judged AS (
        SELECT x.*,
               x.first_w + x.last_w AS name_w,
               x.first_w + x.last_w
                 + CASE x.phone_l WHEN 'exact' THEN w_phone_exact WHEN 'different' THEN w_phone_diff ELSE 0 END
                 + CASE x.email_l WHEN 'exact' THEN w_email_exact WHEN 'different' THEN w_email_diff ELSE 0 END
                 + CASE x.street_l WHEN 'exact' THEN w_street_exact WHEN 'close' THEN w_street_close WHEN 'different' THEN w_street_diff ELSE 0 END
                 + CASE x.zip_l WHEN 'exact' THEN w_zip_exact WHEN 'different' THEN w_zip_diff ELSE 0 END AS total_w,
               (x.first_w + x.last_w >= 5 AND x.first_l <> 'different' AND x.last_l <> 'different') AS names_agree,
               -- a shared phone or e-mail is a household, a main line or a shared mailbox as soon as
               -- one name differs (Mark and Susan Lee at home): it is not enough to merge them
               (x.first_w + x.last_w < -2 OR x.first_l = 'different' OR x.last_l = 'different') AS names_contradict,
               (x.street_l IN ('exact', 'close') AND (x.zip_l = 'exact' OR (x.zip_l = 'missing' AND x.same_city))) AS address_full
        FROM weighed x
    )
    SELECT d.a_node, d.b_node, d.a_obs, d.b_obs, d.action, d.rule,
           CASE d.rule WHEN 'phone' THEN 100 WHEN 'shared_phone' THEN 100 WHEN 'email' THEN 95 WHEN 'shared_email' THEN 95
                       WHEN 'name_address' THEN 90 WHEN 'similar_name_address' THEN 75 ELSE 70 END AS confidence,
           d.total_w,
           jsonb_build_object('rule', d.rule, 'first_name', d.first_l, 'last_name', d.last_l, 'names_swapped', d.swapped,
                              'phone', d.phone_l, 'email', d.email_l, 'street', d.street_l, 'zip', d.zip_l,
                              'name_weight', round(d.name_w::numeric, 2), 'match_weight', round(d.total_w::numeric, 2),
                              'match_probability', round((1 / (1 + 2 ^ (-(d.total_w + prior_w))))::numeric, 4),
                              'compared', jsonb_build_array(d.a_obs, d.b_obs)) AS evidence
    FROM (
        SELECT j.*, CASE WHEN j.rule IN ('shared_phone', 'shared_email', 'name_zip', 'similar_name_address') THEN 'review'
                         ELSE 'merge' END AS action
        FROM (
            SELECT x.*,
                   CASE WHEN x.phone_l = 'exact' THEN CASE WHEN x.names_contradict THEN 'shared_phone' ELSE 'phone' END
                        WHEN x.email_l = 'exact' THEN
                            CASE WHEN x.names_contradict THEN 'shared_email'
                                 WHEN NOT outreach.is_role_email(x.a_email) OR x.names_agree OR NOT (x.a_named OR x.b_named) THEN 'email'
                                 ELSE 'shared_email' END
                        WHEN x.names_agree AND x.address_full THEN 'name_address'
                        WHEN x.names_agree AND x.zip_l = 'exact' THEN 'name_zip'
                        -- same surname at the same address, first names alike but not close enough
                        -- to say (Elly / Ellie, or Mark / Mary of one household): an operator decides
                        WHEN x.address_full AND x.last_l IN ('exact', 'close') AND x.first_l = 'different'
                             AND outreach.jaro_winkler(x.a_first1, x.b_first1) >= 0.8 THEN 'similar_name_address'
                   END AS rule
            FROM judged x
        ) j
        WHERE j.rule IS NOT NULL
    ) d;

    -- operator decisions stand: pairs known to be distinct are neither merged nor reviewed again
    ANALYZE _outreach_ppairs;
    DELETE FROM _outreach_ppairs pp
    USING outreach.match_reviews r
    WHERE r.team_id = t AND r.entity = 'persona' AND r.state = 'distinct'
      AND r.left_id = least(pp.a_node, pp.b_node) AND r.right_id = greatest(pp.a_node, pp.b_node);

    -- clusters of merge decisions; the oldest member survives
    -- known-distinct pairs (by their entities now) must not end up in one cluster through others
    CREATE TEMP TABLE _outreach_cannot ON COMMIT DROP AS
    SELECT l.canonical_id AS a, r.canonical_id AS b
    FROM outreach.match_reviews mr
    JOIN outreach.personas l ON l.team_id = mr.team_id AND l.persona_id = mr.left_id
    JOIN outreach.personas r ON r.team_id = mr.team_id AND r.persona_id = mr.right_id
    WHERE mr.team_id = t AND mr.entity = 'persona'
      AND (mr.state = 'distinct' OR (mr.state = 'open' AND mr.rule IN ('shared_phone', 'shared_email')))
      AND (l.canonical_id IN (SELECT a_node FROM _outreach_ppairs) OR l.canonical_id IN (SELECT b_node FROM _outreach_ppairs))
      AND (r.canonical_id IN (SELECT a_node FROM _outreach_ppairs) OR r.canonical_id IN (SELECT b_node FROM _outreach_ppairs))
    UNION ALL
    -- people whose names contradict while they share a phone or e-mail (this load's own finding)
    -- are not joined by a third row that matches both (a nameless row with the household line)
    SELECT a_node, b_node FROM _outreach_ppairs WHERE action = 'review' AND rule IN ('shared_phone', 'shared_email');
    CREATE TEMP TABLE _outreach_pclusters ON COMMIT DROP AS
    SELECT cc.id, cc.root
    FROM outreach.connected_components(
             coalesce((SELECT array_agg(a_node ORDER BY confidence DESC, total_w DESC) FROM _outreach_ppairs WHERE action = 'merge'), '{}'),
             coalesce((SELECT array_agg(b_node ORDER BY confidence DESC, total_w DESC) FROM _outreach_ppairs WHERE action = 'merge'), '{}'),
             coalesce((SELECT array_agg(a) FROM _outreach_cannot), '{}'),
             coalesce((SELECT array_agg(b) FROM _outreach_cannot), '{}')) AS cc;
    DROP TABLE _outreach_cannot;
    CREATE INDEX ON _outreach_pclusters (id);
    -- the survivor is the team's oldest entity in the cluster when it has one (ids of a load
    -- running concurrently may be smaller than ours), else this load's first row
    WITH comp AS (
        SELECT c.root AS old_root, min(c.id) FILTER (WHERE i.persona_id IS NULL) AS oldest_existing
        FROM _outreach_pclusters c LEFT JOIN _outreach_in i ON i.persona_id = c.id
        GROUP BY c.root
    )
    UPDATE _outreach_pclusters c SET root = comp.oldest_existing
    FROM comp
    WHERE c.root = comp.old_root AND comp.oldest_existing IS NOT NULL AND comp.oldest_existing <> comp.old_root;
    ANALYZE _outreach_pclusters;

    -- existing entities joined by this load (a new row that shares a phone with one persona and
    -- an e-mail with another) are merged like any other
    SELECT array_agg(c.id ORDER BY c.id), array_agg(c.root ORDER BY c.id) INTO bridged_from, bridged_to
    FROM _outreach_pclusters c
    WHERE c.id <> c.root AND NOT EXISTS (SELECT 1 FROM _outreach_in i WHERE i.persona_id = c.id);
    PERFORM outreach.apply_merges(t, 'persona', coalesce(bridged_from, '{}'), coalesce(bridged_to, '{}'));

    -- merge history: for each merged node, its strongest decision towards the cluster
    INSERT INTO outreach.persona_merge_history (team_id, survivor_id, merged_id, confidence, match_weight, rule, evidence, data_source_id)
    SELECT DISTINCT ON (c.id) t, c.root, c.id, pp.confidence, pp.total_w, pp.rule, pp.evidence, ds
    FROM _outreach_pclusters c
    JOIN _outreach_ppairs pp ON pp.action = 'merge' AND (pp.a_node = c.id OR pp.b_node = c.id)
    JOIN _outreach_pclusters o ON o.id = CASE WHEN pp.a_node = c.id THEN pp.b_node ELSE pp.a_node END AND o.root = c.root
    WHERE c.id <> c.root
    ORDER BY c.id, pp.confidence DESC, pp.total_w DESC;
    GET DIAGNOSTICS personas_merged = ROW_COUNT;

    -- the persons of this load, each pointing at its survivor
    INSERT INTO outreach.personas (team_id, persona_id, first_name, last_name, first_key, last_key, normalized_phone,
                                   normalized_email, normalized_street, normalized_zip, normalized_state, city_key, is_active,
                                   merged_into, canonical_id, data_source_id, row_number)
    SELECT t, i.persona_id, i.first_name, i.last_name, i.first_key, i.last_key, i.phone, i.email, i.street_key, i.zip,
           i.state_code, i.city_key, c.root IS NULL OR c.root = i.persona_id,
           CASE WHEN c.root <> i.persona_id THEN c.root END, coalesce(c.root, i.persona_id), ds, i.row_number
    FROM _outreach_in i LEFT JOIN _outreach_pclusters c ON c.id = i.persona_id
    WHERE i.persona_id IS NOT NULL;
    SELECT count(*) INTO personas_created FROM _outreach_in i LEFT JOIN _outreach_pclusters c ON c.id = i.persona_id
    WHERE i.persona_id IS NOT NULL AND (c.root IS NULL OR c.root = i.persona_id);

    -- ---- businesses --------------------------------------------------------------------------
    CREATE TEMP TABLE _outreach_bobs ON COMMIT DROP AS
    SELECT i.business_id AS obs_id, i.business_id AS node, true AS is_new, i.biz_key, i.phone, i.street_key, i.zip,
           i.city_key, i.state_code
    FROM _outreach_in i WHERE i.business_id IS NOT NULL;
    INSERT INTO _outreach_bobs
    SELECT b.business_id, b.canonical_id, false, b.normalized_name, b.normalized_phone, b.normalized_street, b.normalized_zip,
           b.city_key, b.normalized_state
    FROM outreach.businesses b
    WHERE b.team_id = t AND b.business_id IN (
        SELECT x.business_id FROM outreach.businesses x
        JOIN (SELECT DISTINCT biz_key FROM _outreach_in WHERE biz_key IS NOT NULL) k ON x.normalized_name = k.biz_key
        WHERE x.team_id = t AND x.data_source_id IS DISTINCT FROM ds
        UNION
        SELECT x.business_id FROM outreach.businesses x
        JOIN (SELECT DISTINCT phone FROM _outreach_in WHERE business_id IS NOT NULL AND phone IS NOT NULL) k ON x.normalized_phone = k.phone
        WHERE x.team_id = t AND x.normalized_phone IS NOT NULL AND x.data_source_id IS DISTINCT FROM ds
        UNION
        SELECT x.business_id FROM outreach.businesses x
        JOIN (SELECT DISTINCT zip, split_part(biz_key, ' ', 1) AS word FROM _outreach_in WHERE zip IS NOT NULL AND biz_key IS NOT NULL) k
          ON x.normalized_zip = k.zip AND split_part(x.normalized_name, ' ', 1) = k.word
        WHERE x.team_id = t AND x.normalized_zip IS NOT NULL AND x.data_source_id IS DISTINCT FROM ds);

    ANALYZE _outreach_bobs;
    CREATE TEMP TABLE _outreach_bcand ON COMMIT DROP AS
    SELECT bp.a AS a_obs, bp.b AS b_obs
    FROM (
        SELECT array_agg(o.obs_id) AS ids, array_agg(k.key) AS keys, array_agg(o.is_new) AS news
        FROM _outreach_bobs o
        -- a business name recurs in other towns (franchises, common trade names), so an exact name
        -- blocks together with its place: ZIP, or city and state; a name with no place at all
        -- (no ZIP, city or phone) blocks by the name alone
        CROSS JOIN LATERAL (VALUES (hashtextextended(o.biz_key || '|' || o.zip, 1)),
                                   (hashtextextended(o.biz_key || '|' || o.city_key || '|' || o.state_code, 4)),
                                   (hashtextextended(CASE WHEN o.zip IS NULL AND o.city_key IS NULL AND o.phone IS NULL
                                                          THEN o.biz_key END, 5)),
                                   (hashtextextended(o.phone, 2)),
                                   (hashtextextended(o.zip || '|' || split_part(o.biz_key, ' ', 1), 3))) AS k (key)
        WHERE k.key IS NOT NULL
    ) blocks
    CROSS JOIN LATERAL outreach.block_pairs(coalesce(blocks.ids, '{}'), coalesce(blocks.keys, '{}'), coalesce(blocks.news, '{}'), 8) AS bp;
    ANALYZE _outreach_bcand;
    CREATE TEMP TABLE _outreach_biz_freq ON COMMIT DROP AS
    SELECT l.key, (l.n + coalesce(f.n, 0))::double precision AS n
    FROM (SELECT i.biz_key AS key, count(*) AS n FROM _outreach_in i
          WHERE i.business_id IS NOT NULL AND i.biz_key IS NOT NULL GROUP BY 1) l
    LEFT JOIN outreach.name_frequencies f ON f.team_id = t AND f.kind = 'business' AND f.key = l.key;
    total_biz := coalesce((SELECT f.n FROM outreach.name_frequencies f WHERE f.team_id = t AND f.kind = 'businesses' AND f.key = ''), 0)
                 + (SELECT count(*) FROM _outreach_in WHERE business_id IS NOT NULL);
    INSERT INTO outreach.name_frequencies AS f (team_id, kind, key, n)
    SELECT t, part, key, count(*) FROM (
        SELECT 'business' AS part, biz_key AS key FROM _outreach_in WHERE business_id IS NOT NULL AND biz_key IS NOT NULL
        UNION ALL SELECT 'businesses', '' FROM _outreach_in WHERE business_id IS NOT NULL) k
    GROUP BY part, key
    ON CONFLICT ON CONSTRAINT name_frequencies_pkey DO UPDATE SET n = f.n + excluded.n;

    ANALYZE _outreach_biz_freq;
    CREATE TEMP TABLE _outreach_bpairs ON COMMIT DROP AS
    -- MATERIALIZED: each level is computed once per pair, not once per reference to it
    WITH lv AS MATERIALIZED (
        SELECT a.node AS a_node, b.node AS b_node, a.obs_id AS a_obs, b.obs_id AS b_obs, a.biz_key AS key,
               CASE WHEN a.biz_key IS NULL OR b.biz_key IS NULL THEN 'missing'
                    WHEN a.biz_key = b.biz_key THEN 'exact'
                    WHEN outreach.business_similarity(a.biz_key, b.biz_key) >= 0.85 THEN 'close'
                    ELSE 'different' END AS name_l,
               -- a misspelling of the same words (same number of words, each within Jaro-Winkler
               -- 0.88), not a different name that shares words ("Acme Plumbing" / "Acme Heating")
               (a.biz_key IS NOT NULL AND b.biz_key IS NOT NULL AND a.biz_key <> b.biz_key
                AND outreach.jaro_winkler(a.biz_key, b.biz_key) >= 0.95
                AND cardinality(string_to_array(a.biz_key, ' ')) = cardinality(string_to_array(b.biz_key, ' '))
                AND NOT EXISTS (SELECT 1 FROM unnest(string_to_array(a.biz_key, ' '), string_to_array(b.biz_key, ' ')) AS w (x, y)
                                WHERE outreach.jaro_winkler(w.x, w.y) < 0.88)) AS typo,
               CASE WHEN a.zip IS NULL OR b.zip IS NULL THEN 'missing' WHEN a.zip = b.zip THEN 'exact' ELSE 'different' END AS zip_l,
               CASE WHEN a.phone IS NULL OR b.phone IS NULL THEN 'missing' WHEN a.phone = b.phone THEN 'exact' ELSE 'different' END AS phone_l,
               CASE WHEN a.street_key IS NULL OR b.street_key IS NULL THEN 'missing' WHEN a.street_key = b.street_key THEN 'exact' ELSE 'different' END AS street_l,
               CASE WHEN a.city_key IS NULL OR b.city_key IS NULL OR a.state_code IS NULL OR b.state_code IS NULL THEN 'missing'
                    WHEN a.city_key = b.city_key AND a.state_code = b.state_code THEN 'exact' ELSE 'different' END AS city_l
        FROM _outreach_bcand c
        JOIN _outreach_bobs a ON a.obs_id = c.a_obs
        JOIN _outreach_bobs b ON b.obs_id = c.b_obs
        WHERE a.node <> b.node
    ),
    judged AS (
        SELECT lv.*,
               CASE lv.name_l
                   WHEN 'exact' THEN ln(m_biz / ((coalesce(bf.n, 0) + u_biz * smooth) / (total_biz + smooth))) / ln(2)
                   WHEN 'close' THEN w_biz_close WHEN 'different' THEN w_biz_diff ELSE 0 END
                 + CASE lv.zip_l WHEN 'exact' THEN w_zip_exact WHEN 'different' THEN w_zip_diff ELSE 0 END
                 + CASE lv.phone_l WHEN 'exact' THEN w_phone_exact WHEN 'different' THEN w_phone_diff ELSE 0 END
                 + CASE lv.street_l WHEN 'exact' THEN w_street_exact WHEN 'different' THEN w_street_diff ELSE 0 END AS total_w,
               (lv.zip_l = 'exact' OR lv.phone_l = 'exact' OR (lv.street_l = 'exact' AND lv.zip_l = 'missing')
                OR (lv.city_l = 'exact' AND lv.zip_l = 'missing')) AS same_place,
               (lv.zip_l = 'missing' AND lv.phone_l = 'missing' AND lv.city_l = 'missing' AND lv.street_l = 'missing') AS no_place
        FROM lv
        LEFT JOIN _outreach_biz_freq bf ON bf.key = lv.key
    )
    SELECT j.a_node, j.b_node, j.action, j.rule,
           CASE j.rule WHEN 'name_location' THEN 95 WHEN 'typo_location' THEN 90 ELSE 80 END AS confidence, j.total_w,
           jsonb_build_object('rule', j.rule, 'name', j.name_l, 'zip', j.zip_l, 'phone', j.phone_l, 'street', j.street_l,
                              'city', j.city_l, 'match_weight', round(j.total_w::numeric, 2),
                              'compared', jsonb_build_array(j.a_obs, j.b_obs)) AS evidence
    FROM (
        SELECT x.*,
               CASE WHEN x.name_l = 'exact' AND (x.same_place OR x.no_place) THEN 'merge'
                    WHEN x.name_l = 'close' AND x.typo AND (x.phone_l = 'exact' OR (x.street_l = 'exact' AND x.zip_l = 'exact')) THEN 'merge'
                    WHEN x.name_l = 'close' AND (x.zip_l = 'exact' OR x.phone_l = 'exact') THEN 'review' END AS action,
               CASE WHEN x.name_l = 'exact' AND (x.same_place OR x.no_place) THEN 'name_location'
                    WHEN x.name_l = 'close' AND x.typo AND (x.phone_l = 'exact' OR (x.street_l = 'exact' AND x.zip_l = 'exact')) THEN 'typo_location'
                    WHEN x.name_l = 'close' AND (x.zip_l = 'exact' OR x.phone_l = 'exact') THEN 'fuzzy_name' END AS rule
        FROM judged x
    ) j
    WHERE j.action IS NOT NULL;

    ANALYZE _outreach_bpairs;
    DELETE FROM _outreach_bpairs bp
    USING outreach.match_reviews r
    WHERE r.team_id = t AND r.entity = 'business' AND r.state = 'distinct'
      AND r.left_id = least(bp.a_node, bp.b_node) AND r.right_id = greatest(bp.a_node, bp.b_node);

    -- known-distinct pairs (by their entities now) must not end up in one cluster through others
    CREATE TEMP TABLE _outreach_cannot ON COMMIT DROP AS
    SELECT l.canonical_id AS a, r.canonical_id AS b
    FROM outreach.match_reviews mr
    JOIN outreach.businesses l ON l.team_id = mr.team_id AND l.business_id = mr.left_id
    JOIN outreach.businesses r ON r.team_id = mr.team_id AND r.business_id = mr.right_id
    WHERE mr.team_id = t AND mr.entity = 'business' AND mr.state = 'distinct'
      AND (l.canonical_id IN (SELECT a_node FROM _outreach_bpairs) OR l.canonical_id IN (SELECT b_node FROM _outreach_bpairs))
      AND (r.canonical_id IN (SELECT a_node FROM _outreach_bpairs) OR r.canonical_id IN (SELECT b_node FROM _outreach_bpairs));
    CREATE TEMP TABLE _outreach_bclusters ON COMMIT DROP AS
    SELECT cc.id, cc.root
    FROM outreach.connected_components(
             coalesce((SELECT array_agg(a_node ORDER BY confidence DESC, total_w DESC) FROM _outreach_bpairs WHERE action = 'merge'), '{}'),
             coalesce((SELECT array_agg(b_node ORDER BY confidence DESC, total_w DESC) FROM _outreach_bpairs WHERE action = 'merge'), '{}'),
             coalesce((SELECT array_agg(a) FROM _outreach_cannot), '{}'),
             coalesce((SELECT array_agg(b) FROM _outreach_cannot), '{}')) AS cc;
    DROP TABLE _outreach_cannot;
    CREATE INDEX ON _outreach_bclusters (id);
    -- the survivor is the team's oldest entity in the cluster when it has one (ids of a load
    -- running concurrently may be smaller than ours), else this load's first row
    WITH comp AS (
        SELECT c.root AS old_root, min(c.id) FILTER (WHERE i.business_id IS NULL) AS oldest_existing
        FROM _outreach_bclusters c LEFT JOIN _outreach_in i ON i.business_id = c.id
        GROUP BY c.root
    )
    UPDATE _outreach_bclusters c SET root = comp.oldest_existing
    FROM comp
    WHERE c.root = comp.old_root AND comp.oldest_existing IS NOT NULL AND comp.oldest_existing <> comp.old_root;
    ANALYZE _outreach_bclusters;

    SELECT array_agg(c.id ORDER BY c.id), array_agg(c.root ORDER BY c.id) INTO bridged_from, bridged_to
    FROM _outreach_bclusters c
    WHERE c.id <> c.root AND NOT EXISTS (SELECT 1 FROM _outreach_in i WHERE i.business_id = c.id);
    PERFORM outreach.apply_merges(t, 'business', coalesce(bridged_from, '{}'), coalesce(bridged_to, '{}'));

    INSERT INTO outreach.business_merge_history (team_id, survivor_id, merged_id, confidence, match_weight, rule, evidence, data_source_id)
    SELECT DISTINCT ON (c.id) t, c.root, c.id, bp.confidence, bp.total_w, bp.rule, bp.evidence, ds
    FROM _outreach_bclusters c
    JOIN _outreach_bpairs bp ON bp.action = 'merge' AND (bp.a_node = c.id OR bp.b_node = c.id)
    JOIN _outreach_bclusters o ON o.id = CASE WHEN bp.a_node = c.id THEN bp.b_node ELSE bp.a_node END AND o.root = c.root
    WHERE c.id <> c.root
    ORDER BY c.id, bp.confidence DESC, bp.total_w DESC;
    GET DIAGNOSTICS businesses_merged = ROW_COUNT;

    INSERT INTO outreach.businesses (team_id, business_id, name, normalized_name, sic_code, naics_code, employee_count,
                                     annual_revenue, normalized_phone, street, city, state, zip, normalized_street,
                                     normalized_zip, normalized_state, city_key, timezone, is_active, merged_into,
                                     canonical_id, data_source_id, row_number)
    SELECT t, i.business_id, i.company, i.biz_key, i.sic, i.naics, i.employees, i.revenue, i.phone, i.street_raw, i.city,
           i.state_raw, i.zip_raw, i.street_key, i.zip, i.state_code, i.city_key, i.timezone,
           c.root IS NULL OR c.root = i.business_id, CASE WHEN c.root <> i.business_id THEN c.root END,
           coalesce(c.root, i.business_id), ds, i.row_number
    FROM _outreach_in i LEFT JOIN _outreach_bclusters c ON c.id = i.business_id
    WHERE i.business_id IS NOT NULL;
    SELECT count(*) INTO businesses_created FROM _outreach_in i LEFT JOIN _outreach_bclusters c ON c.id = i.business_id
    WHERE i.business_id IS NOT NULL AND (c.root IS NULL OR c.root = i.business_id);

    -- ---- what hangs off them, pointing at the survivors ----------------------------------------
    CREATE TEMP TABLE _outreach_links ON COMMIT DROP AS
    SELECT i.row_number, i.persona_id AS origin_persona_id, i.business_id AS origin_business_id,
           CASE WHEN i.persona_id IS NOT NULL THEN coalesce(pc.root, i.persona_id) END AS persona_id,
           CASE WHEN i.business_id IS NOT NULL THEN coalesce(bc.root, i.business_id) END AS business_id
    FROM _outreach_in i
    LEFT JOIN _outreach_pclusters pc ON pc.id = i.persona_id
    LEFT JOIN _outreach_bclusters bc ON bc.id = i.business_id;
    ANALYZE _outreach_links;
    -- a survivor from before this load may itself have been merged by this load's bridges
    UPDATE _outreach_links l SET persona_id = p.canonical_id
    FROM outreach.personas p WHERE p.team_id = t AND p.persona_id = l.persona_id AND p.canonical_id <> l.persona_id;
    UPDATE _outreach_links l SET business_id = b.canonical_id
    FROM outreach.businesses b WHERE b.team_id = t AND b.business_id = l.business_id AND b.canonical_id <> l.business_id;

    INSERT INTO outreach.persona_phones (team_id, persona_id, origin_persona_id, phone, normalized_phone, data_source_id, row_number)
    SELECT t, l.persona_id, l.origin_persona_id, i.phone_raw, i.phone, ds, i.row_number
    FROM _outreach_in i JOIN _outreach_links l USING (row_number)
    WHERE l.persona_id IS NOT NULL AND i.phone IS NOT NULL;
    INSERT INTO outreach.persona_emails (team_id, persona_id, origin_persona_id, email, normalized_email, data_source_id, row_number)
    SELECT t, l.persona_id, l.origin_persona_id, i.email_raw, i.email, ds, i.row_number
    FROM _outreach_in i JOIN _outreach_links l USING (row_number)
    WHERE l.persona_id IS NOT NULL AND i.email IS NOT NULL;
    INSERT INTO outreach.addresses (team_id, persona_id, business_id, origin_persona_id, origin_business_id, street, city, state,
                                    zip, normalized_street, normalized_zip, normalized_state, timezone, data_source_id, row_number)
    SELECT t, l.persona_id, l.business_id, l.origin_persona_id, l.origin_business_id, i.street_raw, i.city, i.state_raw, i.zip_raw,
           i.street_key, i.zip, i.state_code, i.timezone, ds, i.row_number
    FROM _outreach_in i JOIN _outreach_links l USING (row_number)
    WHERE (l.persona_id IS NOT NULL OR l.business_id IS NOT NULL)
      AND (i.street_raw IS NOT NULL OR i.zip IS NOT NULL OR i.city IS NOT NULL OR i.state_code IS NOT NULL);

    -- leads: one active lead per (surviving persona, surviving business)
    INSERT INTO outreach.leads (team_id, persona_id, business_id, data_source_id)
    SELECT t, l.persona_id, l.business_id, ds
    FROM _outreach_links l
    WHERE l.persona_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM outreach.leads x WHERE x.team_id = t AND x.is_active AND x.persona_id = l.persona_id
                                                       AND x.business_id IS NOT DISTINCT FROM l.business_id)
    GROUP BY l.persona_id, l.business_id
    ORDER BY min(l.row_number);  -- lead ids in file order
    GET DIAGNOSTICS leads_created = ROW_COUNT;

    INSERT INTO outreach.source_records (team_id, data_source_id, row_number, line_number, persona_id, business_id, lead_id,
                                         origin_persona_id, origin_business_id, raw)
    SELECT t, ds, i.row_number, i.line_number, l.persona_id, l.business_id, x.lead_id, l.origin_persona_id,
           l.origin_business_id, i.raw
    FROM _outreach_in i
    JOIN _outreach_links l USING (row_number)
    LEFT JOIN outreach.leads x ON x.team_id = t AND x.is_active AND x.persona_id = l.persona_id
                              AND x.business_id IS NOT DISTINCT FROM l.business_id;

    -- ---- reviews: pairs left for an operator, by surviving entity, once -------------------------
    -- open reviews whose two sides this load merged (through other evidence) are settled
    UPDATE outreach.match_reviews mr SET state = 'merged', decided_at = clock_timestamp(), decided_by = 'import'
    FROM outreach.personas l, outreach.personas r
    WHERE mr.team_id = t AND mr.entity = 'persona' AND mr.state = 'open'
      AND l.team_id = t AND l.persona_id = mr.left_id AND r.team_id = t AND r.persona_id = mr.right_id
      AND l.canonical_id = r.canonical_id;
    UPDATE outreach.match_reviews mr SET state = 'merged', decided_at = clock_timestamp(), decided_by = 'import'
    FROM outreach.businesses l, outreach.businesses r
    WHERE mr.team_id = t AND mr.entity = 'business' AND mr.state = 'open'
      AND l.team_id = t AND l.business_id = mr.left_id AND r.team_id = t AND r.business_id = mr.right_id
      AND l.canonical_id = r.canonical_id;
    INSERT INTO outreach.match_reviews (team_id, entity, left_id, right_id, confidence, match_weight, rule, evidence, data_source_id)
    SELECT DISTINCT ON (least(a, b), greatest(a, b)) t, 'persona', least(a, b), greatest(a, b), confidence, total_w, rule, evidence, ds
    FROM (SELECT coalesce(ca.canonical_id, pa.root, pp.a_node) AS a, coalesce(cb.canonical_id, pb.root, pp.b_node) AS b, pp.*
          FROM _outreach_ppairs pp
          LEFT JOIN _outreach_pclusters pa ON pa.id = pp.a_node
          LEFT JOIN _outreach_pclusters pb ON pb.id = pp.b_node
          LEFT JOIN outreach.personas ca ON ca.team_id = t AND ca.persona_id = coalesce(pa.root, pp.a_node)
          LEFT JOIN outreach.personas cb ON cb.team_id = t AND cb.persona_id = coalesce(pb.root, pp.b_node)
          WHERE pp.action = 'review') r
    WHERE a <> b
    ORDER BY least(a, b), greatest(a, b), confidence DESC, total_w DESC
    ON CONFLICT ON CONSTRAINT match_reviews_team_id_entity_left_id_right_id_key DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    reviews_opened := n;
    INSERT INTO outreach.match_reviews (team_id, entity, left_id, right_id, confidence, match_weight, rule, evidence, data_source_id)
    SELECT DISTINCT ON (least(a, b), greatest(a, b)) t, 'business', least(a, b), greatest(a, b), confidence, total_w, rule, evidence, ds
    FROM (SELECT coalesce(ca.canonical_id, pa.root, bp.a_node) AS a, coalesce(cb.canonical_id, pb.root, bp.b_node) AS b, bp.*
          FROM _outreach_bpairs bp
          LEFT JOIN _outreach_bclusters pa ON pa.id = bp.a_node
          LEFT JOIN _outreach_bclusters pb ON pb.id = bp.b_node
          LEFT JOIN outreach.businesses ca ON ca.team_id = t AND ca.business_id = coalesce(pa.root, bp.a_node)
          LEFT JOIN outreach.businesses cb ON cb.team_id = t AND cb.business_id = coalesce(pb.root, bp.b_node)
          WHERE bp.action = 'review') r
    WHERE a <> b
    ORDER BY least(a, b), greatest(a, b), confidence DESC, total_w DESC
    ON CONFLICT ON CONSTRAINT match_reviews_team_id_entity_left_id_right_id_key DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    reviews_opened := reviews_opened + n;

    DROP TABLE _outreach_pobs, _outreach_pcand, _outreach_name_freq, _outreach_ppairs, _outreach_pclusters,
               _outreach_bobs, _outreach_bcand, _outreach_biz_freq, _outreach_bpairs, _outreach_bclusters, _outreach_links;
END
$fn$;
COMMENT ON FUNCTION outreach.resolve_load(text, bigint) IS
    'Internal: resolves the rows of the current import (temporary table _outreach_in) into personas, businesses and leads '
    '(see the comment at the top of 40_resolve.sql and design.md §5).';
