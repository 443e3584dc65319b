// Message templates (see templates.hpp).
#include "templates.hpp"

#include "limits.hpp"
#include "sms.hpp"  // utf8::next
#include "utf8.hpp"

#include <algorithm>

namespace outreach {
namespace {

// Unicode White_Space: what a spreadsheet or CRM puts around and inside names (NBSP above all).
bool is_space(char32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

// `s` without leading and trailing whitespace.
std::string_view trim(std::string_view s)
{
    std::size_t first = s.size(), last = 0;
    for (std::size_t pos = 0; pos < s.size();) {
        const std::size_t start = pos;
        if (!is_space(utf8::next(s, pos))) {
            if (first == s.size()) first = start;
            last = pos;
        }
    }
    return first == s.size() ? std::string_view() : s.substr(first, last - first);
}

// A value as it is inserted: trimmed, each inner run of whitespace one ASCII space.
std::string normalize(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    bool gap = false;
    for (std::size_t pos = 0; pos < s.size();) {
        const std::size_t start = pos;
        if (is_space(utf8::next(s, pos))) {
            gap = !out.empty();
            continue;
        }
        if (gap) out += ' ';
        gap = false;
        out.append(s.substr(start, pos - start));
    }
    return out;
}

// ASCII letter first, then letters, digits and underscores.
bool valid_name(std::string_view name)
{
    const auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
    if (name.empty() || !alpha(name[0])) return false;
    return std::all_of(name.begin(), name.end(),
                       [&](char c) { return alpha(c) || (c >= '0' && c <= '9') || c == '_'; });
}

// Code points in `s` (a malformed byte counts as one).
std::size_t count_chars(std::string_view s)
{
    std::size_t n = 0;
    for (std::size_t pos = 0; pos < s.size(); ++n) utf8::next(s, pos);
    return n;
}

// The error for a variable at 1-based character `at`.
Error parse_error(std::string what, std::size_t at)
{
    return Error{ErrorKind::invalid_argument, std::move(what) + " at character " + std::to_string(at)};
}

}  // namespace

// One left-to-right pass: literal text is copied until a "{{", which must be closed by a "}}"
// with a valid name before it (and an optional "|fallback"). Character positions are counted
// as we go for the error messages.
Result<ParsedTemplate> parse_template(std::string_view body)
{
    if (body.size() > limits::kTemplate)
        return Error{ErrorKind::invalid_argument, "the body is " + std::to_string(body.size()) +
                                                      " bytes long; at most " + std::to_string(limits::kTemplate) +
                                                      " are allowed"};
    ParsedTemplate parsed;
    std::size_t pos = 0, chars = 0, literal_start = 0;
    const auto flush_literal = [&](std::size_t end) {
        if (end > literal_start)
            parsed.parts.push_back(
                TemplatePart{false, std::string(body.substr(literal_start, end - literal_start)), std::nullopt});
    };
    while (pos < body.size()) {
        if (body[pos] != '{' || pos + 1 >= body.size() || body[pos + 1] != '{') {
            utf8::next(body, pos);
            ++chars;
            continue;
        }
        const std::size_t at = chars + 1;
        const std::size_t close = body.find("}}", pos + 2);
        if (close == std::string_view::npos) return parse_error("unterminated \"{{\"", at);
        const std::string_view inner = body.substr(pos + 2, close - pos - 2);
        const std::size_t bar = inner.find('|');
        const std::string_view name = trim(inner.substr(0, bar));
        if (name.empty()) return parse_error("empty variable name", at);
        if (!valid_name(name))
            return parse_error("invalid variable name \"" + std::string(utf8::prefix(name, 64)) +
                                   (name.size() > 64 ? "...\"" : "\""),
                               at);
        flush_literal(pos);
        std::optional<std::string> fallback;
        if (bar != std::string_view::npos) fallback = std::string(trim(inner.substr(bar + 1)));
        parsed.parts.push_back(TemplatePart{true, std::string(name), std::move(fallback)});
        chars += count_chars(body.substr(pos, close + 2 - pos));
        pos = literal_start = close + 2;
    }
    flush_literal(body.size());
    return parsed;
}

// Distinct names; templates have a handful of variables, so a linear search is the fast way.
std::vector<std::string> template_variables(const ParsedTemplate &parsed)
{
    std::vector<std::string> names;
    for (const TemplatePart &part : parsed.parts)
        if (part.is_variable && std::find(names.begin(), names.end(), part.text_or_name) == names.end())
            names.push_back(part.text_or_name);
    return names;
}

// Substitutes every variable (recording where one rendered as nothing), then tidies the spaces
// at those gaps and trims the whole text; see templates.hpp for the exact rule.
RenderResult render_template(const ParsedTemplate &parsed, const TemplateLookup &values,
                             const TemplateLookup &fallbacks)
{
    RenderResult result;
    std::string out;
    std::vector<std::size_t> gaps;  // byte offsets in `out`, ascending
    for (const TemplatePart &part : parsed.parts) {
        if (!part.is_variable) {
            out += part.text_or_name;
            continue;
        }
        const std::string &name = part.text_or_name;
        std::string value;
        bool found = false;
        if (const auto v = values(name)) {
            value = normalize(*v);
            found = !value.empty();
        }
        if (!found && part.fallback) {
            value = *part.fallback;
            found = true;
        }
        if (!found) {
            if (const auto f = fallbacks(name)) {
                value = normalize(*f);
                found = true;
            }
        }
        if (!found && std::find(result.missing.begin(), result.missing.end(), name) == result.missing.end())
            result.missing.push_back(name);
        if (value.empty()) {
            if (gaps.empty() || gaps.back() != out.size()) gaps.push_back(out.size());
        } else {
            out += value;
        }
    }

    // Each maximal run of ASCII spaces [a, b) touching a gap (a <= gap <= b) becomes one space,
    // or none before , . ! ?; everything else is copied.
    std::string tidy;
    tidy.reserve(out.size());
    std::size_t next_gap = 0;
    for (std::size_t i = 0; i < out.size();) {
        if (out[i] != ' ') {
            tidy += out[i++];
            continue;
        }
        const std::size_t a = i;
        while (i < out.size() && out[i] == ' ') ++i;
        while (next_gap < gaps.size() && gaps[next_gap] < a) ++next_gap;
        if (next_gap == gaps.size() || gaps[next_gap] > i) {
            tidy.append(i - a, ' ');
            continue;
        }
        const bool punctuation = i < out.size() && (out[i] == ',' || out[i] == '.' || out[i] == '!' || out[i] == '?');
        if (!punctuation) tidy += ' ';
    }
    result.text = std::string(trim(tidy));
    return result;
}

}  // namespace outreach
