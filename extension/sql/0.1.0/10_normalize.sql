-- Normalization, similarity and time-zone functions (design.md §4, pinned names). All are pure
-- C++ in extension/core/, reached through the error boundary in extension/pg/.

CREATE FUNCTION outreach.normalize_phone(raw text, region text DEFAULT 'US') RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_phone'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_phone(text, text) IS
    'E.164 form of a phone number (+12125550199), or NULL when libphonenumber does not judge it a valid number. '
    'region (ISO 3166-1 alpha-2, default US) is how numbers without a country code are read; '
    'international input such as +44 20 7946 0958 keeps its country. An unknown region is an error.';

CREATE FUNCTION outreach.normalize_email(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_email'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_email(text) IS
    'Trimmed, lower-cased, syntactically valid e-mail address (display names, mailto: and brackets removed), or NULL.';

CREATE FUNCTION outreach.normalize_name(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_name(text) IS
    'Display form of a person''s name: trimmed, spaces collapsed, Title Case that keeps O''Brien, McDonald, Anne-Marie and van der Berg readable; NULL when nothing name-like is left.';

CREATE FUNCTION outreach.name_key(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_name_key'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.name_key(text) IS
    'Matching key of a name: lower case, accents folded (José -> jose), punctuation dropped, whitespace collapsed; NULL when empty.';

CREATE FUNCTION outreach.normalize_business_name(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_business_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_business_name(text) IS
    'Matching key of a business name: lower case, accents folded, & -> and, legal suffixes (LLC, Inc, Corp, Co, Ltd, LP, LLP, PLLC, PC, PA, ...) removed, punctuation dropped.';

CREATE FUNCTION outreach.normalize_street(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_street'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_street(text) IS
    'Canonical street line after USPS Publication 28 (suffixes, directionals, unit designators, ordinals), '
    'so that ''123 North Main St., Apt 4'' and ''123 N MAIN STREET APT 4'' compare equal.';

CREATE FUNCTION outreach.normalize_zip(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_zip'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_zip(text) IS
    'Five-digit ZIP code: restores leading zeros lost by spreadsheets, drops the +4; NULL when not a ZIP.';

CREATE FUNCTION outreach.normalize_state(raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_normalize_state'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.normalize_state(text) IS
    'USPS two-letter code of a state, DC, territory or military region, from a code or a name; NULL when unknown.';

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
    'Jaro-Winkler similarity in [0,1] over Unicode code points (prefix scale 0.1, prefix up to 4). Case-sensitive: fold first.';

CREATE FUNCTION outreach.name_similarity(a text, b text) RETURNS double precision
    AS 'MODULE_PATHNAME', 'outreach_name_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.name_similarity(text, text) IS
    'Similarity in [0,1] of two person names after name_key: nicknames (Bob/Robert, Peggy/Margaret) count as close, '
    'token order and missing middle names are forgiven, typos lower the score gradually.';

CREATE FUNCTION outreach.business_similarity(a text, b text) RETURNS double precision
    AS 'MODULE_PATHNAME', 'outreach_business_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.business_similarity(text, text) IS
    'Similarity in [0,1] of two business names after normalize_business_name: distinctive words weigh more than generic ones.';
