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
