-- ==== Step: normalize =============================================================================
-- The pinned normalization, similarity and time-zone functions every later step matches on, and
-- the shared reference data (US ZIP codes and NANP area codes with their zones). The functions are
-- pure C++ in extension/core/, reached through the error boundary in extension/pg/. Every
-- normalizer refuses a value longer than any real one of its kind before reading it
-- (extension/core/limits.hpp), so a megabyte in a phone column costs microseconds and a running
-- import can always be cancelled between rows; the comments say where the caps lie.

-- ---- functions ---------------------------------------------------------------------------------

CREATE FUNCTION outreach.normalize_phone(raw text, region text DEFAULT 'US') RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_phone'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_phone(text, text) IS
    'E.164 form of a phone number (+12125550199), or NULL when libphonenumber does not judge it a valid number. '
    'region (ISO 3166-1 alpha-2, default US) is how numbers without a country code are read; '
    'international input such as +44 20 7946 0958 keeps its country. An unknown region is an error. '
    'A value longer than 64 bytes (surrounding whitespace aside) is no phone number: NULL, without parsing it.';

CREATE FUNCTION outreach.normalize_email(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_email'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_email(text) IS
    'Trimmed, lower-cased, syntactically valid e-mail address (display names, mailto: and brackets removed), or NULL. '
    'NULL for a value longer than 512 bytes (surrounding whitespace aside).';

CREATE FUNCTION outreach.normalize_name(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_name(text) IS
    'Display form of a person''s name: trimmed, spaces collapsed, Title Case that keeps O''Brien, McDonald, Anne-Marie '
    'and van der Berg readable; NULL when nothing name-like is left, and for a value (or a result) longer than 256 '
    'bytes.';

CREATE FUNCTION outreach.name_key(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_name_key'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.name_key(text) IS
    'Matching key of a name: lower case, accents folded (José -> jose), punctuation dropped, whitespace collapsed; '
    'NULL when empty, and for a value (or a key) longer than 256 bytes.';

CREATE FUNCTION outreach.normalize_business_name(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_business_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_business_name(text) IS
    'Matching key of a business name: lower case, accents folded, & -> and, legal suffixes (LLC, Inc, Corp, Co, Ltd, '
    'LP, LLP, PLLC, PC, PA, ...) removed, punctuation dropped. NULL for a value (or a key) longer than 512 bytes.';

CREATE FUNCTION outreach.normalize_street(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_street'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_street(text) IS
    'Canonical street line after USPS Publication 28 (suffixes, directionals, unit designators, ordinals), so that '
    '''123 North Main St., Apt 4'' and ''123 N MAIN STREET APT 4'' compare equal. NULL for a value (or a result) '
    'longer than 256 bytes.';

CREATE FUNCTION outreach.normalize_zip(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_zip'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_zip(text) IS
    'Five-digit ZIP code: restores leading zeros lost by spreadsheets, drops the +4; NULL when not a ZIP (and for a '
    'value longer than 32 bytes).';

CREATE FUNCTION outreach.normalize_state(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_state'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_state(text) IS
    'USPS two-letter code of a state, DC, territory or military region, from a code or a name; NULL when unknown (and '
    'for a value longer than 64 bytes).';

-- The time-zone functions accept NULL for any piece of evidence they do not have (a lead with a
-- state but no ZIP still has a zone), so they are not STRICT: NULL in, evidence skipped.
CREATE FUNCTION outreach.timezone_for(state text, zip text, phone text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_timezone_for'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.timezone_for(text, text, text) IS
    'IANA time zone of a lead from the best evidence: ZIP (or, for a ZIP with no ZCTA, its three-digit prefix), '
    'then state, then the phone''s NANP area code; NULL when nothing is known. Any argument may be NULL.';

CREATE FUNCTION outreach.timezones_for(state text, zip text, phone text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'outreach_timezones_for'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.timezones_for(text, text, text) IS
    'Every IANA zone the lead may be in, primary first: the primary zone of the best evidence and each alternate '
    '(a ZIP or area code split by a zone line, every zone of a state). Quiet hours must hold in all of them. '
    'Empty when nothing is known.';

CREATE FUNCTION outreach.jaro_winkler(a text, b text) RETURNS double precision
    AS 'MODULE_PATHNAME', 'outreach_jaro_winkler'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.jaro_winkler(text, text) IS
    'Jaro-Winkler similarity in [0,1] over Unicode code points (prefix scale 0.1, prefix up to 4). Case-sensitive: '
    'fold first. Only the first 256 code points of each side are compared.';

CREATE FUNCTION outreach.name_similarity(a text, b text) RETURNS double precision
    AS 'MODULE_PATHNAME', 'outreach_name_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.name_similarity(text, text) IS
    'Similarity in [0,1] of two person names after name_key: nicknames (Bob/Robert, Peggy/Margaret) count as close, '
    'token order and missing middle names are forgiven, typos lower the score gradually. 0 when either has no key '
    '(a placeholder, or longer than 256 bytes).';

CREATE FUNCTION outreach.business_similarity(a text, b text) RETURNS double precision
    AS 'MODULE_PATHNAME', 'outreach_business_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.business_similarity(text, text) IS
    'Similarity in [0,1] of two business names after normalize_business_name: distinctive words weigh more than '
    'generic ones. 0 when either has no key (longer than 512 bytes, or nothing left).';

CREATE FUNCTION outreach.parse_count(raw text) RETURNS integer
    AS 'MODULE_PATHNAME', 'outreach_parse_count'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.parse_count(text) IS
    'A count as data vendors write it (12, 1,250, 12.0, 10+, and ranges 5-9 / 5 to 9 as their lower bound): the '
    'number; NULL otherwise, and for a value longer than 64 bytes.';

CREATE FUNCTION outreach.parse_money(raw text) RETURNS numeric
    AS 'MODULE_PATHNAME', 'outreach_parse_money'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.parse_money(text) IS
    'An amount as written in lead files ($1,250,000, 1250000.00, 2.5M, $500K, 1.2 million, 3B, USD 900): the exact '
    'number; NULL otherwise (ranges, negative amounts, words, a value longer than 64 bytes).';

-- Great-circle distance in statute miles (haversine; mean Earth radius 3958.8 mi = 6371.0 km).
CREATE FUNCTION outreach.distance_miles(lat1 double precision, lng1 double precision, lat2 double precision, lng2 double precision)
    RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN 2 * 3958.8 * asin(least(1.0, sqrt(power(sin(radians(lat2 - lat1) / 2), 2)
                                        + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lng2 - lng1) / 2), 2))));
COMMENT ON FUNCTION outreach.distance_miles(double precision, double precision, double precision, double precision) IS
    'Great-circle distance between two points in statute miles (haversine formula, Earth radius 3958.8 miles).';

-- A domain as Apollo's enrichment wants it (no scheme, no "www.", no "@"): lower case, without scheme, user,
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
    'Free-mail and internet-provider mailbox domains (gmail.com, yahoo.com, comcast.net, ...): never a company''s '
    'domain. outreach.is_free_mail_domain also counts their subdomains and the country variants of the big web-mail '
    'providers.';

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

-- ---- reference data ----------------------------------------------------------------------------
-- Reference data shipped with the extension (extension/data/, sources and licences in its
-- README.md and LICENSES/). The same bytes are compiled into the library for the IMMUTABLE
-- time-zone functions; here they become tables for joins, radius queries and inspection.
-- These four tables are shared by all teams (they hold no tenant data): the tenancy check
-- (outreach.tenancy_violations) knows them by name, requires them to be read-only to the
-- extension's roles, and holds every other table to the team_id rules.

CREATE FUNCTION outreach.reference_data_csv(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_reference_csv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.reference_data_csv(text) IS
    'The shipped reference CSV file of that name (us_zip, us_zip_tz_alternates, nanp_area_codes, '
    'nanp_area_code_tz_alternates), byte for byte.';

CREATE TABLE outreach.zip_codes (
    zip      text PRIMARY KEY CHECK (zip ~ '^[0-9]{5}$'),
    state    text NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    lat      double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng      double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    timezone text NOT NULL
);

COMMENT ON TABLE outreach.zip_codes IS
    'US ZIP Code Tabulation Areas (Census 2025 Gazetteer, public domain) with state and primary IANA zone from us_geo '
    '(c) 2019 Brian Durand, MIT licence, https://github.com/bdurand/us_geo. PO-box-only ZIPs have no ZCTA and are '
    'absent.';

COMMENT ON COLUMN outreach.zip_codes.lat IS
    'Latitude of the Census internal point of the ZCTA (not a population centroid).';

COMMENT ON COLUMN outreach.zip_codes.timezone IS
    'Zone of the ZCTA''s primary county; other zones inside it are in zip_timezone_alternates.';

CREATE TABLE outreach.zip_timezone_alternates (
    zip      text NOT NULL REFERENCES outreach.zip_codes (zip),
    timezone text NOT NULL,
    PRIMARY KEY (zip, timezone)
);

COMMENT ON TABLE outreach.zip_timezone_alternates IS
    'Other IANA zones that occur inside a ZIP besides its primary one; quiet hours must hold in all of them. Same '
    'sources as zip_codes.';

CREATE TABLE outreach.area_codes (
    npa      text PRIMARY KEY CHECK (npa ~ '^[2-9][0-9]{2}$'),
    region   text NOT NULL,
    timezone text NOT NULL
);

COMMENT ON TABLE outreach.area_codes IS
    'NANP geographic area codes of the US, its territories and Canada with region and primary zone. Contains data '
    'derived from libphonenumber, Copyright (C) 2011-2012 The Libphonenumber Authors, Apache License 2.0; reduced to '
    'one row per area code.';

CREATE TABLE outreach.area_code_timezone_alternates (
    npa      text NOT NULL REFERENCES outreach.area_codes (npa),
    timezone text NOT NULL,
    PRIMARY KEY (npa, timezone)
);

COMMENT ON TABLE outreach.area_code_timezone_alternates IS
    'Other IANA zones in use inside an area code besides its primary one. Derived from libphonenumber (Apache License '
    '2.0).';

-- Load from the embedded CSV text: one statement per file, set-based.
INSERT INTO outreach.zip_codes (zip, state, lat, lng, timezone)
SELECT pg_catalog.split_part(line, ',', 1), pg_catalog.split_part(line, ',', 2),
       pg_catalog.split_part(line, ',', 3)::double precision, pg_catalog.split_part(line, ',', 4)::double precision,
       pg_catalog.split_part(line, ',', 5)
FROM pg_catalog.string_to_table(outreach.reference_data_csv('us_zip'), E'\n') WITH ORDINALITY AS l (line, n)
WHERE n > 1 AND line <> '';

INSERT INTO outreach.zip_timezone_alternates (zip, timezone)
SELECT pg_catalog.split_part(line, ',', 1), pg_catalog.split_part(line, ',', 2)
FROM pg_catalog.string_to_table(outreach.reference_data_csv('us_zip_tz_alternates'), E'\n') WITH ORDINALITY AS l (line, n)
WHERE n > 1 AND line <> '';

INSERT INTO outreach.area_codes (npa, region, timezone)
SELECT pg_catalog.split_part(line, ',', 1), pg_catalog.split_part(line, ',', 2), pg_catalog.split_part(line, ',', 3)
FROM pg_catalog.string_to_table(outreach.reference_data_csv('nanp_area_codes'), E'\n') WITH ORDINALITY AS l (line, n)
WHERE n > 1 AND line <> '';

INSERT INTO outreach.area_code_timezone_alternates (npa, timezone)
SELECT pg_catalog.split_part(line, ',', 1), pg_catalog.split_part(line, ',', 2)
FROM pg_catalog.string_to_table(outreach.reference_data_csv('nanp_area_code_tz_alternates'), E'\n') WITH ORDINALITY AS l (line, n)
WHERE n > 1 AND line <> '';

-- Read-only to everyone but the owner, readable by all (no tenant data): RLS is on, with a
-- permissive read policy, so that the rule "row-level security on every table" has no exception.
DO $ref$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['zip_codes', 'zip_timezone_alternates', 'area_codes', 'area_code_timezone_alternates'] LOOP
        EXECUTE pg_catalog.format('ALTER TABLE outreach.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('CREATE POLICY reference_read ON outreach.%I FOR SELECT USING (true)', t);
        EXECUTE pg_catalog.format('GRANT SELECT ON outreach.%I TO PUBLIC', t);
    END LOOP;
END
$ref$;
