-- ---- one person, one active persona: an invariant the database checks -----------------------------
-- Two concurrent imports of the same people once left 17 active personas for 13 people: a load
-- draws its persona ids before it takes the team's resolution lock, so a load that waited could
-- hold rows older (by id) than the ones it waited for, and candidate pairs were only formed towards
-- younger new rows (fixed in block_pairs). Whatever resolution does, this statement trigger refuses
-- its outcome when a new active persona has the same phone and the same first and last name as
-- another active persona of the team: rules that always merge such a pair ('phone') cannot have
-- left it apart, unless an operator said the two are different people.
CREATE FUNCTION outreach.personas_refuse_unresolved() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bad record;
BEGIN
    SELECT n.team_id, n.persona_id AS new_id, p.persona_id AS other_id, n.normalized_phone AS phone, n.first_name, n.last_name INTO bad
    FROM new_personas n
    JOIN outreach.personas p ON p.team_id = n.team_id AND p.normalized_phone = n.normalized_phone
    WHERE n.is_active AND n.normalized_phone IS NOT NULL AND n.first_key IS NOT NULL AND n.last_key IS NOT NULL
      AND p.is_active AND p.persona_id <> n.persona_id AND p.first_key = n.first_key AND p.last_key = n.last_key
      AND NOT EXISTS (SELECT 1 FROM outreach.match_reviews r
                      WHERE r.team_id = n.team_id AND r.entity = 'persona' AND r.state = 'distinct'
                        AND r.left_id = least(n.persona_id, p.persona_id) AND r.right_id = greatest(n.persona_id, p.persona_id))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'team "%": personas % and % would both be active for % % at %: one person must be one persona',
                        bad.team_id, least(bad.new_id, bad.other_id), greatest(bad.new_id, bad.other_id),
                        bad.first_name, bad.last_name, bad.phone
            USING ERRCODE = 'unique_violation',
                  HINT = 'Resolution left a sure match apart; nothing of this load was written. Please report it.';
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.personas_refuse_unresolved() FROM PUBLIC;
CREATE TRIGGER one_person_once AFTER INSERT ON outreach.personas
    REFERENCING NEW TABLE AS new_personas FOR EACH STATEMENT EXECUTE FUNCTION outreach.personas_refuse_unresolved();
