-- Step 4 of the journey (design.md §3), continued: Apollo Organization Enrichment
-- (providers.md §4: GET /organizations/enrich?domain=..., answer {"organization": {...}}, 1 credit).
--
-- An organization job enriches a lead's business, found by its domain. The schema keeps no website
-- for a business, so the domain is taken from the e-mail addresses of the lead's person: the first
-- one whose domain is not a free-mail provider's (gmail.com, yahoo.com, ...: those name no company).
-- A lead without such an address is not queued; the reason is recorded as a job in state skipped.
-- What Apollo knows about the company is applied to the business:
--   * its phone number goes through outreach.import_staged as a row of the lead's person at this
--     business, so it is resolved exactly like an imported row (a number that belongs to someone
--     else opens a review), and then fills the business's number if it had none;
--   * its address, employee count, annual revenue and industry fill only what the business lacks:
--     imported data is never overwritten, and an address that contradicts the one known (another
--     ZIP, state, street or city: headquarters or a branch elsewhere) is not used at all.
-- Retries, backoff and the dead state are those of every enrichment job (70_enrichment.sql of 0.3.0).

ALTER TABLE outreach.enrichment_jobs
    DROP CONSTRAINT enrichment_jobs_kind_check,
    ADD CONSTRAINT enrichment_jobs_kind_check CHECK (kind IN ('skiptrace', 'person', 'organization')),
    DROP CONSTRAINT enrichment_jobs_state_check,
    ADD CONSTRAINT enrichment_jobs_state_check CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead', 'skipped')),
    ADD COLUMN business_id bigint;
-- One open organization job per company, whichever of its leads asked for it.
CREATE UNIQUE INDEX enrichment_jobs_open_business ON outreach.enrichment_jobs (team_id, business_id)
    WHERE kind = 'organization' AND state IN ('queued', 'running');
-- One record of the latest request that could not be queued, per lead and kind.
CREATE UNIQUE INDEX enrichment_jobs_skipped ON outreach.enrichment_jobs (team_id, kind, lead_id) WHERE state = 'skipped';
COMMENT ON TABLE outreach.enrichment_jobs IS
    'Enrichment work for outreachd: skiptrace (RealEstateAPI SkipTrace v2) or person (Apollo People Enrichment) of a lead, '
    'organization (Apollo Organization Enrichment) of a lead''s business. queued -> running (claimed with a lease) -> done | '
    'failed (the provider refused the request) | dead (max_attempts reached on errors worth retrying); a running job whose '
    'lease ran out is queued again (at-least-once). skipped: the latest request that could not be queued (an organization '
    'job for a lead with no company domain), with the reason in last_error and its time in updated_at; one per lead and kind.';
COMMENT ON COLUMN outreach.enrichment_jobs.business_id IS
    'The business an organization job enriches: the requesting lead''s when it was asked for (the answer goes to its survivor '
    'if it has been merged since).';
COMMENT ON TABLE outreach.enrichment_results IS
    'Every Apollo enrichment response body as received (People and Organization Enrichment, also errors), one row per attempt '
    'that got an answer.';

ALTER TABLE outreach.businesses ADD COLUMN industry text;
COMMENT ON COLUMN outreach.businesses.industry IS
    'The industry as a data provider names it (Apollo organization.industry, e.g. ''construction''); sic_code and naics_code '
    'are the codes.';

-- Domains -----------------------------------------------------------------------------------

-- A domain as Apollo wants it (providers.md §4: "no www./@"): lower case, without scheme, user,
-- e-mail local part, port, path, query, fragment, trailing dot or a leading www.; NULL unless what
-- is left is a host name of ASCII labels (an IDN in punycode, xn--, counts) with a top-level
-- domain that is not a number (an IP address is no company domain).
CREATE FUNCTION outreach.normalize_domain(raw text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT CASE WHEN pg_catalog.length(d) OPERATOR(pg_catalog.<=) 253
                 AND d OPERATOR(pg_catalog.~) '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'
                THEN d END
    FROM (SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
                 pg_catalog.regexp_replace(pg_catalog.lower(pg_catalog.btrim(raw)),
                     '^([a-z][a-z0-9+.-]*://|mailto:)', ''),  -- scheme
                     '[/?#].*$', ''),                         -- path, query, fragment
                     '^.*@', ''),                             -- user, or the local part of an e-mail address
                     '(:[0-9]*)?\.?$', ''),                   -- port, trailing dot
                     '^www\.', '') AS d) x
);
COMMENT ON FUNCTION outreach.normalize_domain(text) IS
    'A company domain as Apollo takes it: ''https://www.Acme.com/about'', ''acme.com.'' and ''amy@acme.com'' all give '
    '''acme.com''. NULL for what is not a host name (an IP address, a bare word, non-ASCII labels not in punycode).';

-- Mailbox providers whose addresses anyone can have: their domain says nothing about the company.
CREATE FUNCTION outreach.free_mail_domains() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY[
    -- web mail
    'gmail.com', 'googlemail.com', 'yahoo.com', 'ymail.com', 'rocketmail.com', 'hotmail.com', 'outlook.com', 'live.com',
    'msn.com', 'passport.com', 'aol.com', 'aim.com', 'icloud.com', 'me.com', 'mac.com', 'protonmail.com', 'protonmail.ch',
    'proton.me', 'pm.me', 'tutanota.com', 'tuta.io', 'fastmail.com', 'hushmail.com', 'mail.com', 'email.com', 'usa.com',
    'inbox.com', 'gmx.com', 'gmx.net', 'zohomail.com', 'yandex.com', 'mail.ru', 'qq.com', '163.com', '126.com', 'naver.com',
    'rediffmail.com', 'web.de', 't-online.de',
    -- internet providers' mailboxes, common in small-business lists
    'comcast.net', 'verizon.net', 'att.net', 'sbcglobal.net', 'bellsouth.net', 'pacbell.net', 'swbell.net', 'ameritech.net',
    'prodigy.net', 'flash.net', 'snet.net', 'cox.net', 'charter.net', 'spectrum.net', 'rr.com', 'twc.com', 'roadrunner.com',
    'earthlink.net', 'mindspring.com', 'optonline.net', 'optimum.net', 'frontier.com', 'frontiernet.net', 'windstream.net',
    'centurylink.net', 'centurytel.net', 'embarqmail.com', 'q.com', 'juno.com', 'netzero.net', 'netzero.com', 'suddenlink.net',
    'cableone.net', 'mediacombb.net', 'wowway.com', 'hughes.net', 'shaw.ca', 'rogers.com', 'sympatico.ca', 'btinternet.com',
    'sky.com', 'virginmedia.com', 'orange.fr', 'wanadoo.fr', 'free.fr', 'laposte.net', 'libero.it', 'bigpond.com'
];
COMMENT ON FUNCTION outreach.free_mail_domains() IS
    'Free-mail and internet-provider mailbox domains (gmail.com, yahoo.com, comcast.net, ...): never a company''s domain. '
    'outreach.is_free_mail_domain also counts their subdomains and the country variants of the big web-mail providers.';

CREATE FUNCTION outreach.is_free_mail_domain(domain text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN domain OPERATOR(pg_catalog.=) ANY (outreach.free_mail_domains())
    -- yahoo.co.uk, hotmail.fr, outlook.de, live.ca, aol.co.uk, gmx.de, yandex.ru, ...
    OR domain OPERATOR(pg_catalog.~) '^(yahoo|ymail|hotmail|outlook|live|msn|aol|gmx|yandex|icloud)\.([a-z]{2,3}\.)?[a-z]{2,3}$'
    -- nc.rr.com, mail.comcast.net, ...
    OR EXISTS (SELECT 1 FROM pg_catalog.unnest(outreach.free_mail_domains()) AS f (d)
               WHERE pg_catalog.right(domain, pg_catalog.length(f.d) OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog.=) ('.' OPERATOR(pg_catalog.||) f.d));
COMMENT ON FUNCTION outreach.is_free_mail_domain(text) IS
    'True for a domain (as outreach.normalize_domain gives it) of a free-mail or internet-provider mailbox: one of '
    'outreach.free_mail_domains(), a subdomain of one, or a country variant of a big web-mail provider (yahoo.co.uk).';

-- Reading an answer -------------------------------------------------------------------------

-- The company in an Apollo Organization Enrichment answer, as our columns take it. The number is
-- primary_phone.sanitized_number, else primary_phone.number, else sanitized_phone, else phone.
-- A count of 0 employees or 0 revenue is read as unknown (a company Apollo has no figure for), not
-- as a figure that would fill the business.
CREATE FUNCTION outreach.organization_findings(response jsonb)
    RETURNS TABLE (organization_id text, name text, domain text, phone text, street text, city text, state text, zip text,
                   country text, employee_count integer, annual_revenue numeric, industry text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT nullif(btrim(o ->> 'id'), ''), nullif(btrim(o ->> 'name'), ''),
           outreach.normalize_domain(coalesce(nullif(o ->> 'primary_domain', ''), o ->> 'website_url')),
           coalesce(nullif(btrim(o #>> '{primary_phone,sanitized_number}'), ''), nullif(btrim(o #>> '{primary_phone,number}'), ''),
                    nullif(btrim(o ->> 'sanitized_phone'), ''), nullif(btrim(o ->> 'phone'), '')),
           nullif(btrim(o ->> 'street_address'), ''), nullif(btrim(o ->> 'city'), ''), nullif(btrim(o ->> 'state'), ''),
           nullif(btrim(o ->> 'postal_code'), ''), nullif(btrim(o ->> 'country'), ''),
           nullif(outreach.parse_count(o ->> 'estimated_num_employees'), 0),
           nullif(outreach.parse_money(o ->> 'annual_revenue'), 0),
           nullif(btrim(o ->> 'industry'), '')
    FROM (SELECT response -> 'organization' AS o) x
    WHERE jsonb_typeof(x.o) = 'object' AND coalesce(x.o ->> 'id', x.o ->> 'name', x.o ->> 'primary_domain') IS NOT NULL
$fn$;
COMMENT ON FUNCTION outreach.organization_findings(jsonb) IS
    'The company in an Apollo Organization Enrichment answer ({"organization": {...}}): Apollo id, name, domain, phone, '
    'address (street_address, city, state, postal_code, country), employees, annual revenue and industry. No row for an '
    'answer without one ({} or {"organization": null}: a domain Apollo does not know).';

CREATE OR REPLACE FUNCTION outreach.enrichment_findings(kind text, response jsonb)
    RETURNS TABLE (phone text, email text, line_type text, dnc boolean)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    -- SkipTrace v2: persons[].phones[] {phone, phoneType W|L|V, phoneFtcDnc Y|N}, persons[].emails[]
    SELECT ph ->> 'phone', NULL::text,
           CASE ph ->> 'phoneType' WHEN 'W' THEN 'wireless' WHEN 'L' THEN 'landline' WHEN 'V' THEN 'voip' ELSE lower(ph ->> 'phoneType') END,
           coalesce(ph ->> 'phoneFtcDnc' = 'Y' OR (ph ->> 'doNotCall')::boolean, false)
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response -> 'persons', '[]') ELSE '[]' END) p,
         jsonb_array_elements(coalesce(p -> 'phones', '[]')) ph
    UNION ALL
    -- SkipTrace v1: output.identity.phones[] {phone, phoneType, doNotCall}, emails[] {email}
    SELECT ph ->> 'phone', NULL, lower(ph ->> 'phoneType'), coalesce((ph ->> 'doNotCall')::boolean, false)
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response #> '{output,identity,phones}', '[]') ELSE '[]' END) ph
    UNION ALL
    SELECT NULL, e ->> 'email', NULL, false
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response -> 'persons', '[]') ELSE '[]' END) p,
         jsonb_array_elements(coalesce(p -> 'emails', '[]')) e
    UNION ALL
    SELECT NULL, e ->> 'email', NULL, false
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response #> '{output,identity,emails}', '[]') ELSE '[]' END) e
    UNION ALL
    -- Apollo: person.email, person.contact.phone_numbers[] {sanitized_number, type, dnc_status}
    SELECT NULL, response #>> '{person,email}', NULL, false
    WHERE kind = 'person' AND response #>> '{person,email}' IS NOT NULL
    UNION ALL
    SELECT coalesce(n ->> 'sanitized_number', n ->> 'raw_number'), NULL, lower(n ->> 'type'),
           coalesce(n ->> 'dnc_status' IS NOT NULL AND lower(n ->> 'dnc_status') NOT IN ('', 'none', 'not_on_dnc', 'false'), false)
    FROM jsonb_array_elements(CASE WHEN kind = 'person' THEN coalesce(response #> '{person,contact,phone_numbers}', '[]') ELSE '[]' END) n
    UNION ALL
    -- Apollo organization: the company's number (Apollo gives it no line type and no Do Not Call flag)
    SELECT o.phone, NULL, NULL, false
    FROM outreach.organization_findings(CASE WHEN kind = 'organization' THEN response END) o
    WHERE o.phone IS NOT NULL
$fn$;
COMMENT ON FUNCTION outreach.enrichment_findings(text, jsonb) IS
    'The phones (with line type and Do Not Call flag) and e-mails in a SkipTrace (v1 or v2) or Apollo People Enrichment '
    'response, and the company number in an Apollo Organization Enrichment response (kind organization).';

-- Queueing ----------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION outreach.request_enrichment(team_id text, lead_ids bigint[], kind text DEFAULT 'skiptrace')
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    n bigint;
    skipped bigint;
    reasons text;
BEGIN
    PERFORM outreach.check_team(request_enrichment.team_id);
    IF kind IS NULL OR kind NOT IN ('skiptrace', 'person', 'organization') THEN
        RAISE EXCEPTION 'enrichment kind must be skiptrace, person or organization, not %', coalesce(quote_literal(kind), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind = 'organization' THEN
        WITH asked AS (
            SELECT DISTINCT ON (l.lead_id) l.team_id, l.lead_id, l.business_id, b.name AS company, m.domain, m.email,
                   CASE WHEN b.business_id IS NULL THEN 'no company: the lead has no business to enrich'
                        WHEN m.domain IS NOT NULL THEN NULL
                        WHEN m.free_domains IS NOT NULL THEN format('no company domain: only free-mail addresses (%s)', m.free_domains)
                        ELSE 'no company domain: no e-mail address to take it from' END AS reason
            FROM unnest(lead_ids) AS k (lead_id)
            JOIN outreach.leads l ON l.team_id = request_enrichment.team_id AND l.lead_id = k.lead_id AND l.is_active
            LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
            -- the person's addresses, its own first, then in the order they were seen
            LEFT JOIN LATERAL (
                SELECT (array_agg(e.domain ORDER BY e.ord) FILTER (WHERE NOT e.free))[1] AS domain,
                       (array_agg(e.email ORDER BY e.ord) FILTER (WHERE NOT e.free))[1] AS email,
                       string_agg(DISTINCT e.domain, ', ' ORDER BY e.domain) FILTER (WHERE e.free) AS free_domains
                FROM (SELECT x.email, x.ord, d.domain, outreach.is_free_mail_domain(d.domain) AS free
                      FROM (SELECT p.normalized_email AS email, 0::bigint AS ord FROM outreach.personas p
                            WHERE p.team_id = l.team_id AND p.persona_id = l.persona_id AND p.normalized_email IS NOT NULL
                            UNION ALL
                            SELECT pe.normalized_email, pe.email_id FROM outreach.persona_emails pe
                            WHERE pe.team_id = l.team_id AND pe.persona_id = l.persona_id) x
                      CROSS JOIN LATERAL (SELECT outreach.normalize_domain(split_part(x.email, '@', 2)) AS domain) d
                      WHERE d.domain IS NOT NULL) e
            ) m ON true
            ORDER BY l.lead_id
        ),
        queued AS (
            -- one job per company: the first of its leads asks for it
            INSERT INTO outreach.enrichment_jobs (team_id, provider, kind, lead_id, business_id, request)
            SELECT DISTINCT ON (a.business_id) a.team_id, 'apollo', 'organization', a.lead_id, a.business_id,
                   jsonb_strip_nulls(jsonb_build_object('domain', a.domain, 'email', a.email, 'organization_name', a.company))
            FROM asked a WHERE a.reason IS NULL
            ORDER BY a.business_id, a.lead_id
            ON CONFLICT DO NOTHING  -- the company already has an open job
            RETURNING 1
        ),
        not_queued AS (
            INSERT INTO outreach.enrichment_jobs (team_id, provider, kind, lead_id, business_id, state, request, last_error)
            SELECT a.team_id, 'apollo', 'organization', a.lead_id, a.business_id, 'skipped',
                   jsonb_strip_nulls(jsonb_build_object('organization_name', a.company)), a.reason
            FROM asked a WHERE a.reason IS NOT NULL
            -- one record per lead: a lead skipped again gets today's reason
            ON CONFLICT (team_id, kind, lead_id) WHERE state = 'skipped'
            DO UPDATE SET business_id = excluded.business_id, request = excluded.request, last_error = excluded.last_error,
                          updated_at = pg_catalog.now()
            RETURNING split_part(last_error, ' (', 1) AS why
        )
        SELECT sum(c), string_agg(format('%s: %s', w.why, w.c), '; ' ORDER BY w.c DESC, w.why)
        INTO skipped, reasons
        FROM (SELECT q.why, count(*) AS c FROM not_queued q GROUP BY q.why) w;
        IF skipped > 0 THEN
            RAISE NOTICE '% of these leads not queued for organization enrichment (%)', skipped, reasons
                USING HINT = 'Each lead''s reason: outreach.enrichment_jobs with kind organization and state skipped.';
        END IF;
        -- the leads whose company waits for a job now
        SELECT count(*) INTO n FROM outreach.leads l
        WHERE l.team_id = request_enrichment.team_id AND l.lead_id = ANY (lead_ids) AND l.is_active
          AND EXISTS (SELECT 1 FROM outreach.enrichment_jobs j
                      WHERE j.team_id = l.team_id AND j.kind = 'organization' AND j.business_id = l.business_id AND j.state = 'queued');
        RETURN n;
    END IF;
    WITH queued AS (
        INSERT INTO outreach.enrichment_jobs (team_id, provider, kind, lead_id, request)
        SELECT l.team_id, CASE WHEN request_enrichment.kind = 'skiptrace' THEN 'realestateapi' ELSE 'apollo' END,
               request_enrichment.kind, l.lead_id,
               jsonb_strip_nulls(jsonb_build_object(
                   'first_name', p.first_name, 'last_name', p.last_name,
                   'address', coalesce(a.street, b.street), 'city', coalesce(a.city, b.city),
                   'state', coalesce(p.normalized_state, b.normalized_state), 'zip', coalesce(p.normalized_zip, b.normalized_zip),
                   'organization_name', b.name, 'email', p.normalized_email))
        FROM unnest(lead_ids) AS k (lead_id)
        JOIN outreach.leads l ON l.team_id = request_enrichment.team_id AND l.lead_id = k.lead_id AND l.is_active
        JOIN outreach.personas p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
        LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
        LEFT JOIN LATERAL (SELECT ad.street, ad.city FROM outreach.addresses ad
                           WHERE ad.team_id = l.team_id AND ad.persona_id = l.persona_id AND ad.street IS NOT NULL
                           ORDER BY ad.address_id LIMIT 1) a ON true
        ON CONFLICT (team_id, kind, lead_id) WHERE state IN ('queued', 'running') DO NOTHING
        RETURNING enrichment_jobs.team_id, enrichment_jobs.lead_id
    )
    UPDATE outreach.leads l SET enrichment_status = 'pending'
    FROM queued q WHERE l.team_id = q.team_id AND l.lead_id = q.lead_id AND l.enrichment_status <> 'pending';
    SELECT count(*) INTO n FROM outreach.enrichment_jobs j
    WHERE j.team_id = request_enrichment.team_id AND j.lead_id = ANY (lead_ids) AND j.kind = request_enrichment.kind AND j.state = 'queued';
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION outreach.request_enrichment(text, bigint[], text) IS
    'Queues enrichment jobs for these leads: skiptrace (RealEstateAPI) and person (Apollo People Enrichment) with the search '
    'input built from each lead; organization (Apollo Organization Enrichment) of each lead''s business, one job per company, '
    'by the domain of the first e-mail address of the lead''s person that is not free mail (outreach.is_free_mail_domain). '
    'Leads already waiting for one are left alone. A lead that cannot be enriched by organization (no business, no company '
    'domain) is not queued: a NOTICE counts them by reason, and each lead has one job in state skipped with the latest reason '
    'in last_error. Returns how many of the leads are queued now (organization: whose company is).';

-- Applying an answer ------------------------------------------------------------------------

-- What an organization job found, applied to its business (see the top of this file). Runs inside
-- outreach.complete_enrichment; returns the import job that resolved the company number (if one
-- did) and a note when something found could not be used.
CREATE FUNCTION outreach.apply_organization_findings(team_id text, job_id bigint, response jsonb,
                                                     OUT data_source_id bigint, OUT note text)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    t text := apply_organization_findings.team_id;
    j outreach.enrichment_jobs;
    o record;
    b outreach.businesses;
    p outreach.personas;
    biz bigint;
    found_phone text;
    found_zip text;
    found_state text;
    found_street text;
    found_city text;
    fits boolean;
    headers constant text[] := ARRAY['ownerFirstName', 'ownerLastName', 'phone', 'email', 'street', 'city', 'state', 'zip', 'companyName'];
BEGIN
    SELECT * INTO j FROM outreach.enrichment_jobs x WHERE x.team_id = t AND x.job_id = apply_organization_findings.job_id;
    SELECT * INTO o FROM outreach.organization_findings(response) LIMIT 1;
    -- the business as it is now: its survivor if it has been merged since the request
    biz := outreach.canonical_of(t, 'business', j.business_id);
    SELECT * INTO b FROM outreach.businesses x WHERE x.team_id = t AND x.business_id = biz FOR UPDATE;
    IF NOT FOUND THEN
        note := 'the business is gone';
        RETURN;
    END IF;

    -- 1. Firmographics fill what is missing. The address is used only if it is a US address that
    --    contradicts none of the parts already known, and then only for the parts missing.
    found_zip := outreach.normalize_zip(o.zip);
    found_state := outreach.normalize_state(o.state);
    found_street := outreach.normalize_street(o.street);
    found_city := outreach.name_key(o.city);
    fits := (o.country IS NULL OR lower(o.country) IN ('united states', 'united states of america', 'us', 'usa'))
            AND (b.normalized_zip IS NULL OR found_zip IS NULL OR b.normalized_zip = found_zip)
            AND (b.normalized_state IS NULL OR found_state IS NULL OR b.normalized_state = found_state)
            AND (b.normalized_street IS NULL OR found_street IS NULL OR b.normalized_street = found_street)
            AND (b.city_key IS NULL OR found_city IS NULL OR b.city_key = found_city);
    UPDATE outreach.businesses x
    SET street = CASE WHEN fits AND x.street IS NULL AND x.normalized_street IS NULL AND found_street IS NOT NULL THEN o.street ELSE x.street END,
        normalized_street = CASE WHEN fits AND x.street IS NULL AND x.normalized_street IS NULL THEN found_street ELSE x.normalized_street END,
        city = CASE WHEN fits AND x.city IS NULL AND x.city_key IS NULL AND found_city IS NOT NULL
                    THEN initcap(regexp_replace(o.city, '\s+', ' ', 'g')) ELSE x.city END,
        city_key = CASE WHEN fits AND x.city IS NULL AND x.city_key IS NULL THEN found_city ELSE x.city_key END,
        state = CASE WHEN fits AND x.state IS NULL AND x.normalized_state IS NULL AND found_state IS NOT NULL THEN o.state ELSE x.state END,
        normalized_state = CASE WHEN fits AND x.state IS NULL AND x.normalized_state IS NULL THEN found_state ELSE x.normalized_state END,
        zip = CASE WHEN fits AND x.zip IS NULL AND x.normalized_zip IS NULL AND found_zip IS NOT NULL THEN o.zip ELSE x.zip END,
        normalized_zip = CASE WHEN fits AND x.zip IS NULL AND x.normalized_zip IS NULL THEN found_zip ELSE x.normalized_zip END,
        employee_count = coalesce(x.employee_count, o.employee_count),
        annual_revenue = coalesce(x.annual_revenue, o.annual_revenue),
        industry = coalesce(x.industry, o.industry)
    WHERE x.team_id = t AND x.business_id = biz
    RETURNING x.* INTO b;
    IF NOT fits AND (found_zip IS NOT NULL OR found_state IS NOT NULL OR found_street IS NOT NULL OR found_city IS NOT NULL) THEN
        note := 'address not used: it is not the business''s (another place or country)';
    END IF;

    -- 2. A company number not known yet is imported as a row of the lead's person at this business,
    --    with the business's own name and address, so resolution recognizes both (the person also
    --    by the e-mail address the domain came from) and the number is resolved like an imported
    --    one. The import finds a business by name with its ZIP, or with its city and state: without
    --    either the row would become a second company, so the number is not used then.
    found_phone := outreach.normalize_phone(o.phone);
    IF found_phone IS NOT NULL AND found_phone IS DISTINCT FROM b.normalized_phone THEN
        IF b.normalized_zip IS NULL AND (b.city_key IS NULL OR b.normalized_state IS NULL) THEN
            note := concat_ws('; ', note, 'company number not used: the business has no ZIP, or city and state, to resolve it by');
            found_phone := NULL;
        ELSE
            SELECT s.* INTO p
            FROM outreach.leads l
            JOIN outreach.personas x ON x.team_id = l.team_id AND x.persona_id = l.persona_id
            JOIN outreach.personas s ON s.team_id = x.team_id AND s.persona_id = x.canonical_id
            WHERE l.team_id = t AND l.lead_id = j.lead_id;
            PERFORM outreach.drop_temp_tables(ARRAY['_outreach_organization']);
            CREATE TEMP TABLE _outreach_organization ON COMMIT DROP AS
            SELECT 1::bigint AS row_number, NULL::bigint AS line_number,
                   ARRAY[p.first_name, p.last_name, o.phone, j.request ->> 'email', b.street, b.city, b.state, b.zip, b.name] AS fields;
            data_source_id := outreach.begin_import(t, 'organization job ' || j.job_id, NULL, 'usdatabiz', '{}');
            PERFORM outreach.set_import_headers(t, data_source_id, headers);
            PERFORM outreach.import_staged(t, data_source_id, '_outreach_organization'::regclass);
            DROP TABLE _outreach_organization;
            -- the import may have merged the business on (a row it bridged)
            biz := outreach.canonical_of(t, 'business', biz);
        END IF;
    END IF;

    -- 3. The business's own number (the one just imported) and time zone, if it had none.
    UPDATE outreach.businesses x
    SET normalized_phone = coalesce(x.normalized_phone, found_phone),
        timezone = coalesce(x.timezone, outreach.timezone_for(x.normalized_state, x.normalized_zip, coalesce(x.normalized_phone, found_phone)))
    WHERE x.team_id = t AND x.business_id = biz
      AND (x.normalized_phone IS NULL AND found_phone IS NOT NULL OR x.timezone IS NULL);
END
$fn$;
REVOKE ALL ON FUNCTION outreach.apply_organization_findings(text, bigint, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION outreach.apply_organization_findings(text, bigint, jsonb) IS
    'Internal, for outreach.complete_enrichment: applies an Apollo organization to the job''s business. Address, employees, '
    'revenue and industry fill only what is missing (an address of another place is not used); a company number not yet known '
    'is imported as a row of the lead''s person at the business (resolved like an import; not used when the business has no '
    'ZIP or city and state the import could recognize it by) and becomes the business''s number if it had none. Returns the '
    'import job and a note on what could not be used.';

CREATE OR REPLACE FUNCTION outreach.complete_enrichment(team_id text, job_id bigint, http_status integer, response jsonb,
                                                        error text DEFAULT NULL, retry_after_seconds integer DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    t text := complete_enrichment.team_id;
    j outreach.enrichment_jobs;
    p outreach.personas;
    l outreach.leads;
    ds bigint;
    note text;
    matched boolean;
    headers constant text[] := ARRAY['ownerFirstName', 'ownerLastName', 'phone', 'email', 'street', 'city', 'state', 'zip', 'companyName'];
BEGIN
    SELECT * INTO j FROM outreach.enrichment_jobs x WHERE x.team_id = t AND x.job_id = complete_enrichment.job_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no enrichment job %', t, complete_enrichment.job_id USING ERRCODE = 'undefined_object';
    END IF;
    IF j.state <> 'running' THEN
        RETURN j.state;  -- a repeat (at-least-once): already settled
    END IF;
    IF response IS NOT NULL THEN
        IF j.kind = 'skiptrace' THEN
            INSERT INTO outreach.skiptrace_results (team_id, job_id, lead_id, http_status, response) VALUES (t, j.job_id, j.lead_id, http_status, response);
        ELSE
            INSERT INTO outreach.enrichment_results (team_id, job_id, lead_id, http_status, response) VALUES (t, j.job_id, j.lead_id, http_status, response);
        END IF;
    END IF;
    -- worth another try: rate limited, the provider failing, or no answer at all
    IF http_status IS NULL OR http_status IN (408, 409, 429) OR http_status >= 500 THEN
        UPDATE outreach.enrichment_jobs x
        SET state = CASE WHEN x.attempts >= x.max_attempts THEN 'dead' ELSE 'queued' END,
            next_attempt_at = pg_catalog.now() + outreach.enrichment_backoff(x.attempts, retry_after_seconds),
            lease_until = NULL, last_error = coalesce(error, 'HTTP ' || http_status), updated_at = pg_catalog.now()
        WHERE x.team_id = t AND x.job_id = j.job_id
        RETURNING x.* INTO j;
        -- (an organization job is about the company: the lead's own enrichment status is left as it is)
        IF j.state = 'dead' AND j.kind <> 'organization' THEN
            UPDATE outreach.leads x SET enrichment_status = 'failed' WHERE x.team_id = t AND x.lead_id = j.lead_id;
        END IF;
        RETURN j.state;
    END IF;
    matched := http_status = 200 AND response IS NOT NULL
               AND (j.kind = 'person' AND jsonb_typeof(response -> 'person') = 'object'
                    OR j.kind = 'organization' AND EXISTS (SELECT 1 FROM outreach.organization_findings(response))
                    OR j.kind = 'skiptrace' AND (jsonb_array_length(coalesce(response -> 'persons', '[]')) > 0
                                                 OR response #> '{output,identity}' IS NOT NULL));
    IF http_status NOT IN (200, 204, 404) THEN
        -- refused (bad key, bad input): trying again would get the same answer
        UPDATE outreach.enrichment_jobs x SET state = 'failed', lease_until = NULL, last_error = coalesce(error, 'HTTP ' || http_status),
            updated_at = pg_catalog.now()
        WHERE x.team_id = t AND x.job_id = j.job_id;
        IF j.kind <> 'organization' THEN
            UPDATE outreach.leads x SET enrichment_status = 'failed' WHERE x.team_id = t AND x.lead_id = j.lead_id;
        END IF;
        RETURN 'failed';
    END IF;
    IF matched AND j.kind = 'organization' THEN
        SELECT a.data_source_id, a.note INTO ds, note FROM outreach.apply_organization_findings(t, j.job_id, response) a;
    ELSIF matched THEN
        SELECT * INTO l FROM outreach.leads x WHERE x.team_id = t AND x.lead_id = j.lead_id;
        SELECT * INTO p FROM outreach.personas x WHERE x.team_id = t AND x.persona_id = l.persona_id;
        -- numbers on the Do Not Call list are never texted, whatever else is known about them
        PERFORM outreach.record_consent(t, f.phone, 'opt_out', 'provider_dnc',
                                        jsonb_build_object('provider', j.provider, 'job_id', j.job_id))
        FROM outreach.enrichment_findings(j.kind, response) f
        WHERE f.dnc AND outreach.normalize_phone(f.phone) IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM outreach.suppression_list s WHERE s.team_id = t AND s.phone = outreach.normalize_phone(f.phone));
        -- the findings go through the import, so they are resolved exactly like imported rows
        PERFORM outreach.drop_temp_tables(ARRAY['_outreach_enrichment']);
        CREATE TEMP TABLE _outreach_enrichment ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY f.phone NULLS LAST, f.email) AS row_number, NULL::bigint AS line_number,
               ARRAY[p.first_name, p.last_name, f.phone, f.email, j.request ->> 'address', j.request ->> 'city',
                     j.request ->> 'state', j.request ->> 'zip', j.request ->> 'organization_name'] AS fields
        FROM outreach.enrichment_findings(j.kind, response) f
        WHERE (f.phone IS NOT NULL AND NOT f.dnc AND coalesce(f.line_type, '') NOT IN ('landline', 'l'))
           OR f.email IS NOT NULL;
        IF EXISTS (SELECT 1 FROM _outreach_enrichment) THEN
            ds := outreach.begin_import(t, j.kind || ' job ' || j.job_id, NULL, 'usdatabiz', '{}');
            PERFORM outreach.set_import_headers(t, ds, headers);
            PERFORM outreach.import_staged(t, ds, '_outreach_enrichment'::regclass);
        END IF;
        DROP TABLE _outreach_enrichment;
    END IF;
    UPDATE outreach.enrichment_jobs x SET state = 'done', lease_until = NULL, data_source_id = ds, updated_at = pg_catalog.now(),
        last_error = CASE WHEN matched THEN note ELSE 'no match' END
    WHERE x.team_id = t AND x.job_id = j.job_id;
    IF j.kind <> 'organization' THEN
        UPDATE outreach.leads x SET enrichment_status = CASE WHEN matched THEN 'enriched' ELSE 'failed' END
        WHERE x.team_id = t AND x.lead_id = j.lead_id;
    END IF;
    RETURN 'done';
END
$fn$;
COMMENT ON FUNCTION outreach.complete_enrichment(text, bigint, integer, jsonb, text, integer) IS
    'For outreachd: the provider''s answer to a running enrichment job. The body is kept raw (skiptrace_results / '
    'enrichment_results). 204 is a sandbox run (nothing was sent). 200: the phones and e-mails found are imported as rows of the lead''s person (resolved like any '
    'import: merged, or a review when they point at someone else); landlines are left out and Do Not Call numbers are '
    'recorded as opt-outs. An organization answer is applied to the business (outreach.apply_organization_findings): its '
    'number resolved like an import, address, employees, revenue and industry only where missing; organization jobs leave the '
    'lead''s enrichment_status alone. 404 / no person / no organization: done, nothing found. 429, 5xx or no answer: retried '
    'with backoff (Retry-After honoured) until max_attempts, then dead. Other 4xx: failed. A repeat of a settled job changes nothing.';
