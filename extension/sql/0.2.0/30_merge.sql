-- Merging and un-merging entities: the bookkeeping shared by resolution, operator decisions and
-- undo. A merge of M into S marks M inactive (merged_into = S), moves every row whose canonical
-- entity was M to S, and re-points what hangs off M (phones, e-mails, addresses, source records,
-- leads) at S. Un-merging M moves back exactly the rows whose origin is M or an entity merged into
-- M (found through merged_into), and nothing else.

-- Leads after a persona or business merge: a lead of a merged entity moves to the survivor, unless
-- the survivor already has an active lead at the same business (or with the same person): then it
-- is deactivated into that lead, and its source records follow. One active lead per pair, always.
CREATE FUNCTION outreach.merge_leads(team_id text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $fn$
BEGIN
    -- active leads whose persona or business is no longer canonical, with the pair they belong to now
    CREATE TEMP TABLE _outreach_lead_moves ON COMMIT DROP AS
    SELECT l.lead_id, p.canonical_id AS persona_id, b.canonical_id AS business_id
    FROM outreach.leads l
    JOIN outreach.personas p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
    LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
    WHERE l.team_id = merge_leads.team_id AND l.is_active AND (NOT p.is_active OR NOT coalesce(b.is_active, true));

    -- the lead each pair keeps: an active lead that is not moving, else the oldest moving one
    CREATE TEMP TABLE _outreach_lead_keep ON COMMIT DROP AS
    SELECT DISTINCT ON (m.persona_id, m.business_id) m.persona_id, m.business_id,
           coalesce(stay.lead_id, m.lead_id) AS keep_id
    FROM _outreach_lead_moves m
    LEFT JOIN outreach.leads stay
           ON stay.team_id = merge_leads.team_id AND stay.is_active AND stay.persona_id = m.persona_id
          AND stay.business_id IS NOT DISTINCT FROM m.business_id
          AND NOT EXISTS (SELECT 1 FROM _outreach_lead_moves x WHERE x.lead_id = stay.lead_id)
    ORDER BY m.persona_id, m.business_id, stay.lead_id NULLS LAST, m.lead_id;

    UPDATE outreach.leads l SET is_active = false, merged_into = k.keep_id
    FROM _outreach_lead_moves m JOIN _outreach_lead_keep k
         ON k.persona_id = m.persona_id AND k.business_id IS NOT DISTINCT FROM m.business_id
    WHERE l.team_id = merge_leads.team_id AND l.lead_id = m.lead_id AND m.lead_id <> k.keep_id;
    UPDATE outreach.leads l SET persona_id = k.persona_id, business_id = k.business_id
    FROM _outreach_lead_keep k
    WHERE l.team_id = merge_leads.team_id AND l.lead_id = k.keep_id
      AND (l.persona_id, l.business_id) IS DISTINCT FROM (k.persona_id, k.business_id);
    UPDATE outreach.source_records s SET lead_id = l.merged_into
    FROM outreach.leads l
    WHERE s.team_id = merge_leads.team_id AND l.team_id = s.team_id AND l.lead_id = s.lead_id
      AND NOT l.is_active AND l.merged_into IS NOT NULL
      AND s.lead_id IN (SELECT lead_id FROM _outreach_lead_moves);

    DROP TABLE _outreach_lead_moves, _outreach_lead_keep;
END
$fn$;
COMMENT ON FUNCTION outreach.merge_leads(text) IS
    'Internal: after merges, moves active leads of merged personas/businesses to the survivors, keeping one active lead per pair.';

-- Applies merges "merged[i] into survivors[i]" for personas (entity = 'persona') or businesses.
-- Survivors must be canonical; merged entities must be canonical and distinct from their survivor.
CREATE FUNCTION outreach.apply_merges(team_id text, entity text, merged bigint[], survivors bigint[]) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $fn$
BEGIN
    IF cardinality(merged) = 0 THEN
        RETURN;
    END IF;
    -- only active entities merge, each into another active one
    IF cardinality(merged) <> cardinality(survivors) OR EXISTS (
        SELECT 1 FROM unnest(merged, survivors) AS m (id, s)
        WHERE m.id = m.s OR m.id IS NULL OR m.s IS NULL
           OR NOT EXISTS (SELECT 1 FROM outreach.personas p WHERE entity = 'persona' AND p.team_id = apply_merges.team_id
                                                            AND p.persona_id = m.s AND p.is_active
                          UNION ALL
                          SELECT 1 FROM outreach.businesses b WHERE entity = 'business' AND b.team_id = apply_merges.team_id
                                                              AND b.business_id = m.s AND b.is_active)
           OR NOT EXISTS (SELECT 1 FROM outreach.personas p WHERE entity = 'persona' AND p.team_id = apply_merges.team_id
                                                            AND p.persona_id = m.id AND p.is_active
                          UNION ALL
                          SELECT 1 FROM outreach.businesses b WHERE entity = 'business' AND b.team_id = apply_merges.team_id
                                                              AND b.business_id = m.id AND b.is_active)) THEN
        RAISE EXCEPTION 'apply_merges: every merged % and its survivor must be distinct active rows of team "%"', entity, team_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF entity = 'persona' THEN
        UPDATE outreach.personas p SET is_active = false, merged_into = m.s, canonical_id = m.s
        FROM unnest(merged, survivors) AS m (id, s)
        WHERE p.team_id = apply_merges.team_id AND p.persona_id = m.id;
        UPDATE outreach.personas p SET canonical_id = m.s
        FROM unnest(merged, survivors) AS m (id, s)
        WHERE p.team_id = apply_merges.team_id AND p.canonical_id = m.id AND NOT p.is_active;
        UPDATE outreach.persona_phones x SET persona_id = m.s FROM unnest(merged, survivors) AS m (id, s)
        WHERE x.team_id = apply_merges.team_id AND x.persona_id = m.id;
        UPDATE outreach.persona_emails x SET persona_id = m.s FROM unnest(merged, survivors) AS m (id, s)
        WHERE x.team_id = apply_merges.team_id AND x.persona_id = m.id;
        UPDATE outreach.addresses x SET persona_id = m.s FROM unnest(merged, survivors) AS m (id, s)
        WHERE x.team_id = apply_merges.team_id AND x.persona_id = m.id;
        UPDATE outreach.source_records x SET persona_id = m.s FROM unnest(merged, survivors) AS m (id, s)
        WHERE x.team_id = apply_merges.team_id AND x.persona_id = m.id;
    ELSIF entity = 'business' THEN
        UPDATE outreach.businesses b SET is_active = false, merged_into = m.s, canonical_id = m.s
        FROM unnest(merged, survivors) AS m (id, s)
        WHERE b.team_id = apply_merges.team_id AND b.business_id = m.id;
        UPDATE outreach.businesses b SET canonical_id = m.s
        FROM unnest(merged, survivors) AS m (id, s)
        WHERE b.team_id = apply_merges.team_id AND b.canonical_id = m.id AND NOT b.is_active;
        UPDATE outreach.addresses x SET business_id = m.s FROM unnest(merged, survivors) AS m (id, s)
        WHERE x.team_id = apply_merges.team_id AND x.business_id = m.id;
        UPDATE outreach.source_records x SET business_id = m.s FROM unnest(merged, survivors) AS m (id, s)
        WHERE x.team_id = apply_merges.team_id AND x.business_id = m.id;
    ELSE
        RAISE EXCEPTION 'unknown entity "%" (persona or business)', entity USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM outreach.merge_leads(team_id);
END
$fn$;
COMMENT ON FUNCTION outreach.apply_merges(text, text, bigint[], bigint[]) IS
    'Internal: merges merged[i] into survivors[i] (personas or businesses) and re-points everything that hangs off them.';

-- Source records whose leads no longer fit their (persona, business) get the active lead of the
-- pair: an inactive lead of exactly that pair comes back, else a new one is made. Leads left
-- without any source record are deactivated.
CREATE FUNCTION outreach.relink_leads(team_id text, personas bigint[], businesses bigint[]) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $fn$
BEGIN
    CREATE TEMP TABLE _outreach_relink ON COMMIT DROP AS
    SELECT s.data_source_id, s.row_number, s.persona_id, s.business_id, s.lead_id AS old_lead
    FROM outreach.source_records s
    LEFT JOIN outreach.leads l ON l.team_id = s.team_id AND l.lead_id = s.lead_id
    WHERE s.team_id = relink_leads.team_id AND s.persona_id IS NOT NULL
      AND (s.persona_id = ANY (personas) OR s.business_id = ANY (businesses))
      AND (l.lead_id IS NULL OR NOT l.is_active OR l.persona_id <> s.persona_id
           OR l.business_id IS DISTINCT FROM s.business_id);

    UPDATE outreach.leads l SET is_active = true, merged_into = NULL
    FROM (SELECT DISTINCT ON (r.persona_id, r.business_id) x.lead_id
          FROM _outreach_relink r
          JOIN outreach.leads x ON x.team_id = relink_leads.team_id AND NOT x.is_active
                               AND x.persona_id = r.persona_id AND x.business_id IS NOT DISTINCT FROM r.business_id
          WHERE NOT EXISTS (SELECT 1 FROM outreach.leads a
                            WHERE a.team_id = relink_leads.team_id AND a.is_active AND a.persona_id = r.persona_id
                              AND a.business_id IS NOT DISTINCT FROM r.business_id)
          ORDER BY r.persona_id, r.business_id, x.lead_id) back
    WHERE l.team_id = relink_leads.team_id AND l.lead_id = back.lead_id;

    INSERT INTO outreach.leads (team_id, persona_id, business_id)
    SELECT DISTINCT relink_leads.team_id, r.persona_id, r.business_id
    FROM _outreach_relink r
    WHERE NOT EXISTS (SELECT 1 FROM outreach.leads a
                      WHERE a.team_id = relink_leads.team_id AND a.is_active AND a.persona_id = r.persona_id
                        AND a.business_id IS NOT DISTINCT FROM r.business_id);

    UPDATE outreach.source_records s SET lead_id = a.lead_id
    FROM _outreach_relink r
    JOIN outreach.leads a ON a.team_id = relink_leads.team_id AND a.is_active AND a.persona_id = r.persona_id
                         AND a.business_id IS NOT DISTINCT FROM r.business_id
    WHERE s.team_id = relink_leads.team_id AND s.data_source_id = r.data_source_id AND s.row_number = r.row_number;

    UPDATE outreach.leads l SET is_active = false
    WHERE l.team_id = relink_leads.team_id AND l.is_active
      AND l.lead_id IN (SELECT old_lead FROM _outreach_relink WHERE old_lead IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM outreach.source_records s WHERE s.team_id = l.team_id AND s.persona_id = l.persona_id
                                                                AND s.lead_id = l.lead_id);
    DROP TABLE _outreach_relink;
END
$fn$;
COMMENT ON FUNCTION outreach.relink_leads(text, bigint[], bigint[]) IS
    'Internal: gives source records of these personas/businesses the active lead of their (persona, business) pair.';

-- The surviving entity of a persona or business row.
CREATE FUNCTION outreach.canonical_of(team_id text, entity text, id bigint) RETURNS bigint
    LANGUAGE sql STABLE
RETURN CASE entity
    WHEN 'persona' THEN (SELECT p.canonical_id FROM outreach.personas p
                         WHERE p.team_id = canonical_of.team_id AND p.persona_id = canonical_of.id)
    WHEN 'business' THEN (SELECT b.canonical_id FROM outreach.businesses b
                          WHERE b.team_id = canonical_of.team_id AND b.business_id = canonical_of.id)
END;
COMMENT ON FUNCTION outreach.canonical_of(text, text, bigint) IS
    'The surviving entity (canonical_id) of a persona or business (entity ''persona'' or ''business''), or NULL.';

-- The merged row of an undone merge and everything merged into it since: all of them are merged
-- rows of the current survivor (the partial canonical index finds them), linked by merged_into.
CREATE FUNCTION outreach.merge_subtree(team_id text, entity text, merged_id bigint, survivor bigint) RETURNS bigint[]
    LANGUAGE sql STABLE
BEGIN ATOMIC
    WITH RECURSIVE members AS MATERIALIZED (
        SELECT p.persona_id AS id, p.merged_into FROM outreach.personas p
        WHERE entity = 'persona' AND p.team_id = merge_subtree.team_id AND p.canonical_id = survivor AND NOT p.is_active
        UNION ALL
        SELECT b.business_id, b.merged_into FROM outreach.businesses b
        WHERE entity = 'business' AND b.team_id = merge_subtree.team_id AND b.canonical_id = survivor AND NOT b.is_active
    ),
    tree AS (
        SELECT merge_subtree.merged_id AS id
        UNION
        SELECT m.id FROM members m JOIN tree t ON m.merged_into = t.id
    )
    SELECT array_agg(tree.id) FROM tree;
END;
COMMENT ON FUNCTION outreach.merge_subtree(text, text, bigint, bigint) IS
    'Internal: a merged persona or business and every row merged into it since, as they stand under their current survivor.';

-- After an undo: the merge is marked undone by the caller; the pair is recorded as distinct so
-- that no later import or operator merges them again.
CREATE FUNCTION outreach.record_distinct(team_id text, entity text, survivor_id bigint, merged_id bigint, confidence integer,
                                         match_weight double precision, rule text, evidence jsonb, merge_id bigint)
    RETURNS void
    LANGUAGE sql VOLATILE
BEGIN ATOMIC
    INSERT INTO outreach.match_reviews AS r (team_id, entity, left_id, right_id, confidence, match_weight, rule, evidence,
                                             state, merge_id, decided_at, decided_by)
    VALUES (record_distinct.team_id, record_distinct.entity, least(record_distinct.survivor_id, record_distinct.merged_id),
            greatest(record_distinct.survivor_id, record_distinct.merged_id), record_distinct.confidence,
            record_distinct.match_weight, record_distinct.rule, record_distinct.evidence, 'distinct', record_distinct.merge_id,
            clock_timestamp(), current_user)
    ON CONFLICT ON CONSTRAINT match_reviews_team_id_entity_left_id_right_id_key
    DO UPDATE SET state = 'distinct', decided_at = clock_timestamp(), decided_by = current_user;
END;
COMMENT ON FUNCTION outreach.record_distinct(text, text, bigint, bigint, integer, double precision, text, jsonb, bigint) IS
    'Internal: records a pair as distinct in match_reviews (after an unmerge).';

-- Undo of one persona merge.
CREATE FUNCTION outreach.unmerge_persona(team_id text, merge_id bigint)
    RETURNS TABLE (persona_id bigint, restored_persona_id bigint, source_records_moved bigint)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $fn$
DECLARE
    h outreach.persona_merge_history;
    subtree bigint[];
    current_survivor bigint;
    moved bigint;
BEGIN
    PERFORM outreach.check_team(team_id);
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('outreach.resolve:' || team_id, 0));
    SELECT * INTO h FROM outreach.persona_merge_history m
    WHERE m.team_id = unmerge_persona.team_id AND m.merge_id = unmerge_persona.merge_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no persona merge %', team_id, merge_id USING ERRCODE = 'undefined_object';
    END IF;
    IF h.undone_at IS NOT NULL THEN
        RAISE EXCEPTION 'persona merge % was already undone', merge_id
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Undone at %s by %s.', h.undone_at, h.undone_by);
    END IF;
    current_survivor := outreach.canonical_of(team_id, 'persona', h.merged_id);
    subtree := outreach.merge_subtree(team_id, 'persona', h.merged_id, current_survivor);

    UPDATE outreach.personas p SET is_active = true, merged_into = NULL, canonical_id = h.merged_id
    WHERE p.team_id = unmerge_persona.team_id AND p.persona_id = h.merged_id;
    UPDATE outreach.personas p SET canonical_id = h.merged_id
    WHERE p.team_id = unmerge_persona.team_id AND p.persona_id = ANY (subtree) AND p.persona_id <> h.merged_id;
    UPDATE outreach.persona_phones x SET persona_id = h.merged_id
    WHERE x.team_id = unmerge_persona.team_id AND x.origin_persona_id = ANY (subtree);
    UPDATE outreach.persona_emails x SET persona_id = h.merged_id
    WHERE x.team_id = unmerge_persona.team_id AND x.origin_persona_id = ANY (subtree);
    UPDATE outreach.addresses x SET persona_id = h.merged_id
    WHERE x.team_id = unmerge_persona.team_id AND x.origin_persona_id = ANY (subtree);
    UPDATE outreach.source_records x SET persona_id = h.merged_id
    WHERE x.team_id = unmerge_persona.team_id AND x.origin_persona_id = ANY (subtree);
    GET DIAGNOSTICS moved = ROW_COUNT;
    PERFORM outreach.relink_leads(team_id, ARRAY[h.merged_id, current_survivor], '{}');

    UPDATE outreach.persona_merge_history m SET undone_at = clock_timestamp(), undone_by = current_user
    WHERE m.team_id = unmerge_persona.team_id AND m.merge_id = unmerge_persona.merge_id;
    -- never merged again automatically: the pair is on record as distinct people
    PERFORM outreach.record_distinct(team_id, 'persona', h.survivor_id, h.merged_id, h.confidence, h.match_weight, h.rule,
                                     h.evidence, h.merge_id);

    persona_id := current_survivor;
    restored_persona_id := h.merged_id;
    source_records_moved := moved;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION outreach.unmerge_persona(text, bigint) IS
    'Undoes a persona merge (persona_merge_history.merge_id): the merged persona is active again with its own phones, e-mails, '
    'addresses, source records and leads (and those of personas merged into it since); the pair is recorded as distinct in '
    'match_reviews so that no later import merges them again. Returns the survivor, the restored persona and the rows moved.';

-- Undo of one business merge (as unmerge_persona).
CREATE FUNCTION outreach.unmerge_business(team_id text, merge_id bigint)
    RETURNS TABLE (business_id bigint, restored_business_id bigint, source_records_moved bigint)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $fn$
DECLARE
    h outreach.business_merge_history;
    subtree bigint[];
    current_survivor bigint;
    moved bigint;
BEGIN
    PERFORM outreach.check_team(team_id);
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('outreach.resolve:' || team_id, 0));
    SELECT * INTO h FROM outreach.business_merge_history m
    WHERE m.team_id = unmerge_business.team_id AND m.merge_id = unmerge_business.merge_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no business merge %', team_id, merge_id USING ERRCODE = 'undefined_object';
    END IF;
    IF h.undone_at IS NOT NULL THEN
        RAISE EXCEPTION 'business merge % was already undone', merge_id
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Undone at %s by %s.', h.undone_at, h.undone_by);
    END IF;
    current_survivor := outreach.canonical_of(team_id, 'business', h.merged_id);
    subtree := outreach.merge_subtree(team_id, 'business', h.merged_id, current_survivor);

    UPDATE outreach.businesses b SET is_active = true, merged_into = NULL, canonical_id = h.merged_id
    WHERE b.team_id = unmerge_business.team_id AND b.business_id = h.merged_id;
    UPDATE outreach.businesses b SET canonical_id = h.merged_id
    WHERE b.team_id = unmerge_business.team_id AND b.business_id = ANY (subtree) AND b.business_id <> h.merged_id;
    UPDATE outreach.addresses x SET business_id = h.merged_id
    WHERE x.team_id = unmerge_business.team_id AND x.origin_business_id = ANY (subtree);
    UPDATE outreach.source_records x SET business_id = h.merged_id
    WHERE x.team_id = unmerge_business.team_id AND x.origin_business_id = ANY (subtree);
    GET DIAGNOSTICS moved = ROW_COUNT;
    PERFORM outreach.relink_leads(team_id, '{}', ARRAY[h.merged_id, current_survivor]);

    UPDATE outreach.business_merge_history m SET undone_at = clock_timestamp(), undone_by = current_user
    WHERE m.team_id = unmerge_business.team_id AND m.merge_id = unmerge_business.merge_id;
    PERFORM outreach.record_distinct(team_id, 'business', h.survivor_id, h.merged_id, h.confidence, h.match_weight, h.rule,
                                     h.evidence, h.merge_id);

    business_id := current_survivor;
    restored_business_id := h.merged_id;
    source_records_moved := moved;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION outreach.unmerge_business(text, bigint) IS
    'Undoes a business merge (business_merge_history.merge_id), as unmerge_persona does for people.';

-- An operator's decision on a review: 'merge' (the newer entity into the older) or 'distinct'.
CREATE FUNCTION outreach.resolve_match_review(team_id text, review_id bigint, decision text)
    RETURNS outreach.match_reviews
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $fn$
DECLARE
    r outreach.match_reviews;
    a bigint;
    b bigint;
    mid bigint;
BEGIN
    PERFORM outreach.check_team(team_id);
    IF decision IS NULL OR decision NOT IN ('merge', 'distinct') THEN
        RAISE EXCEPTION 'decision must be ''merge'' or ''distinct'', not %', coalesce(quote_literal(decision), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('outreach.resolve:' || team_id, 0));
    SELECT * INTO r FROM outreach.match_reviews m
    WHERE m.team_id = resolve_match_review.team_id AND m.review_id = resolve_match_review.review_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no match review %', team_id, review_id USING ERRCODE = 'undefined_object';
    END IF;
    IF r.state <> 'open' THEN
        RAISE EXCEPTION 'match review % was already decided (%)', review_id, r.state USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    -- the entities the two sides belong to now
    a := outreach.canonical_of(team_id, r.entity, r.left_id);
    b := outreach.canonical_of(team_id, r.entity, r.right_id);

    IF decision = 'merge' THEN
        -- an earlier decision that members of the two are different people stands
        IF a <> b AND EXISTS (
            SELECT 1 FROM outreach.match_reviews d
            CROSS JOIN LATERAL (SELECT outreach.canonical_of(d.team_id, d.entity, d.left_id) AS lft,
                                       outreach.canonical_of(d.team_id, d.entity, d.right_id) AS rgt) c
            WHERE d.team_id = r.team_id AND d.entity = r.entity AND d.state = 'distinct'
              AND ARRAY[c.lft, c.rgt] <@ ARRAY[a, b] AND c.lft <> c.rgt) THEN
            RAISE EXCEPTION 'match review %: these % were declared distinct (or un-merged) before', review_id,
                CASE r.entity WHEN 'persona' THEN 'people' ELSE 'businesses' END
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Decide ''distinct'', or change the earlier decision in outreach.match_reviews first.';
        END IF;
        IF a <> b THEN
            PERFORM outreach.apply_merges(team_id, r.entity, ARRAY[greatest(a, b)], ARRAY[least(a, b)]);
            IF r.entity = 'persona' THEN
                INSERT INTO outreach.persona_merge_history (team_id, survivor_id, merged_id, confidence, match_weight, rule,
                                                            evidence, data_source_id, review_id)
                VALUES (team_id, least(a, b), greatest(a, b), r.confidence, r.match_weight, 'operator',
                        r.evidence || jsonb_build_object('review_rule', r.rule), r.data_source_id, r.review_id)
                RETURNING persona_merge_history.merge_id INTO mid;
            ELSE
                INSERT INTO outreach.business_merge_history (team_id, survivor_id, merged_id, confidence, match_weight, rule,
                                                             evidence, data_source_id, review_id)
                VALUES (team_id, least(a, b), greatest(a, b), r.confidence, r.match_weight, 'operator',
                        r.evidence || jsonb_build_object('review_rule', r.rule), r.data_source_id, r.review_id)
                RETURNING business_merge_history.merge_id INTO mid;
            END IF;
        END IF;
    END IF;

    IF decision = 'distinct' THEN
        IF a = b THEN
            RAISE EXCEPTION 'match review %: the two are already one % (merged since the review was opened)', review_id,
                CASE r.entity WHEN 'persona' THEN 'persona' ELSE 'business' END
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Undo the merge with outreach.unmerge_' || r.entity || '(team_id, merge_id) instead.';
        END IF;
    END IF;

    UPDATE outreach.match_reviews m
    SET state = CASE decision WHEN 'merge' THEN 'merged' ELSE 'distinct' END,
        merge_id = mid, decided_at = clock_timestamp(), decided_by = current_user
    WHERE m.team_id = r.team_id AND m.review_id = r.review_id
    RETURNING * INTO r;
    RETURN r;
END
$fn$;
COMMENT ON FUNCTION outreach.resolve_match_review(text, bigint, text) IS
    'Settles an open match review: ''merge'' merges the newer entity into the older (logged with rule operator, reversible '
    'with unmerge_persona / unmerge_business); ''distinct'' records that they are different, so no import merges them later.';
