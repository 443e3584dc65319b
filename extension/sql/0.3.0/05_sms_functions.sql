-- SMS length and message templates: what a message costs (GSM-7 or UCS-2, units, segments) and
-- rendering "Hi {{firstName|there}}" per recipient. Pure functions; the C++ is core/sms.cpp and
-- core/templates.cpp.

CREATE FUNCTION outreach.sms_encoding(body text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_sms_encoding'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.sms_encoding(text) IS
    'GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table (3GPP TS 23.038), otherwise '
    'UCS-2. Curly quotes, emoji, tab, backtick and ç are not GSM-7: one of them makes the whole message UCS-2.';

CREATE FUNCTION outreach.sms_units(body text) RETURNS integer
    AS 'MODULE_PATHNAME', 'outreach_sms_units'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.sms_units(text) IS
    'Length of a message in its encoding (see sms_encoding): GSM-7 septets, where ^ { } \ [ ~ ] | € and form feed count 2; '
    'or UCS-2 (UTF-16) code units, where a character beyond U+FFFF such as an emoji counts 2.';

CREATE FUNCTION outreach.sms_segments(body text) RETURNS integer
    AS 'MODULE_PATHNAME', 'outreach_sms_segments'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.sms_segments(text) IS
    'Segments a carrier bills for a message: 0 for the empty text; 1 up to 160 GSM-7 septets or 70 UCS-2 units; otherwise '
    'parts of at most 153 septets or 67 units, filled in order without splitting a two-septet character or a surrogate '
    'pair (so occasionally one more than units / 153 or units / 67 rounded up).';

CREATE FUNCTION outreach.template_variables(body text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'outreach_template_variables'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.template_variables(text) IS
    'Distinct variable names of a message template, in order of first appearance. Variables are {{name}}, {{ name }} or '
    '{{name|fallback}}; a name is ASCII letters, digits and underscores starting with a letter; other text, including a lone '
    '{ or }, is literal. An unterminated {{, an empty or an invalid name raises invalid_parameter_value (22023) naming the '
    'character position: use it to validate a template before storing it.';

CREATE FUNCTION outreach.render_template(body text, vars jsonb, fallbacks jsonb DEFAULT '{}'::jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_render_template'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.render_template(text, jsonb, jsonb) IS
    'A message template rendered with vars, a JSON object of values (strings as they are, numbers and booleans as their JSON '
    'text; null or absent is no value). Each variable takes its value trimmed with inner whitespace runs made one space, if '
    'that is not empty; else its inline fallback ({{firstName|}} renders nothing); else fallbacks->name; else the message '
    'is NULL (see template_missing_variables). Values are inserted literally, never expanded. Where a variable renders as '
    'nothing, the spaces around it become one space, or none before , . ! ? ("Hi {{firstName|}}, ok" gives "Hi, ok"); the '
    'result is trimmed. Invalid templates raise as in template_variables.';

CREATE FUNCTION outreach.template_missing_variables(body text, vars jsonb, fallbacks jsonb DEFAULT '{}'::jsonb)
    RETURNS text[]
    AS 'MODULE_PATHNAME', 'outreach_template_missing_variables'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.template_missing_variables(text, jsonb, jsonb) IS
    'Variables of a message template that have neither a value in vars (blank counts as none) nor an inline or '
    'template-level fallback, in order of first appearance; an empty array when render_template would give a message.';
