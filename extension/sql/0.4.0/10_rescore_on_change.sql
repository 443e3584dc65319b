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
REVOKE ALL ON FUNCTION outreach.leads_rescore_changed() FROM PUBLIC;
COMMENT ON FUNCTION outreach.leads_rescore_changed() IS
    'Internal trigger: rescores the updated leads whose scored columns changed (is_active, persona_id, business_id, '
    'enrichment_status, engaged/qualified status); last_contacted_at and other bookkeeping leave the score alone.';

DROP TRIGGER rescore_updated ON outreach.leads;
CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.leads
    REFERENCING OLD TABLE AS old_leads NEW TABLE AS changed_leads
    FOR EACH STATEMENT EXECUTE FUNCTION outreach.leads_rescore_changed();
