-- ---- a campaign step reaches a phone number once -----------------------------------------------------
-- Two leads may share a number (a person imported twice, a household, an office line): the queue
-- was unique per lead, so the number got the same step once per lead. Now the preview keeps the
-- best lead of each number (score, then the oldest lead) and says why the others are left out, and
-- a unique index makes a second live row for one number and step impossible, whatever writes it.

CREATE OR REPLACE FUNCTION outreach.preview_campaign(team_id text, campaign_id bigint, at timestamptz DEFAULT pg_catalog.now())
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
    ),
    judged AS (
        SELECT s.lead_id, s.score, g.phone, r.reasons
        FROM sel s
        LEFT JOIN gate g ON g.lead_id = s.lead_id
        CROSS JOIN LATERAL (
            SELECT s.reasons
                   || coalesce(ARRAY(SELECT x FROM unnest(g.reasons) x WHERE x IN ('lead_inactive', 'no_phone', 'suppressed', 'state_ban')), '{}')
                   || CASE WHEN EXISTS (SELECT 1 FROM outreach.campaign_queue q
                                        WHERE q.team_id = c.team_id AND q.campaign_id = c.campaign_id AND q.lead_id = s.lead_id AND q.step = 1)
                           THEN ARRAY['already_queued']
                           WHEN g.phone IS NOT NULL
                                AND EXISTS (SELECT 1 FROM outreach.campaign_queue q
                                            WHERE q.team_id = c.team_id AND q.campaign_id = c.campaign_id
                                              AND q.phone = g.phone AND q.state <> 'cancelled' AND NOT q.legacy_duplicate)
                           THEN ARRAY['phone_already_queued'] ELSE '{}' END AS reasons
        ) r
    ),
    ranked AS (
        SELECT j.*, CASE WHEN cardinality(j.reasons) = 0
                         THEN row_number() OVER (PARTITION BY j.phone, cardinality(j.reasons) = 0 ORDER BY j.score DESC, j.lead_id) END AS rank
        FROM judged j
    )
    SELECT x.lead_id, cardinality(x.reasons) = 0 AND x.rank = 1,
           x.reasons || CASE WHEN x.rank > 1 THEN ARRAY['same_phone'] ELSE '{}' END, x.score, x.phone
    FROM ranked x
    ORDER BY cardinality(x.reasons) = 0 AND x.rank = 1 DESC, x.score DESC, x.lead_id;
END
$fn$;
COMMENT ON FUNCTION outreach.preview_campaign(text, bigint, timestamptz) IS
    'Every active lead of the team: whether the campaign would queue it and, if not, why (the criteria it fails, then no_phone, '
    'suppressed or state_ban from outreach.can_send at `at`, then already_queued, phone_already_queued (another lead of the '
    'number has the campaign) or same_phone (another lead of the number ranks higher: score, then the oldest lead)). '
    'Nothing is written.';

-- Duplicates of an earlier release: a queued one is cancelled; one that is on its way or went out
-- (claimed, sending, sent, unknown, failed) is history, marked so that the index below lets it be.
LOCK TABLE outreach.campaign_queue IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE outreach.campaign_queue ADD COLUMN legacy_duplicate boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN outreach.campaign_queue.legacy_duplicate IS
    'True for a row whose step had already been queued to the same number for another lead before 0.5.0 and was on its way '
    'or sent when 0.5.0 was installed: kept as history, outside campaign_queue_one_per_number.';
WITH duplicates AS (
    SELECT r.team_id, r.queue_id, r.state
    FROM (SELECT q.team_id, q.queue_id, q.state,
                 row_number() OVER (PARTITION BY q.team_id, q.campaign_id, q.step, q.phone
                                    ORDER BY q.state = 'queued', q.queue_id) AS n
          FROM outreach.campaign_queue q WHERE q.state <> 'cancelled') r
    WHERE r.n > 1
), cancelled AS (
    UPDATE outreach.campaign_queue q SET state = 'cancelled', cancel_reason = 'same_phone', updated_at = pg_catalog.now()
    FROM duplicates d
    WHERE d.team_id = q.team_id AND d.queue_id = q.queue_id AND d.state = 'queued'
    RETURNING q.team_id, q.queue_id, q.campaign_id, q.lead_id, q.step
), kept AS (
    UPDATE outreach.campaign_queue q SET legacy_duplicate = true
    FROM duplicates d
    WHERE d.team_id = q.team_id AND d.queue_id = q.queue_id AND d.state <> 'queued'
)
INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, reasons)
SELECT c.team_id, c.campaign_id, c.queue_id, c.lead_id, c.step, 'cancelled', ARRAY['same_phone'] FROM cancelled c;
-- Rows of texts that were cancelled (never sent) do not count; everything else does.
CREATE UNIQUE INDEX campaign_queue_one_per_number ON outreach.campaign_queue (team_id, campaign_id, phone, step)
    WHERE state <> 'cancelled' AND NOT legacy_duplicate;
COMMENT ON INDEX outreach.campaign_queue_one_per_number IS
    'A campaign step goes to a phone number once, whichever lead it was queued for (cancelled rows and the duplicates of '
    'earlier releases aside).';
