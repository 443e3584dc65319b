#include "names.hpp"

// People, e-mail addresses and business names: display forms and matching keys.
//
// Decisions worth knowing (the tests in test/unit/names_test.cpp pin each of them):
//  * Bytes that are not valid UTF-8 are read as Windows-1252 (spreadsheets exported as "ANSI"
//    are the usual source), so "M\xFCller" is Müller; the five bytes 1252 leaves undefined are
//    dropped. Nothing ever throws or crashes on bad bytes, NULs or huge inputs.
//  * e-mail: ASCII only. A non-ASCII character inside the address (IDN or SMTPUTF8 mail) makes
//    it NULL; we do not guess a punycode form. Non-ASCII junk around it (NBSP, smart quotes,
//    a display name) is removed.
//  * name_key: hyphens and periods separate tokens (Anne-Marie -> "anne marie", J.R.R. ->
//    "j r r"), apostrophes vanish (O'Brien -> "obrien"), digits are kept.
//  * normalize_business_name: as name_key, but periods after a single letter vanish so that
//    initialisms stay one token (L.L.C. -> llc, J.P. Morgan -> "jp morgan"); & and + read "and";
//    with "dba" the trade name after it is the key, because that is the name a lead's business
//    is known by; legal suffixes go only from the end, and never when nothing would be left.

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "limits.hpp"

namespace outreach {
namespace {

constexpr char32_t kNone = 0xFFFFFFFF;  // "no character": an undefined Windows-1252 byte

// Windows-1252 meaning of bytes 0x80..0x9F (0 where 1252 leaves the byte undefined).
constexpr std::array<char16_t, 32> kCp1252High = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                                  0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Decodes the code point at s[i] and advances i. A byte that does not start a well-formed UTF-8
// sequence (overlong, surrogate, truncated, stray continuation) is taken as one Windows-1252
// character; kNone for the five undefined 1252 bytes.
char32_t next_code_point(std::string_view s, size_t &i)
{
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    size_t need = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1, cp = b0 & 0x1F, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2, cp = b0 & 0x0F, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3, cp = b0 & 0x07, min = 0x10000;
    }
    bool ok = need > 0 && s.size() - i > need;
    for (size_t k = 1; ok && k <= need; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80)
            ok = false;
        else
            cp = (cp << 6) | (b & 0x3F);
    }
    if (ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        i += need + 1;
        return cp;
    }
    ++i;
    if (b0 >= 0xA0) return b0;
    const char16_t mapped = kCp1252High[b0 - 0x80];
    return mapped ? mapped : kNone;
}

// Appends cp to out as UTF-8 (cp must be a scalar value).
void append_utf8(std::string &out, char32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// True when every byte is ASCII: such input takes the fast paths, with no ICU call.
bool is_ascii(std::string_view s)
{
    unsigned char acc = 0;
    for (char c : s) acc |= static_cast<unsigned char>(c);
    return acc < 0x80;
}

// Locale-free ASCII case helpers (std::tolower depends on the C locale).
constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
constexpr bool ascii_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Typographic apostrophes and look-alikes that people type or paste inside names (O’Brien).
bool is_apostrophe(char32_t cp)
{
    switch (cp) {
    // clang-format off
    case 0x2018: case 0x2019: case 0x201B: case 0x2032: case 0x02BC: case 0x02BB:
    case 0x02B9: case 0x00B4: case 0xFF07: case 0x02BD: case 0x055A:
        // clang-format on
        return true;
    default: return false;
    }
}

// Hyphens and dashes of every kind (‐ – — −): a hyphen in a name, a separator in a key.
bool is_dash(char32_t cp) { return cp == 0x2212 || u_charType(cp) == U_DASH_PUNCTUATION; }

// Combining marks (accents written as separate code points, vowel signs).
bool is_mark(char32_t cp) { return (U_GET_GC_MASK(cp) & U_GC_M_MASK) != 0; }

// Spacing modifier letters (ʿ ʾ ˈ ...) are category Lm but are diacritics or transliteration
// marks in practice, never the letter that tells two names apart.
bool is_modifier_symbol(char32_t cp) { return cp >= 0x02B0 && cp <= 0x02FF; }

// Zero-width space and joiners, soft hyphen, BOM, variation selectors: dropped everywhere.
bool is_invisible(char32_t cp) { return u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT); }

// Any Unicode space (NBSP, ideographic space) or control character, NUL included.
bool is_space_or_control(char32_t cp)
{
    return cp < 0x20 || cp == 0x7F || u_isUWhiteSpace(cp) || u_charType(cp) == U_CONTROL_CHAR;
}

// ---- Latin fast table ---------------------------------------------------------------------

// ASCII spelling of one accented Latin letter, lower case ("é" -> "e", "ß" -> "ss"), or
// len == 0xFF when the letter needs the full ICU transliterator.
struct LatinFold {
    uint8_t len = 0xFF;
    char text[7] = {};
};

struct LatinRange {
    char32_t first;
    char32_t last;
};
constexpr std::array<LatinRange, 2> kLatinRanges = {{{0x00A0, 0x024F}, {0x1E00, 0x1EFF}}};
constexpr size_t kLatinSize = (0x024F - 0x00A0 + 1) + (0x1EFF - 0x1E00 + 1);

// Built once, on the first non-ASCII input, from ICU's own Latin-ASCII rules, so that the fast
// path and the ICU path agree. Read-only afterwards, hence safe to share between threads.
const std::array<LatinFold, kLatinSize> &latin_table()
{
    static const std::array<LatinFold, kLatinSize> table = [] {
        std::array<LatinFold, kLatinSize> t{};
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::Transliterator> tr(
            icu::Transliterator::createInstance("Latin-ASCII", UTRANS_FORWARD, status));
        if (U_FAILURE(status) || !tr) return t;  // every entry stays "use ICU"; the slow path still works
        size_t idx = 0;
        for (const auto &range : kLatinRanges) {
            for (char32_t cp = range.first; cp <= range.last; ++cp, ++idx) {
                if (!u_isalpha(cp)) continue;
                icu::UnicodeString u(static_cast<UChar32>(cp));
                tr->transliterate(u);
                std::string out;
                u.toUTF8String(out);
                if (out.empty() || out.size() > 6 || !is_ascii(out)) continue;
                bool printable = std::all_of(out.begin(), out.end(), [](char c) { return c > 0x20 && c < 0x7F; });
                if (!printable) continue;
                t[idx].len = static_cast<uint8_t>(out.size());
                for (size_t k = 0; k < out.size(); ++k) t[idx].text[k] = ascii_lower(out[k]);
            }
        }
        return t;
    }();
    return table;
}

// The table entry for cp, or nullptr when cp is outside the table or needs ICU.
const LatinFold *latin_fold(char32_t cp)
{
    size_t base = 0;
    for (const auto &range : kLatinRanges) {
        if (cp >= range.first && cp <= range.last) {
            const LatinFold &f = latin_table()[base + (cp - range.first)];
            return f.len == 0xFF ? nullptr : &f;
        }
        base += range.last - range.first + 1;
    }
    return nullptr;
}

// The general transliterator for scripts other than Latin. Creating it costs tens of
// milliseconds, so it is built once per thread (a backend has one thread) and reused; ICU does
// not promise that one Transliterator may be used by several threads at once.
icu::Transliterator *script_transliterator()
{
    thread_local std::unique_ptr<icu::Transliterator> tr = [] {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::Transliterator> t(
            icu::Transliterator::createInstance("Any-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, status));
        if (U_FAILURE(status)) t.reset();
        return t;
    }();
    return tr.get();
}

// Longest run handed to the transliterator in one call: bounds its work on absurd inputs.
constexpr int32_t kMaxRun = 1024;

// Whether u holds a letter or digit that a key would keep.
bool has_letter_or_digit(const icu::UnicodeString &u)
{
    for (int32_t k = 0; k < u.length(); k = u.moveIndex32(k, 1)) {
        const UChar32 cp = u.char32At(k);
        if (u_isalnum(cp) && !(cp >= 0x02B0 && cp <= 0x02FF)) return true;
    }
    return false;
}

// Appends the transliteration of run (lower case, ASCII where ICU knows how) to out and empties
// run. When the transliterator leaves no letter or digit (Arabic ع becomes the modifier ʿ), or
// there is no transliterator, the run is kept, lower-cased: a name is never dropped whole.
void flush_run(icu::UnicodeString &run, std::string &out)
{
    if (run.isEmpty()) return;
    icu::UnicodeString latin = run;
    if (icu::Transliterator *tr = script_transliterator()) tr->transliterate(latin);
    if (!has_letter_or_digit(latin)) {
        latin = run;
        latin.toLower(icu::Locale::getRoot());
    }
    latin.toUTF8String(out);
    run.remove();
}

// fold_to_ascii_lower for input with non-ASCII bytes: the Latin table for accented letters,
// ICU for runs of other scripts, fixed spellings for spaces, dashes and apostrophes.
std::string fold_impl(std::string_view raw)
{
    std::string out;
    out.reserve(raw.size() + 8);
    icu::UnicodeString run;
    size_t i = 0;
    while (i < raw.size()) {
        const char32_t cp = next_code_point(raw, i);
        if (cp == kNone || (cp >= 0x80 && is_invisible(cp))) continue;
        if (cp < 0x80) {
            flush_run(run, out);
            const char c = static_cast<char>(cp);
            out += (cp < 0x20 || cp == 0x7F) ? ' ' : ascii_lower(c);
        } else if (is_apostrophe(cp)) {
            flush_run(run, out);
            out += '\'';
        } else if (is_space_or_control(cp)) {
            flush_run(run, out);
            out += ' ';
        } else if (is_dash(cp)) {
            flush_run(run, out);
            out += '-';
        } else if (const LatinFold *f = latin_fold(cp)) {
            flush_run(run, out);
            out.append(f->text, f->len);
        } else if (is_mark(cp)) {
            // A mark belongs to the letter before it: transliterated with it, or (after a
            // Latin letter that has already been folded) simply dropped.
            if (!run.isEmpty()) {
                if (run.length() >= kMaxRun)
                    flush_run(run, out);
                else
                    run.append(static_cast<UChar32>(cp));
            }
        } else if (u_charType(cp) == U_DECIMAL_DIGIT_NUMBER) {
            flush_run(run, out);
            out += static_cast<char>('0' + u_charDigitValue(cp));
        } else if (u_isalnum(cp)) {
            if (run.length() >= kMaxRun) flush_run(run, out);
            run.append(static_cast<UChar32>(cp));
        } else {
            flush_run(run, out);
            append_utf8(out, cp);  // symbol or punctuation: kept, the key builders split on it
        }
    }
    flush_run(run, out);
    return out;
}

// ---- keys ---------------------------------------------------------------------------------

enum class KeyMode { person, business };

// Turns folded (or plain ASCII) text into space-separated lower-case tokens of letters and
// digits. Apostrophes vanish, other punctuation separates. In business mode & and + read "and"
// and a period after a single letter vanishes (L.L.C. -> llc).
std::string tokens_of(std::string_view text, KeyMode mode)
{
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    size_t segment = 0;           // letters since the token began or since the last dropped period
    bool last_non_ascii = false;  // last emitted character was a kept non-ASCII letter or mark
    auto start_char = [&] {
        if (pending_space && !out.empty()) out += ' ';
        pending_space = false;
    };
    auto separate = [&] {
        pending_space = true;
        segment = 0;
        last_non_ascii = false;
    };
    size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (static_cast<unsigned char>(c) < 0x80) {
            ++i;
            if (ascii_alnum(c)) {
                start_char();
                out += ascii_lower(c);
                ++segment;
                last_non_ascii = false;
            } else if (c == '\'') {
                // O'Brien -> obrien: the apostrophe joins, it does not separate
            } else if (mode == KeyMode::business && c == '.' && segment == 1) {
                segment = 0;
            } else if (mode == KeyMode::business && (c == '&' || c == '+')) {
                separate();
                start_char();
                out += "and";
                separate();
            } else {
                separate();
            }
            continue;
        }
        const char32_t cp = next_code_point(text, i);
        if (cp == kNone || is_invisible(cp) || is_apostrophe(cp)) continue;
        if (u_charType(cp) == U_DECIMAL_DIGIT_NUMBER) {
            start_char();
            out += static_cast<char>('0' + u_charDigitValue(cp));
            ++segment;
            last_non_ascii = false;
        } else if (u_isalpha(cp) && !is_modifier_symbol(cp)) {
            start_char();
            append_utf8(out, static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp))));
            ++segment;
            last_non_ascii = true;
        } else if (is_mark(cp)) {
            if (last_non_ascii) append_utf8(out, cp);
        } else if (is_modifier_symbol(cp)) {
            // dropped like an accent
        } else {
            separate();
        }
    }
    return out;
}

// One pass of name_key: ASCII input skips ICU entirely.
std::string name_key_once(std::string_view raw)
{
    if (is_ascii(raw)) return tokens_of(raw, KeyMode::person);
    return tokens_of(fold_impl(raw), KeyMode::person);
}

// Splits a key (single spaces, no edge spaces) into its tokens.
std::vector<std::string_view> split_tokens(std::string_view key)
{
    std::vector<std::string_view> tokens;
    size_t start = 0;
    while (start < key.size()) {
        size_t end = key.find(' ', start);
        if (end == std::string_view::npos) end = key.size();
        tokens.push_back(key.substr(start, end - start));
        start = end + 1;
    }
    return tokens;
}

// Joins tokens[from, to) with single spaces.
std::string join_tokens(const std::vector<std::string_view> &tokens, size_t from, size_t to)
{
    std::string out;
    for (size_t k = from; k < to; ++k) {
        if (!out.empty()) out += ' ';
        out += tokens[k];
    }
    return out;
}

// Legal-form words, as they look after tokens_of (periods after single letters are gone, so
// L.L.C. is "llc"; "L L C" with spaces is matched as a run of single letters).
bool is_legal_suffix(std::string_view t)
{
    static constexpr std::array<std::string_view, 30> kSuffixes = {
        "llc", "inc",  "incorporated", "corp", "corporation", "co",  "company", "ltd",  "ltda",  "limited",
        "lp",  "llp",  "lllp",         "pllc", "pc",          "pa",  "plc",     "gmbh", "ag",    "sa",
        "srl", "sarl", "bv",           "nv",   "pty",         "ulc", "lc",      "psc",  "corps", "cos"};
    return std::find(kSuffixes.begin(), kSuffixes.end(), t) != kSuffixes.end();
}

// Number of trailing tokens of tokens[0, n) that form one legal suffix (0 if none); the longest
// reading wins, so "Limited Liability Company" goes as one and "L L C" is not read as "L" + "LC".
size_t trailing_suffix_length(std::span<const std::string_view> tokens)
{
    const size_t n = tokens.size();
    static constexpr std::array<std::array<std::string_view, 3>, 5> kPhrases = {{
        {"limited", "liability", "company"},
        {"limited", "liability", "partnership"},
        {"limited", "liability", "co"},
        {"limited", "partnership", ""},
        {"professional", "corporation", ""},
    }};
    for (const auto &phrase : kPhrases) {
        const size_t len = phrase[2].empty() ? 2 : 3;
        if (n < len) continue;
        bool match = true;
        for (size_t k = 0; k < len; ++k) match = match && tokens[n - len + k] == phrase[k];
        if (match) return len;
    }
    // "L L C", "P C": a run of single letters that spells a suffix.
    size_t best = 0;
    std::string letters;
    for (size_t len = 1; len <= 5 && len <= n; ++len) {
        if (tokens[n - len].size() != 1) break;
        letters.insert(letters.begin(), tokens[n - len][0]);
        if (len >= 2 && is_legal_suffix(letters)) best = len;
    }
    if (best > 0) return best;
    return (n > 0 && is_legal_suffix(tokens[n - 1])) ? 1 : 0;
}

// Start of the trade name after a "doing business as" marker at tokens[k], or 0 when there is
// no marker at k.
size_t dba_marker_end(const std::vector<std::string_view> &tokens, size_t k)
{
    const size_t n = tokens.size();
    if (tokens[k] == "dba") return k + 1;
    if (k + 2 < n && tokens[k] == "d" && tokens[k + 1] == "b" && tokens[k + 2] == "a") return k + 3;
    if (k + 2 < n && tokens[k] == "doing" && tokens[k + 1] == "business" && tokens[k + 2] == "as") return k + 3;
    return 0;
}

// Applies dba, leading "the" and trailing legal suffixes to a business key. Runs to a fixed
// point, so that applying it to its own output changes nothing.
std::string business_key_from_tokens(const std::string &key)
{
    const std::vector<std::string_view> tokens = split_tokens(key);
    // The trade name: what follows the last dba marker that has something after it. A marker
    // with nothing after it ("Acme dba") is cut off and the search goes on before it. One
    // backward pass: linear even for a megabyte of "dba dba dba".
    size_t first = 0;
    size_t last = tokens.size();  // exclusive
    for (size_t k = last; k-- > 0;) {
        const size_t e = dba_marker_end(tokens, k);
        if (e == 0 || e > last) continue;
        if (e < last) {
            first = e;
            break;
        }
        last = k;
    }
    if (first >= last) return key;  // nothing but markers: keep what was written
    bool changed = true;
    while (changed) {
        changed = false;
        if (last - first > 1 && tokens[first] == "the") {
            ++first;
            changed = true;
        }
        const std::span<const std::string_view> view(tokens.data() + first, last - first);
        const size_t len = trailing_suffix_length(view);
        if (len > 0 && len < view.size()) {
            last -= len;
            // "Smith & Co." leaves a dangling "and".
            if (last - first > 1 && tokens[last - 1] == "and") --last;
            changed = true;
        }
    }
    return join_tokens(tokens, first, last);
}

// One pass of normalize_business_name: fold (ASCII skips ICU), tokenize, then the word rules.
std::string business_key_once(std::string_view raw)
{
    const std::string key =
        is_ascii(raw) ? tokens_of(raw, KeyMode::business) : tokens_of(fold_impl(raw), KeyMode::business);
    return business_key_from_tokens(key);
}

// A key that still holds non-ASCII letters went through the transliterator, whose output can
// depend on context; re-applying until nothing changes makes the key idempotent. ASCII keys
// are fixed points already.
template <typename F>
std::optional<std::string> settle(std::string key, F once)
{
    for (int round = 0; round < 4 && !is_ascii(key); ++round) {
        std::string again = once(key);
        if (again == key) break;
        key = std::move(again);
    }
    if (key.empty()) return std::nullopt;
    return key;
}

// ---- e-mail -------------------------------------------------------------------------------

// RFC 5322 atext: what an unquoted local part may contain besides dots.
bool is_atext(char c)
{
    if (ascii_alnum(c)) return true;
    switch (c) {
    // clang-format off
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}':
    case '~':
        // clang-format on
        return true;
    default: return false;
    }
}

// Characters peeled off both ends of a pasted address: spaces, controls, quotes, brackets,
// and any non-ASCII byte (NBSP, zero-width space, BOM, smart quotes, « »).
bool is_edge_junk(char c)
{
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return true;
    switch (c) {
    // clang-format off
    case '"': case '\'': case '`': case '<': case '>': case '(': case ')': case '[': case ']':
    case '{': case '}': case ',': case ';': case ':':
        // clang-format on
        return true;
    default: return false;
    }
}

// Peels edge junk (and trailing sentence dots) until nothing more comes off.
std::string_view trim_email(std::string_view s)
{
    for (;;) {
        const size_t before = s.size();
        while (!s.empty() && is_edge_junk(s.front())) s.remove_prefix(1);
        while (!s.empty() && (is_edge_junk(s.back()) || s.back() == '.')) s.remove_suffix(1);
        if (s.size() == before) return s;
    }
}

// ASCII case-insensitive prefix test; prefix must be lower case.
bool starts_with_ci(std::string_view s, std::string_view prefix)
{
    if (s.size() < prefix.size()) return false;
    for (size_t k = 0; k < prefix.size(); ++k)
        if (ascii_lower(s[k]) != prefix[k]) return false;
    return true;
}

// Dot-atom: runs of allowed characters joined by single dots, no dot at either end.
bool valid_dot_atom(std::string_view s, bool (*allowed)(char))
{
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    char prev = 0;
    for (char c : s) {
        if (c == '.') {
            if (prev == '.') return false;
        } else if (!allowed(c)) {
            return false;
        }
        prev = c;
    }
    return true;
}

// Host name of at least two LDH labels (1..63 octets, no hyphen at either end), total at most
// 253, with an alphabetic TLD of two or more letters or a punycode TLD (xn--...).
bool valid_domain(std::string_view d)
{
    if (d.size() > 253) return false;
    std::vector<std::string_view> labels;
    size_t start = 0;
    for (;;) {
        const size_t dot = d.find('.', start);
        labels.push_back(d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (labels.size() < 2) return false;
    for (std::string_view l : labels) {
        if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
        for (char c : l)
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    const std::string_view tld = labels.back();
    const bool letters = std::all_of(tld.begin(), tld.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    const bool punycode = tld.size() > 4 && tld.substr(0, 4) == "xn--";
    return (letters && tld.size() >= 2) || punycode;
}

// Well-formed strings that stand for "no address": placeholder mailboxes and the domains
// people invent to get past a required field. Domains reserved by RFC 2606 (example.com, .test)
// are kept: they are what test data and documentation use, and deliverability is not syntax.
bool is_placeholder_email(std::string_view local, std::string_view domain)
{
    static constexpr std::array<std::string_view, 14> kLocals = {
        "noemail", "no-email", "no_email", "no.email", "nomail",     "none",      "null",
        "nil",     "n/a",      "na",       "unknown",  "donotemail", "noaddress", "invalid"};
    static constexpr std::array<std::string_view, 5> kDomains = {"noemail.com", "no-email.com", "none.com",
                                                                 "nomail.com", "donotemail.com"};
    if (std::find(kLocals.begin(), kLocals.end(), local) != kLocals.end()) return true;
    for (std::string_view d : kDomains) {
        if (domain == d || (domain.ends_with(d) && domain[domain.size() - d.size() - 1] == '.')) return true;
    }
    return false;
}

// ---- person names -------------------------------------------------------------------------

using CodePoints = std::u32string;

// The code points of raw, bad bytes read as Windows-1252 (see next_code_point).
CodePoints decode_all(std::string_view raw)
{
    CodePoints cps;
    cps.reserve(raw.size());
    size_t i = 0;
    while (i < raw.size()) {
        const char32_t cp = next_code_point(raw, i);
        if (cp != kNone) cps.push_back(cp);
    }
    return cps;
}

// Keeps at most 30 combining marks in a row (the stream-safe limit of UAX #15). No name needs
// more, and canonical reordering of a megabyte of marks takes ICU minutes.
void limit_combining_marks(CodePoints &cps)
{
    constexpr size_t kMaxMarks = 30;
    size_t run = 0;
    size_t out = 0;
    for (char32_t cp : cps) {
        run = (cp >= 0x300 && u_getCombiningClass(cp) != 0) ? run + 1 : 0;
        if (run <= kMaxMarks) cps[out++] = cp;
    }
    cps.resize(out);
}

// NFKC: composes "e" + U+0301 into é and turns full-width, ligature and Roman-numeral forms into
// plain letters. Only called when there is something non-ASCII.
CodePoints nfkc(const CodePoints &cps)
{
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2 *norm = icu::Normalizer2::getNFKCInstance(status);
    if (U_FAILURE(status) || !norm) return cps;
    icu::UnicodeString u;
    for (char32_t cp : cps) u.append(static_cast<UChar32>(cp));
    const icu::UnicodeString n = norm->normalize(u, status);
    if (U_FAILURE(status)) return cps;
    CodePoints out;
    out.reserve(static_cast<size_t>(n.length()));
    for (int32_t k = 0; k < n.length(); k = n.moveIndex32(k, 1)) out.push_back(static_cast<char32_t>(n.char32At(k)));
    return out;
}

// A letter of any script, not counting spacing modifier symbols.
bool is_letter(char32_t cp) { return u_isalpha(cp) && !is_modifier_symbol(cp); }

// The lower-case ASCII letter that re-casing can turn the non-ASCII letter cp into, or 0. Only a
// few letters do: Turkish İ lower-cases to i and dotless ı title-cases to I (ſ and the Kelvin
// sign also would, but NFKC has already made them s and K).
char ascii_case_partner(char32_t cp)
{
    if (cp < 0x80 || !is_letter(cp)) return 0;
    for (const UChar32 m : {u_tolower(static_cast<UChar32>(cp)), u_totitle(static_cast<UChar32>(cp))})
        if (m < 0x80) return ascii_lower(static_cast<char>(m));
    return 0;
}

// The letters of a token in lower case (periods, apostrophes, hyphens and marks skipped), for
// the word lists. Non-ASCII letters stay as they are, so such a word matches no list, except
// those that re-casing turns into ASCII (see ascii_case_partner): "İİ" is written "Ii" by
// title_case, so it must already be judged as "ii" here, or the output would be a different word
// (a suffix, a particle) than the one the decisions were made on.
std::string ascii_letters_lower(const CodePoints &token)
{
    std::string out;
    for (char32_t cp : token) {
        if (cp < 0x80 && ascii_alnum(static_cast<char>(cp)))
            out += ascii_lower(static_cast<char>(cp));
        else if (const char a = ascii_case_partner(cp))
            out += a;
        else if (cp >= 0x80 && is_letter(cp))
            append_utf8(out, cp);
    }
    return out;
}

// Words that mean "no name was given" when they are the whole field (compared lower case).
bool is_placeholder_name(std::string_view lower)
{
    static constexpr std::array<std::string_view, 22> kPlaceholders = {
        "n/a",           "#n/a",           "n.a.",      "null",    "none", "nil",        "unknown",   "undefined",
        "tbd",           "test",           "noname",    "no name", "name", "first name", "last name", "not provided",
        "not available", "not applicable", "anonymous", "-",       "?",    "x"};
    return std::find(kPlaceholders.begin(), kPlaceholders.end(), lower) != kPlaceholders.end();
}

// Lower-cased ASCII rendering of the whole field with the edges trimmed, for placeholder checks
// against what the user typed ("N/A", "#N/A"); empty when it contains non-ASCII letters.
std::string placeholder_form(const CodePoints &cps)
{
    std::string s;
    for (char32_t cp : cps) {
        if (cp >= 0x80) {
            if (is_letter(cp)) return {};
            s += ' ';
        } else {
            s += static_cast<char>(cp);
        }
    }
    std::string out;
    bool space = false;
    for (char c : s) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    const std::string_view quotes = "\"'()[]<>";
    const size_t begin = out.find_first_not_of(quotes);
    if (begin == std::string::npos) return {};
    const size_t end = out.find_last_not_of(quotes);
    return out.substr(begin, end - begin + 1);
}

// Whether the field, as typed (edges trimmed), is a placeholder. "NA" and "NaN" are how R and
// pandas write a missing value, so they count in exactly that case; "Na" and "Nan" are names.
bool is_missing_value(const std::string &typed)
{
    if (typed == "NA" || typed == "NaN" || typed == "nan" || typed == "#NA") return true;
    std::string lower = typed;
    for (char &c : lower) c = ascii_lower(c);
    return is_placeholder_name(lower);
}

struct NameToken {
    CodePoints text;
    bool comma_after = false;
};

// Splits the cleaned field into word tokens. Kept inside a word: letters, marks after a letter,
// an apostrophe or hyphen between two letters, a period after a letter. Digits are dropped;
// tokens that were only a number or an ordinal ("3rd" in suffix place becomes III later) go;
// tokens holding '@' or a URL are an e-mail or web address pasted into the wrong column.
std::vector<NameToken> name_tokens(const CodePoints &cps)
{
    std::vector<NameToken> tokens;
    auto commit = [&](CodePoints raw) {
        if (raw.empty()) return;
        // ordinals first: "2nd", "3rd", "4th" are generational suffixes
        std::string lower;
        for (char32_t cp : raw) lower += cp < 0x80 ? ascii_lower(static_cast<char>(cp)) : '?';
        if (lower.find('@') != std::string::npos || lower.find("://") != std::string::npos) return;
        if (lower == "2nd") {
            raw = U"ii";
        } else if (lower == "3rd") {
            raw = U"iii";
        } else if (lower == "4th") {
            raw = U"iv";
        } else {
            // "1st", "5th", "22nd", "1234": a number, not a name
            size_t k = 0;
            while (k < lower.size() && lower[k] >= '0' && lower[k] <= '9') ++k;
            const std::string_view rest = std::string_view(lower).substr(k);
            if (k > 0 && (rest.empty() || rest == "st" || rest == "nd" || rest == "rd" || rest == "th")) return;
        }
        // split on anything that is not part of a name word
        CodePoints word;
        auto push_word = [&] {
            CodePoints clean;
            bool has_letter = false;
            for (size_t k = 0; k < word.size(); ++k) {
                const char32_t cp = word[k];
                const bool prev_letter = !clean.empty() && (is_letter(clean.back()) || is_mark(clean.back()));
                const bool next_letter = k + 1 < word.size() && is_letter(word[k + 1]);
                if (is_letter(cp)) {
                    clean.push_back(cp);
                    has_letter = true;
                } else if (is_mark(cp)) {
                    if (prev_letter) clean.push_back(cp);
                } else if (cp == '\'' || is_apostrophe(cp)) {
                    if (prev_letter && next_letter) clean.push_back(U'\'');
                } else if (cp == '-' || is_dash(cp)) {
                    if (prev_letter && next_letter) clean.push_back(U'-');
                } else if (cp == '.') {
                    if (prev_letter) clean.push_back(U'.');
                }
            }
            word.clear();
            if (!has_letter) return;
            if (clean.size() >= 4 && (clean[0] | 0x20) == 'w' && (clean[1] | 0x20) == 'w' && (clean[2] | 0x20) == 'w' &&
                clean[3] == '.')
                return;  // www.acme.com
            tokens.push_back({std::move(clean), false});
        };
        for (char32_t cp : raw) {
            const bool word_char = is_letter(cp) || is_mark(cp) || cp == '\'' || is_apostrophe(cp) || cp == '-' ||
                                   is_dash(cp) || cp == '.';
            const bool digit = cp < 0x80 ? (cp >= '0' && cp <= '9') : u_isdigit(cp);
            if (word_char)
                word.push_back(cp);
            else if (!digit)
                push_word();
        }
        push_word();
    };

    CodePoints raw;
    for (char32_t cp : cps) {
        if (cp >= 0x80 && is_invisible(cp)) continue;  // soft hyphen, zero-width joiner, BOM: not a separator
        if (is_space_or_control(cp) || cp == ',' || cp == ';' || cp == 0x060C || cp == 0x3001) {
            commit(std::move(raw));
            raw.clear();
            if (cp != ',' && cp != 0x060C && cp != 0x3001) continue;
            if (!tokens.empty()) tokens.back().comma_after = true;
            continue;
        }
        raw.push_back(cp);
    }
    commit(std::move(raw));
    if (!tokens.empty()) tokens.back().comma_after = false;
    return tokens;
}

// Generational and professional suffixes, by their letters in lower case, with their usual form.
const char *suffix_form(std::string_view letters)
{
    struct Suffix {
        std::string_view key;
        const char *form;
    };
    static constexpr std::array<Suffix, 15> kSuffixes = {{
        {"jr", "Jr."},
        {"sr", "Sr."},
        {"ii", "II"},
        {"iii", "III"},
        {"iv", "IV"},
        {"phd", "PhD"},
        {"md", "MD"},
        {"dds", "DDS"},
        {"dmd", "DMD"},
        {"dvm", "DVM"},
        {"esq", "Esq."},
        {"cpa", "CPA"},
        {"rn", "RN"},
        {"mba", "MBA"},
        {"jd", "JD"},
    }};
    for (const auto &s : kSuffixes)
        if (s.key == letters) return s.form;
    return nullptr;
}

// Lower-case particles of Dutch, German, French, Italian, Spanish, Portuguese and Arabic names.
bool is_particle(std::string_view letters)
{
    static constexpr std::array<std::string_view, 20> kParticles = {"van", "von", "der", "den", "de",  "del", "della",
                                                                    "la",  "le",  "da",  "di",  "du",  "dos", "das",
                                                                    "des", "ten", "ter", "bin", "ibn", "zu"};
    return std::find(kParticles.begin(), kParticles.end(), letters) != kParticles.end();
}

// Scottish and Irish "Mac" names written with a capital after Mac. Other names starting with
// "mac" (Mack, Macy, Machado, Macias) are ordinary words, so this is a list, not a rule.
bool is_mac_name(std::string_view letters)
{
    static constexpr std::array<std::string_view, 32> kMac = {
        "macdonald",    "macarthur",  "mackenzie",  "mackay",     "maclean",   "macleod",   "macmillan",  "macneil",
        "macgregor",    "macpherson", "macdougall", "macfarlane", "macintyre", "mackinnon", "maclachlan", "macrae",
        "macdonnell",   "macbride",   "maccallum",  "macewan",    "macinnes",  "maclennan", "macmahon",   "macqueen",
        "macgillivray", "macaulay",   "macnamara",  "maccormick", "macdowell", "maclaren",  "macneill",   "macquarrie"};
    return std::find(kMac.begin(), kMac.end(), letters) != kMac.end();
}

// Capital or title-case letter (ǅ counts as a capital).
bool is_upperish(char32_t cp) { return u_isupper(cp) || u_istitle(cp); }

enum class Casing { none, lower, upper, mixed_kept, mixed_broken };

// How a token is cased. Mixed case "looks intentional" (DeShawn, McKenzie, O'Brien, LaToya)
// when the first cased letter is a capital and no two capitals touch; McDONALD or jOHN do not.
Casing casing_of(const CodePoints &t)
{
    bool lower = false, upper = false, first_upper = false, touching = false, seen = false;
    bool prev_upper = false;
    for (char32_t cp : t) {
        const bool lo = u_islower(cp);
        const bool up = is_upperish(cp);
        if (!seen && (lo || up)) {
            seen = true;
            first_upper = up;
        }
        if (up && prev_upper) touching = true;
        lower = lower || lo;
        upper = upper || up;
        prev_upper = up;
    }
    if (!lower && !upper) return Casing::none;
    if (!upper) return Casing::lower;
    if (!lower) return Casing::upper;
    return (first_upper && !touching) ? Casing::mixed_kept : Casing::mixed_broken;
}

// Title Case of one token: capital at the start of each part split by '-' or '.', after a
// one-letter prefix with an apostrophe (O'Brien, D'Angelo), after Mc, and after Mac for the
// names in is_mac_name. Everything else lower case (final Greek sigma included).
void title_case(CodePoints &t)
{
    for (char32_t &cp : t)
        if (is_letter(cp)) cp = static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp)));
    for (size_t k = 0; k < t.size(); ++k) {
        if (t[k] == 0x03C3 && k > 0 && is_letter(t[k - 1]) && (k + 1 == t.size() || !is_letter(t[k + 1])))
            t[k] = 0x03C2;
    }
    auto upper_at = [&](size_t k) { t[k] = static_cast<char32_t>(u_totitle(static_cast<UChar32>(t[k]))); };
    size_t seg = 0;
    while (seg < t.size()) {
        size_t end = seg;
        while (end < t.size() && t[end] != '-' && t[end] != '.') ++end;
        // positions of the letters of this part
        std::vector<size_t> letters;
        std::string ascii;
        for (size_t k = seg; k < end; ++k) {
            if (is_letter(t[k])) {
                letters.push_back(k);
                ascii += t[k] < 0x80 ? static_cast<char>(t[k]) : '?';
            }
        }
        if (!letters.empty()) {
            upper_at(letters[0]);
            // one letter, apostrophe, then a capital: O'Brien, D'Arcy, L'Estrange
            if (letters.size() > 1 && letters[0] + 1 < end && t[letters[0] + 1] == '\'') upper_at(letters[1]);
            if (ascii.size() >= 4 && ascii.compare(0, 2, "mc") == 0)
                upper_at(letters[2]);
            else if (is_mac_name(ascii))
                upper_at(letters[3]);
        }
        seg = end + 1;
    }
}

// Initials: "j", "j.", "j.r.r." (every part between periods is one letter). Upper-cased whole.
bool all_single_letters(const CodePoints &t)
{
    size_t run = 0;
    for (char32_t cp : t) {
        if (cp == '.') {
            if (run != 1) return false;
            run = 0;
        } else if (is_letter(cp)) {
            ++run;
        } else if (!is_mark(cp)) {
            return false;
        }
    }
    return run <= 1;
}

}  // namespace

// Folds for matching; see names.hpp. ASCII input only needs lower-casing.
std::string fold_to_ascii_lower(std::string_view raw)
{
    if (is_ascii(raw)) {
        std::string out(raw);
        for (char &c : out) c = (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? ' ' : ascii_lower(c);
        return out;
    }
    return fold_impl(raw);
}

// Normalizes a pasted e-mail address: peels quotes, brackets, "mailto:", a display name and
// trailing sentence punctuation, lower-cases, then checks RFC 5321 shape (dot-atom local part
// of at most 64 octets, a dotted domain of LDH labels with an alphabetic TLD, at most 254 in
// all). Quoted local parts, IP literals and non-ASCII addresses are refused: they are legal
// but in a lead list they are damage far more often than real, and we will not guess.
static std::optional<std::string> normalize_email_uncapped(std::string_view raw)
{
    std::string_view s = raw;
    // "Bob Smith <bob@x.com>": the address is inside the angle brackets (up to the end when the
    // closing one was cut off). Two bracketed parts mean two addresses: we cannot pick.
    if (const size_t open = s.find('<'); open != std::string_view::npos) {
        if (s.find('<', open + 1) != std::string_view::npos) return std::nullopt;
        const size_t close = s.find('>', open);
        s = s.substr(open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
    }
    s = trim_email(s);
    // "bob@x.com (Bob Smith)": an RFC 5322 comment after the address
    if (const size_t paren = s.find(" ("); paren != std::string_view::npos) s = trim_email(s.substr(0, paren));
    if (starts_with_ci(s, "mailto:")) {
        s.remove_prefix(7);
        if (const size_t q = s.find('?'); q != std::string_view::npos) s = s.substr(0, q);
        s = trim_email(s);
    }
    if (s.empty() || s.size() > 254) return std::nullopt;
    std::string addr(s);
    for (char &c : addr) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F) return std::nullopt;  // spaces, controls, NUL, non-ASCII inside the address
        c = ascii_lower(c);
    }
    const size_t at = addr.find('@');
    if (at == std::string::npos || addr.find('@', at + 1) != std::string::npos) return std::nullopt;
    const std::string_view local = std::string_view(addr).substr(0, at);
    const std::string_view domain = std::string_view(addr).substr(at + 1);
    if (local.size() > 64 || !valid_dot_atom(local, is_atext) || !valid_domain(domain)) return std::nullopt;
    if (is_placeholder_email(local, domain)) return std::nullopt;
    return addr;
}

// Display form of a person's name. Words are cleaned (see name_tokens) and re-cased only when
// their case carries no information: ALL CAPS, all lower, or broken mixed case (McDONALD).
// Intentional mixed case (DeShawn, LaToya, Vincent Van Gogh) is the person's own spelling and
// stays. Particles (van, der, de la, da, di, du, von, bin ...) become lower case between the
// first and the last word ("PIETER VAN DER BERG" -> "Pieter van der Berg", "VAN DER BERG" ->
// "Van der Berg", "NGUYEN LE" -> "Nguyen Le"). When another word is in intentional mixed case,
// a particle typed in lower case stays lower case even first ("de la Cruz"). Trailing suffixes
// take their usual form (Jr., Sr., II, III, IV, PhD, MD, Esq.). A comma is kept as ", ".
// Digits, symbols, emoji and e-mail addresses are dropped. nullopt when no letter is left or
// the field is a placeholder (N/A, null, none, unknown, test, "NA", "NaN" ...).
static std::optional<std::string> normalize_name_uncapped(std::string_view raw)
{
    CodePoints cps = decode_all(raw);
    if (std::any_of(cps.begin(), cps.end(), [](char32_t cp) { return cp >= 0x80; })) {
        limit_combining_marks(cps);
        cps = nfkc(cps);
    }

    if (is_missing_value(placeholder_form(cps))) return std::nullopt;

    std::vector<NameToken> tokens = name_tokens(cps);
    if (tokens.empty()) return std::nullopt;
    // Cleaning can bring a mark next to a letter it was kept apart from ("O-\u0301"): compose
    // again before looking at case, so that the decisions below see what the output will hold.
    for (NameToken &t : tokens) {
        if (std::any_of(t.text.begin(), t.text.end(), [](char32_t cp) { return cp >= 0x80; })) t.text = nfkc(t.text);
    }

    // The same checks on the cleaned words ("Unknown!", "n.a.;"), so that the output of
    // normalize_name is never a placeholder itself.
    std::vector<std::string> letters(tokens.size());
    std::string joined_letters, joined_typed;
    for (size_t k = 0; k < tokens.size(); ++k) {
        letters[k] = ascii_letters_lower(tokens[k].text);
        joined_letters += (k ? " " : "") + letters[k];
        if (k) joined_typed += ' ';
        for (char32_t cp : tokens[k].text) append_utf8(joined_typed, cp);
    }
    if (is_missing_value(joined_typed) || is_placeholder_name(joined_letters)) return std::nullopt;

    // Suffixes: the trailing run of suffix words, never the first word.
    // Only a word of plain ASCII letters (and dots) is a suffix: "II" followed by a combining
    // mark is a word whose mark the output keeps, so the output must not read as "II" either.
    // Letters that re-casing makes ASCII (İ, ı: see ascii_case_partner) count as ASCII, because
    // the output writes them so: "N Iİ" would otherwise come out as "N Ii", which is "N II".
    const auto is_suffix_word = [&](size_t k) {
        return suffix_form(letters[k]) != nullptr &&
               std::all_of(tokens[k].text.begin(), tokens[k].text.end(),
                           [](char32_t cp) { return cp < 0x80 || ascii_case_partner(cp) != 0; });
    };
    size_t suffix_start = tokens.size();
    while (suffix_start > 1 && is_suffix_word(suffix_start - 1)) --suffix_start;
    const size_t last_name_word = suffix_start - 1;

    // The input carries case information when some word other than an initial or a suffix is
    // written in intentional mixed case (John, DeShawn). Those words are kept as they are, so
    // the output has such a word exactly when the input did: normalize_name is idempotent.
    bool case_informative = false;
    for (size_t k = 0; k < suffix_start; ++k) {
        case_informative = case_informative ||
                           (!all_single_letters(tokens[k].text) && casing_of(tokens[k].text) == Casing::mixed_kept);
    }

    std::string out;
    out.reserve(raw.size() + 8);
    for (size_t k = 0; k < tokens.size(); ++k) {
        CodePoints &t = tokens[k].text;
        if (k >= suffix_start) {
            if (!out.empty()) out += ' ';
            out += suffix_form(letters[k]);
            if (tokens[k].comma_after) out += ',';
            continue;
        }
        const Casing casing = casing_of(t);
        const bool particle = is_particle(letters[k]);
        if (all_single_letters(t)) {
            for (char32_t &cp : t)
                if (is_letter(cp))  // not marks: U+0345 would turn into a capital iota
                    cp = static_cast<char32_t>(u_totitle(static_cast<UChar32>(cp)));
        } else if (casing == Casing::lower && particle && case_informative) {
            // typed in lower case by someone who used capitals elsewhere: keep
        } else if (casing == Casing::lower || casing == Casing::upper || casing == Casing::mixed_broken) {
            if (particle && k != 0 && k != last_name_word) {
                for (char32_t &cp : t)
                    if (is_letter(cp)) cp = static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp)));
            } else {
                title_case(t);
            }
        }
        if (!out.empty()) out += ' ';
        for (char32_t cp : t) append_utf8(out, cp);
        if (tokens[k].comma_after) out += ',';
    }
    if (out.empty()) return std::nullopt;
    if (!is_ascii(out)) {
        // dropping characters between two combining marks can leave them out of canonical order
        const CodePoints again = nfkc(decode_all(out));
        out.clear();
        for (char32_t cp : again) append_utf8(out, cp);
    }
    // A display name whose matching key is a placeholder ("N Å" keys as "n a") is no name.
    if (!name_key(out)) return std::nullopt;
    return out;
}

// Matching key for a person's name: lower case, accents folded, other scripts transliterated,
// apostrophes dropped, any other punctuation a single space. ASCII input (the common case) is
// one pass over the bytes with no ICU call.
// Keys that stand for "no name was given" (the keys of the placeholder words). A single letter
// such as "x" is not among them: it is also what a one-letter name transliterates to.
bool is_placeholder_key(std::string_view key)
{
    static constexpr std::array<std::string_view, 17> kKeys = {
        "n a",           "null",           "none",     "nil",  "unknown",    "undefined", "tbd",
        "test",          "noname",         "no name",  "name", "first name", "last name", "not provided",
        "not available", "not applicable", "anonymous"};
    return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

static std::optional<std::string> name_key_uncapped(std::string_view raw)
{
    // A placeholder ("N/A", "null", "unknown", "NA") is no name: the keys of two missing names
    // must never look like a match. Judged on the key itself, so that the key of a key is the
    // key; "NA" and "NaN" only in exactly that case (Na and Nan are names).
    const std::string typed = placeholder_form(decode_all(raw));
    if (typed == "NA" || typed == "NaN" || typed == "#NA") return std::nullopt;
    std::optional<std::string> key = settle(name_key_once(raw), name_key_once);
    if (key && is_placeholder_key(*key)) return std::nullopt;
    return key;
}

// Matching key for a business name; see the decisions at the top of this file.
static std::optional<std::string> normalize_business_name_uncapped(std::string_view raw)
{
    return settle(business_key_once(raw), business_key_once);
}

// The public functions read at most their cap (limits.hpp) and refuse a result longer than it,
// so that every result normalizes to itself.
template <typename F>
static std::optional<std::string> capped(std::string_view raw, std::size_t cap, F uncapped)
{
    const std::optional<std::string_view> in = limits::within(raw, cap);
    if (!in) return std::nullopt;
    std::optional<std::string> out = uncapped(*in);
    if (out && out->size() > cap) return std::nullopt;
    return out;
}

std::optional<std::string> normalize_email(std::string_view raw)
{
    return capped(raw, limits::kEmail, normalize_email_uncapped);
}
std::optional<std::string> normalize_name(std::string_view raw)
{
    return capped(raw, limits::kName, normalize_name_uncapped);
}
std::optional<std::string> name_key(std::string_view raw) { return capped(raw, limits::kName, name_key_uncapped); }
std::optional<std::string> normalize_business_name(std::string_view raw)
{
    return capped(raw, limits::kBusiness, normalize_business_name_uncapped);
}

}  // namespace outreach
