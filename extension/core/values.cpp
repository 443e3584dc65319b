// Vendor-written numbers (see values.hpp).
#include "values.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "limits.hpp"

namespace outreach {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s)
{
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    // a non-breaking space (U+00A0) from a spreadsheet counts as space too
    for (bool again = true; again;) {
        again = false;
        if (s.size() >= 2 && s.substr(0, 2) == "\xC2\xA0") {
            s.remove_prefix(2);
            again = true;
        }
        if (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0") {
            s.remove_suffix(2);
            again = true;
        }
        while (!s.empty() && is_space(s.front())) {
            s.remove_prefix(1);
            again = true;
        }
        while (!s.empty() && is_space(s.back())) {
            s.remove_suffix(1);
            again = true;
        }
    }
    return s;
}

// Reads a run of digits with optional thousands separators ("1,250,000") at the start of `s`:
// the digits without commas, and how many bytes were used. Groups after a comma must be exactly
// three digits, and the first group at most three when commas are used.
std::optional<std::pair<std::string, std::size_t>> read_grouped(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == 0) return std::nullopt;
    std::string digits(s.substr(0, i));
    if (i < s.size() && s[i] == ',') {
        if (i > 3) return std::nullopt;
        while (i < s.size() && s[i] == ',') {
            std::size_t j = i + 1;
            while (j < s.size() && is_digit(s[j])) ++j;
            if (j - i - 1 != 3) return std::nullopt;
            digits.append(s.substr(i + 1, 3));
            i = j;
        }
    }
    return std::make_pair(std::move(digits), i);
}

std::optional<std::int32_t> to_count(const std::string &digits)
{
    std::size_t k = 0;
    while (k + 1 < digits.size() && digits[k] == '0') ++k;
    const std::string_view d(digits.data() + k, digits.size() - k);
    if (d.size() > 10) return std::nullopt;
    std::int64_t v = 0;
    for (char c : d) v = v * 10 + (c - '0');
    if (v > 2147483647) return std::nullopt;
    return static_cast<std::int32_t>(v);
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::optional<std::int32_t> parse_count(std::string_view raw)
{
    if (!limits::within(raw, limits::kNumber)) return std::nullopt;
    std::string_view s = trim(raw);
    const auto first = read_grouped(s);
    if (!first) return std::nullopt;
    std::string_view rest = s.substr(first->second);
    // "12.0", "12.00": a whole number written as a decimal
    if (!rest.empty() && rest.front() == '.') {
        std::size_t j = 1;
        while (j < rest.size() && rest[j] == '0') ++j;
        if (j == 1) return std::nullopt;
        rest.remove_prefix(j);
    }
    rest = trim(rest);
    if (rest.empty() || rest == "+") return to_count(first->first);
    // a range: "-", "to", an en dash, then a second count that is not smaller
    std::string_view sep;
    for (std::string_view candidate : {std::string_view("-"), std::string_view("to"), std::string_view("\xE2\x80\x93")})
        if (rest.substr(0, candidate.size()) == candidate) {
            sep = candidate;
            break;
        }
    if (sep.empty()) return std::nullopt;
    rest = trim(rest.substr(sep.size()));
    const auto second = read_grouped(rest);
    if (!second || second->second != rest.size()) return std::nullopt;
    const auto lo = to_count(first->first);
    const auto hi = to_count(second->first);
    if (!lo || !hi || *hi < *lo) return std::nullopt;
    return lo;
}

std::optional<std::string> parse_money(std::string_view raw)
{
    if (!limits::within(raw, limits::kNumber)) return std::nullopt;
    std::string_view s = trim(raw);
    const auto strip_prefix = [&](std::string_view p) {
        if (s.size() >= p.size() && lower(s.substr(0, p.size())) == p) {
            s = trim(s.substr(p.size()));
            return true;
        }
        return false;
    };
    const auto strip_suffix = [&](std::string_view p) {
        if (s.size() >= p.size() && lower(s.substr(s.size() - p.size())) == p) {
            s = trim(s.substr(0, s.size() - p.size()));
            return true;
        }
        return false;
    };
    strip_prefix("usd");
    strip_prefix("$");
    strip_suffix("usd");
    if (s.empty()) return std::nullopt;

    // the scale: a word or letter at the end
    static constexpr std::array<std::pair<std::string_view, int>, 13> kScales = {{{"thousand", 3},
                                                                                  {"million", 6},
                                                                                  {"billion", 9},
                                                                                  {"mil", 6},
                                                                                  {"mm", 6},
                                                                                  {"bn", 9},
                                                                                  {"k", 3},
                                                                                  {"m", 6},
                                                                                  {"b", 9},
                                                                                  {"thou", 3},
                                                                                  {"mln", 6},
                                                                                  {"bil", 9},
                                                                                  {"mill", 6}}};
    int scale = 0;
    {
        std::size_t end = s.size();
        while (end > 0 && std::isalpha(static_cast<unsigned char>(s[end - 1]))) --end;
        if (end < s.size()) {
            const std::string word = lower(s.substr(end));
            const auto it =
                std::find_if(kScales.begin(), kScales.end(), [&](const auto &p) { return p.first == word; });
            if (it == kScales.end()) return std::nullopt;
            scale = it->second;
            s = trim(s.substr(0, end));
        }
    }
    if (s.empty()) return std::nullopt;

    std::string int_digits;
    std::string frac_digits;
    std::size_t used = 0;
    if (s.front() != '.') {
        const auto grouped = read_grouped(s);
        if (!grouped) return std::nullopt;
        int_digits = grouped->first;
        used = grouped->second;
    }
    if (used < s.size() && s[used] == '.') {
        std::size_t j = used + 1;
        while (j < s.size() && is_digit(s[j])) ++j;
        if (j == used + 1) return std::nullopt;
        frac_digits = std::string(s.substr(used + 1, j - used - 1));
        used = j;
    }
    if (used != s.size() || int_digits.size() + frac_digits.size() > 64) return std::nullopt;

    // shift the decimal point right by `scale` digits
    for (int k = 0; k < scale; ++k) {
        if (!frac_digits.empty()) {
            int_digits += frac_digits.front();
            frac_digits.erase(0, 1);
        } else {
            int_digits += '0';
        }
    }
    const std::size_t nonzero = int_digits.find_first_not_of('0');
    std::string out = nonzero == std::string::npos ? std::string(1, '0') : int_digits.substr(nonzero);
    while (!frac_digits.empty() && frac_digits.back() == '0') frac_digits.pop_back();
    if (!frac_digits.empty()) {
        out.push_back('.');
        out.append(frac_digits);
    }
    // at most 30 significant digits in the result (so that the result reads back as itself)
    if (out.size() - (frac_digits.empty() ? 0 : 1) > 30) return std::nullopt;
    return out;
}

}  // namespace outreach
