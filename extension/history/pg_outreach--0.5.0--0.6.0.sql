-- pg_outreach 0.5.0 -> 0.6.0 (open: hand-written; its checksum goes into SHA256SUMS when 0.6.0 is released).
\echo Use "ALTER EXTENSION pg_outreach UPDATE TO '0.6.0'" to load this file. \quit

-- ---- pg_outreach 0.6.0 ---------------------------------------------------------------------------
-- 0.6.0 keeps behaviour; its sources moved to one file per journey step (extension/sql/). Comments
-- that pointed readers at documents outside the repository now say what they meant.
COMMENT ON FUNCTION outreach.tenancy_violations() IS
    'Catalog check of the tenancy rules: every outreach table (and any partition of one, wherever it lives) has '
    'row-level security, and every table but the shared reference tables has policies that compare team_id with the '
    'outreach.team_id setting, team_id text NOT NULL as the first column of its primary key, of every unique or exclusion '
    'constraint and unique index, and of both ends of every foreign key, and (when it belongs to the extension) its rows '
    'registered for pg_dump. Views must be security_invoker; materialized views are not allowed. One row per violation.';
COMMENT ON FUNCTION outreach.import_staged(text, bigint, regclass) IS
    'Imports staged rows (a relation with row_number bigint, line_number bigint, fields text[] in header order) into an import job '
    'in state loading: rejects rows with a wrong column count or nothing to identify, records field-level warnings, normalizes, '
    'resolves (outreach.resolve_load) and completes the job. Returns the summary.';
COMMENT ON TABLE outreach.persona_merge_history IS
    'Every persona merge: who was merged into whom, by which rule (phone, email, name_address, operator), with what confidence '
    '(100 exact phone down to 70 for a review), the Fellegi-Sunter match weight and the evidence (each compared field and how it agreed). undone_at is set '
    'by outreach.unmerge_persona.';
COMMENT ON FUNCTION outreach.resolve_load(text, bigint) IS
    'Internal: resolves the rows of the current import (temporary table _outreach_in) into personas, businesses and leads '
    '(the comment above it in the resolve step of the sources explains the four stages).';
COMMENT ON COLUMN outreach.campaigns.per_minute_cap IS
    '10DLC throughput of the campaign in messages per minute (AT&T class E/F: 240, the strictest 10DLC class).';
COMMENT ON TABLE outreach.quiet_hour_rules IS
    'When texting is allowed, in the recipient''s local time: [start_local, end_local) on the ISO weekdays in days (NULL: every '
    'day), for recipients in state (US: everyone). Every applicable rule must allow the time, in every zone the recipient may '
    'be in. A recipient whose state is unknown gets every rule (the strictest). Each team starts with the rules of '
    'outreach.default_quiet_hour_rules().';
COMMENT ON TABLE outreach.compliance_settings IS
    'Per-team limits: at most frequency_cap texts to one number in any rolling frequency_window, across every campaign, '
    'operator and provider (Florida 501.616(6)(b), Oklahoma, Maryland: 3 per 24 hours).';
COMMENT ON TABLE outreach.sender_limits IS
    '10DLC daily cap per brand in SMS segments, shared by all its campaigns; the day starts at midnight US Pacific '
    '(T-Mobile''s rule). The default 2,000 is T-Mobile''s Basic tier: raise it to the brand''s vetted tier.';
COMMENT ON FUNCTION outreach.default_quiet_hour_rules() IS 
    'The quiet-hour rules every team starts with: the federal TCPA window (8 am to 9 pm local) and the stricter state laws.';
COMMENT ON FUNCTION outreach.send_blockers(text, bigint[], timestamptz[], bigint, integer[]) IS
    'The compliance gate over many leads at once: for each (lead_ids[i], ats[i]) every reason it may not be texted then '
    '(lead_inactive, no_phone, suppressed, state_ban, quiet_hours, frequency_cap), empty when it may; with the number it '
    'would go to and the zones whose clocks were read. With campaign_id and steps[i] it also checks duplicate_step, '
    'throughput_cap and daily_cap.';

-- ---- replies: the deterministic reply classifier -------------------------------------------------
CREATE FUNCTION outreach.classify_reply(body text, has_media boolean DEFAULT false)
    RETURNS TABLE (label text, confidence real, rule text, extracted jsonb)
    AS 'MODULE_PATHNAME', 'outreach_classify_reply'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION outreach.classify_reply(text, boolean) IS
    'Classifies a reply to a text by rules (no model): label is one of STOP, EMAIL_CAPTURE, CALLBACK_REQUEST, '
    'PRICE_INQUIRY, QUESTION, POSITIVE, NEGATIVE, UNCLEAR (a reply that is several is the first of them); confidence '
    'in [0, 1] is 1 for a bare keyword and below 0.8 for a guess worth a second look; rule names the deciding rule '
    '(stop_keyword, stop_phrase:remove_me, ...). STOP covers the carrier and FCC keywords, Spanish and French ones and '
    'free-text revocations with typos and emoji; "stop by our shop" is not one. extracted holds consent (opt_out, '
    'opt_in for START/UNSTOP, help for HELP/INFO), emails (lower case, "frank dot miller at gmail dot com" read as an '
    'address), phones (E.164, US by default) and callback {weekday 1-7, day today|tomorrow, hour, minute, part '
    'morning|afternoon|evening, after}; empty parts are left out. An empty or media-only reply is UNCLEAR; a reply '
    'longer than 4 KiB is classified on its first 4 KiB.';
