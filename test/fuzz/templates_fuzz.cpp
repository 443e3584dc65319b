// libFuzzer target for extension/core/templates.cpp and sms.cpp. The input is a template body,
// optionally followed by a NUL byte and a value given to every variable. Nothing may crash, and:
//   - a parsed template written back in canonical form parses to the same parts;
//   - variables are valid names, distinct, and exactly the names of the variable parts;
//   - with no values and no template fallbacks, `missing` is exactly the variables that have no
//     inline fallback; with a value holding a letter or digit for everything, nothing is missing;
//   - rendering well-formed UTF-8 gives well-formed UTF-8 with no whitespace at either end;
//   - sms_length: segments is 0 exactly for the empty text, never more than the units, at least
//     ceil(units / part size), and 1 for a text within the single-message limit; GSM-7 units lie
//     between one and two per code point; UCS-2 units between one and two per code point.
#include "core/sms.hpp"
#include "core/templates.hpp"
#include "core/utf8.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

// Stops the fuzzer on a broken invariant.
void check(bool ok)
{
    if (!ok) __builtin_trap();
}

// Code points, a malformed byte counting as one (as sms_length does).
std::size_t count_chars(std::string_view s)
{
    std::size_t n = 0;
    for (std::size_t pos = 0; pos < s.size(); ++n) outreach::utf8::next(s, pos);
    return n;
}

// The template written back: spaces inside the braces keep a fallback ending in "}" apart from
// the closing "}}" (fallbacks and names are trimmed on parsing, so the spaces are not kept).
std::string canonical(const outreach::ParsedTemplate &t)
{
    std::string out;
    for (const auto &p : t.parts) {
        if (!p.is_variable)
            out += p.text_or_name;
        else if (p.fallback)
            out += "{{ " + p.text_or_name + " | " + *p.fallback + " }}";
        else
            out += "{{ " + p.text_or_name + " }}";
    }
    return out;
}

// The documented name rule, written independently of templates.cpp.
bool valid_name(const std::string &n)
{
    if (n.empty() || !((n[0] >= 'A' && n[0] <= 'Z') || (n[0] >= 'a' && n[0] <= 'z'))) return false;
    for (char c : n)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

// ASCII whitespace (a subset of what render_template trims).
bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// The sms_length invariants listed at the top.
void check_sms(std::string_view text)
{
    const outreach::SmsLength len = outreach::sms_length(text);
    const auto chars = static_cast<long long>(count_chars(text));
    check((len.segments == 0) == text.empty());
    check(len.units >= len.segments);
    check(len.units >= chars && len.units <= 2 * chars);
    const int single = len.encoding == outreach::SmsEncoding::Gsm7 ? 160 : 70;
    const int part = len.encoding == outreach::SmsEncoding::Gsm7 ? 153 : 67;
    if (!text.empty() && len.units <= single) check(len.segments == 1);
    if (len.units > single) check(len.segments >= (len.units + part - 1) / part && len.segments >= 2);
    // a part holds at least part - 1 units (only a 2-unit character can leave one unit free)
    if (len.units > single) check(static_cast<long long>(len.segments - 1) * (part - 1) < len.units);
    if (len.encoding == outreach::SmsEncoding::Gsm7) check(outreach::utf8::valid(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view in(reinterpret_cast<const char *>(data), size);
    const std::size_t nul = in.find('\0');
    const std::string_view body = in.substr(0, nul);
    const std::string_view value = nul == std::string_view::npos ? std::string_view("v") : in.substr(nul + 1);

    check_sms(in);
    check_sms(body);

    const auto parsed = outreach::parse_template(body);
    if (!parsed.ok()) {
        const std::string &m = parsed.error().message;
        check(m.find(" at character ") != std::string::npos);
        check(body.find("{{") != std::string_view::npos);
        return 0;
    }
    const outreach::ParsedTemplate &t = parsed.value();

    // canonical form round trip
    const auto again = outreach::parse_template(canonical(t));
    check(again.ok() && again.value().parts == t.parts);

    // parts and variables
    std::vector<std::string> names;
    for (std::size_t i = 0; i < t.parts.size(); ++i) {
        const auto &p = t.parts[i];
        if (p.is_variable) {
            check(valid_name(p.text_or_name));
            if (std::find(names.begin(), names.end(), p.text_or_name) == names.end()) names.push_back(p.text_or_name);
        } else {
            check(!p.text_or_name.empty() && !p.fallback);
            check(i == 0 || t.parts[i - 1].is_variable);
            check(p.text_or_name.find("{{") == std::string::npos);
        }
    }
    check(outreach::template_variables(t) == names);

    const outreach::TemplateLookup none = [](std::string_view) -> std::optional<std::string_view> {
        return std::nullopt;
    };
    const outreach::TemplateLookup all = [&](std::string_view) -> std::optional<std::string_view> { return value; };

    // nothing known: missing = variables with no inline fallback, in order
    const auto bare = outreach::render_template(t, none, none);
    std::vector<std::string> want_missing;
    for (const auto &p : t.parts)
        if (p.is_variable && !p.fallback &&
            std::find(want_missing.begin(), want_missing.end(), p.text_or_name) == want_missing.end())
            want_missing.push_back(p.text_or_name);
    check(bare.missing == want_missing);
    // every variable has a template fallback: nothing missing
    check(outreach::render_template(t, none, all).missing.empty());

    const auto full = outreach::render_template(t, all, none);
    const bool has_alnum = std::any_of(value.begin(), value.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    });
    if (has_alnum) check(full.missing.empty());
    if (names.empty()) check(std::string_view(body).find(full.text) != std::string_view::npos);

    for (const auto *r : {&bare, &full}) {
        if (!r->text.empty()) {
            check(!is_ascii_space(r->text.front()) && !is_ascii_space(r->text.back()));
        }
        if (outreach::utf8::valid(body) && outreach::utf8::valid(value)) check(outreach::utf8::valid(r->text));
        check_sms(r->text);
    }
    return 0;
}
