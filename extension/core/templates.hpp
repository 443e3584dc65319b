// Message templates: "Hi {{firstName|there}}, this is {{ agentName }}." Parsed once (and
// validated when a template is stored), rendered once per recipient.
//
// Syntax: {{name}}, {{ name }} or {{name|fallback}}. The name is trimmed and must be ASCII
// letters, digits and underscores starting with a letter. The fallback is everything after the
// first "|" up to the closing "}}", trimmed, taken literally ("{{x|a|b}}" has fallback "a|b"). A
// "{{" opens a variable at its leftmost brace and the first "}}" after it closes it, so
// "{{{x}}}" is the invalid name "{x"; a "{" or "}" that does not open or close a variable is
// literal text. Errors name the 1-based character (code point) where the "{{" starts.
#pragma once
#include "no_postgres.hpp"

#include "result.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outreach {

struct TemplatePart {
    bool is_variable;
    std::string text_or_name;             // literal text, or the variable name
    std::optional<std::string> fallback;  // variables only: the inline fallback, if written
    bool operator==(const TemplatePart &) const = default;
};

struct ParsedTemplate {
    std::vector<TemplatePart> parts;  // no two literal parts in a row, no empty literal part
};

// Parses a template body. Errors (ErrorKind::invalid_argument):
//   the body is N bytes long; at most 65536 are allowed   (limits::kTemplate)
//   unterminated "{{" at character N
//   empty variable name at character N
//   invalid variable name "first name" at character N
Result<ParsedTemplate> parse_template(std::string_view body);

// The distinct variable names of a template, in order of first appearance.
std::vector<std::string> template_variables(const ParsedTemplate &parsed);

// A variable's value (or template-level fallback) by name; nullopt when there is none.
using TemplateLookup = std::function<std::optional<std::string_view>(std::string_view name)>;

struct RenderResult {
    std::string text;
    std::vector<std::string> missing;  // distinct, first appearance first; empty when complete
};

// Renders a template. For each variable, in order of preference:
//   1. its value, trimmed and with every inner run of whitespace made one space, if that leaves
//      anything (whitespace: the Unicode White_Space characters, e.g. tab, newline, NBSP);
//   2. its inline fallback, even an empty one ("{{firstName|}}" renders nothing);
//   3. its template-level fallback, normalized like a value, even if that leaves nothing;
//   4. nothing, and the name is reported in `missing`.
// Values and fallbacks are inserted as they are, never parsed again: a value "{{x}}" stays
// "{{x}}".
// Whitespace afterwards: where a variable rendered as nothing (a "gap"; gaps with only spaces
// between them are one gap), the run of ASCII spaces on both sides of the gap becomes a single
// space, or no space at all when the character after the run is , . ! or ?. So
// "Hi {{x|}} there" -> "Hi there", "Hi {{x|}}, Bob" -> "Hi, Bob", "Hi {{x|}}!" -> "Hi!". Spaces
// away from gaps, tabs and newlines are left alone. Finally leading and trailing whitespace of
// the whole text is removed.
RenderResult render_template(const ParsedTemplate &parsed, const TemplateLookup &values,
                             const TemplateLookup &fallbacks);

}  // namespace outreach
