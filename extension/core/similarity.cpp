// Similarity scores for entity resolution: a Jaro-Winkler primitive over code points, and two
// token-aware scores for person names and business names built on it. All three are pure, never
// throw on any input, are symmetric by construction (arguments are put in a canonical order before
// any asymmetric step) and return values in [0, 1] (the only exception that can leave is
// std::bad_alloc from the key functions). They run millions of times during resolution, so the
// hot paths use fixed stack buffers and no heap allocation (name_key and normalize_business_name,
// which we call first, are the only allocations).
#include "similarity.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <span>
#include <string>

#include "names.hpp"
#include "nicknames.hpp"

namespace outreach {
namespace {

// Jaro-Winkler compares at most this many code points of each input. Names are far shorter; the
// cap bounds the O(n * window) matching on hostile 1 MB inputs (two strings equal in their first
// 256 code points score 1.0). It also sizes the stack buffers, so no heap is ever needed.
constexpr std::size_t kMaxCodePoints = 256;

// Code points of one string, decoded into a fixed buffer.
struct CodePoints {
    std::array<char32_t, kMaxCodePoints> cp;
    std::size_t len = 0;
};

// Decodes UTF-8, appending to `out` until it holds kMaxCodePoints code points. A byte that does
// not start a well-formed sequence (stray continuation, overlong form, surrogate, > U+10FFFF,
// truncated sequence) counts as one code point of its own, mapped to U+DC80..U+DCFF as Python's
// "surrogateescape" does: such values never come out of valid UTF-8, so an invalid byte only
// matches the same invalid byte.
void decode(std::string_view s, CodePoints &out)
{
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const unsigned char *end = p + s.size();
    std::size_t n = out.len;
    while (p < end && n < kMaxCodePoints) {
        unsigned char c = *p;
        if (c < 0x80) {
            out.cp[n++] = c;
            ++p;
            continue;
        }
        int len = 0;
        char32_t v = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            v = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            v = c & 0x0F;
            if (c == 0xE0)
                lo = 0xA0;  // overlong
            else if (c == 0xED)
                hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            v = c & 0x07;
            if (c == 0xF0)
                lo = 0x90;  // overlong
            else if (c == 0xF4)
                hi = 0x8F;  // above U+10FFFF
        }
        bool ok = len > 0 && end - p >= len && p[1] >= lo && p[1] <= hi;
        for (int i = 2; ok && i < len; ++i) ok = (p[i] & 0xC0) == 0x80;
        if (!ok) {
            out.cp[n++] = 0xDC00 | c;
            ++p;
            continue;
        }
        for (int i = 1; i < len; ++i) v = (v << 6) | (p[i] & 0x3F);
        out.cp[n++] = v;
        p += len;
    }
    out.len = n;
}

// Flags "already matched" for up to 64 positions in one machine word (the common case: names).
struct BitFlags {
    std::uint64_t bits = 0;
    explicit BitFlags(std::size_t) {}
    bool test(std::size_t i) const { return (bits >> i) & 1u; }
    void set(std::size_t i) { bits |= std::uint64_t{1} << i; }
};

// The same for up to kMaxCodePoints positions; only [0, n) is cleared.
struct ArrayFlags {
    std::array<bool, kMaxCodePoints> flag;
    explicit ArrayFlags(std::size_t n) { std::fill_n(flag.begin(), n, false); }
    bool test(std::size_t i) const { return flag[i]; }
    void set(std::size_t i) { flag[i] = true; }
};

// Jaro-Winkler of two sequences of at most kMaxCodePoints characters (bytes of ASCII text or
// decoded code points). `a` must be the canonical first argument (canonical_first): the greedy
// matching is not order-independent in general, and this makes (a, b) and (b, a) agree exactly.
template <typename Flags, typename T>
double jaro_winkler_core(const T *a, std::size_t la, const T *b, std::size_t lb)
{
    if (la == 0 && lb == 0) return 1.0;
    if (la == 0 || lb == 0) return 0.0;
    const std::size_t longest = std::max(la, lb);
    const std::size_t window = longest / 2 >= 1 ? longest / 2 - 1 : 0;

    Flags a_matched(la), b_matched(lb);
    std::size_t m = 0;
    for (std::size_t i = 0; i < la; ++i) {
        const std::size_t from = i > window ? i - window : 0;
        const std::size_t to = std::min(lb, i + window + 1);
        for (std::size_t j = from; j < to; ++j) {
            if (a[i] == b[j] && !b_matched.test(j)) {
                a_matched.set(i);
                b_matched.set(j);
                ++m;
                break;
            }
        }
    }
    if (m == 0) return 0.0;

    // Matched characters in order on both sides; t is half the number of disagreeing positions.
    std::size_t disagreeing = 0, j = 0;
    for (std::size_t i = 0; i < la; ++i) {
        if (!a_matched.test(i)) continue;
        while (!b_matched.test(j)) ++j;
        if (a[i] != b[j]) ++disagreeing;
        ++j;
    }
    const double md = static_cast<double>(m);
    const double t = static_cast<double>(disagreeing) / 2.0;
    const double jaro = (md / static_cast<double>(la) + md / static_cast<double>(lb) + (md - t) / md) / 3.0;

    // Winkler's boost, only above his threshold of 0.7 (the classic definition).
    constexpr double kBoostThreshold = 0.7, kPrefixScale = 0.1;
    if (jaro <= kBoostThreshold) return jaro;
    std::size_t prefix = 0;
    while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix]) ++prefix;
    return std::min(1.0, jaro + static_cast<double>(prefix) * kPrefixScale * (1.0 - jaro));
}

// Picks the flag representation by length; `a` is the canonical first argument.
template <typename T>
double jaro_winkler_ordered(const T *a, std::size_t la, const T *b, std::size_t lb)
{
    if (la <= 64 && lb <= 64) return jaro_winkler_core<BitFlags>(a, la, b, lb);
    return jaro_winkler_core<ArrayFlags>(a, la, b, lb);
}

// Canonical argument order: shorter first, then lexicographically smaller (either when equal).
template <typename T>
bool canonical_first(const T *a, std::size_t la, const T *b, std::size_t lb)
{
    if (la != lb) return la < lb;
    return !std::lexicographical_compare(b, b + lb, a, a + la);
}

// Jaro-Winkler of two decoded strings, in canonical argument order.
double jaro_winkler_symmetric(const CodePoints &a, const CodePoints &b)
{
    const char32_t *pa = a.cp.data(), *pb = b.cp.data();
    return canonical_first(pa, a.len, pb, b.len) ? jaro_winkler_ordered(pa, a.len, pb, b.len)
                                                 : jaro_winkler_ordered(pb, b.len, pa, a.len);
}

// True when every byte is ASCII (then bytes are code points and no decoding is needed).
bool is_ascii(std::string_view s)
{
    unsigned char acc = 0;
    for (char c : s) acc |= static_cast<unsigned char>(c);
    return acc < 0x80;
}

// Number of code points (UTF-8 lead bytes; invalid bytes count one each), counting no further than
// `cap`: used for token weights, where only short lengths matter.
std::size_t code_point_length(std::string_view s, std::size_t cap)
{
    std::size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80 && ++n >= cap) return cap;
    }
    return n;
}

// Whitespace-separated tokens of a key, at most N of them, as views into the key (no allocation).
// When a key has more than N tokens the first N-1 and the last are kept (for names: first name
// and surname).
template <std::size_t N>
struct Tokens {
    std::array<std::string_view, N> tok;
    std::array<std::size_t, N> position{};  // index of the token in the full key
    std::size_t count = 0;
    std::size_t total = 0;  // tokens in the full key
};

// ASCII whitespace (keys only contain single spaces, but a stray tab must not make a token).
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Fills `out` with the tokens of `key` (see Tokens).
template <std::size_t N>
void split(std::string_view key, Tokens<N> &out)
{
    std::size_t i = 0;
    out.count = out.total = 0;
    while (i < key.size()) {
        while (i < key.size() && is_space(key[i])) ++i;
        if (i == key.size()) break;
        std::size_t start = i;
        while (i < key.size() && !is_space(key[i])) ++i;
        std::string_view t = key.substr(start, i - start);
        if (out.count < N) {
            out.tok[out.count] = t;
            out.position[out.count] = out.total;
            ++out.count;
        } else {  // overwrite the last kept slot: it always holds the latest token
            out.tok[N - 1] = t;
            out.position[N - 1] = out.total;
        }
        ++out.total;
    }
}

// True when two keys are equal once their spaces are removed: "mary ann" and "maryann", "de la
// cruz" and "delacruz".
bool equal_without_spaces(std::string_view a, std::string_view b)
{
    std::size_t i = 0, j = 0;
    for (;;) {
        while (i < a.size() && is_space(a[i])) ++i;
        while (j < b.size() && is_space(b[j])) ++j;
        if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
        if (a[i] != b[j]) return false;
        ++i;
        ++j;
    }
}

// Maps a raw Jaro-Winkler score of two different tokens to a token score in [0, 0.9]. Below 0.6
// JW is noise between unrelated words (john/jones is 0.83!), so it is stretched down to zero;
// above 0.9 it is scaled by 0.9, keeping typos ("jonh"/"john" 0.93 -> 0.84) below a nickname
// (0.95) and an exact match (1.0). Continuous and monotone:
//   jw >= 0.9: 0.9 * jw;   0.6 <= jw < 0.9: 0.81 * (jw - 0.6) / 0.3;   jw < 0.6: 0.
double fuzzy_token_score(double jw)
{
    if (jw >= 0.9) return 0.9 * jw;
    if (jw >= 0.6) return 0.81 * (jw - 0.6) / 0.3;
    return 0.0;
}

// Calls a key function, treating anything but an out-of-memory error as "no key". These run on
// untrusted text and must not let an exception out; bad_alloc is not about the input and is left
// for the caller's guard.
template <typename F>
std::optional<std::string> safe_key(F key_fn, std::string_view raw)
{
    try {
        return key_fn(raw);
    } catch (const std::bad_alloc &) {
        throw;
    } catch (...) {
        return std::nullopt;
    }
}

// ---- person names -------------------------------------------------------------------------------

constexpr std::size_t kMaxNameTokens = 6;

// Weight of a name token: sqrt of its length in code points (capped at 16). Longer tokens carry
// more evidence, but sublinearly, so "christopher" does not drown the surname.
double name_token_weight(std::string_view t)
{
    static const std::array<double, 17> table = [] {
        std::array<double, 17> w{};
        for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::sqrt(static_cast<double>(i));
        return w;
    }();
    return table[code_point_length(t, 16)];
}

// Honorifics and generational suffixes: their absence on one side says nothing.
bool is_name_affix(std::string_view t)
{
    static constexpr std::string_view affixes[] = {"dr", "esq", "ii", "iii", "iv",  "jr",  "md", "miss",
                                                   "mr", "mrs", "ms", "mx",  "phd", "rev", "sr"};
    return std::find(std::begin(affixes), std::end(affixes), t) != std::end(affixes);
}

// True when a token is a single code point (an initial such as "j").
bool is_initial(std::string_view t) { return !t.empty() && code_point_length(t, 2) == 1; }

// First code point of a token as its UTF-8 bytes.
std::string_view first_code_point(std::string_view t)
{
    std::size_t n = 1;
    while (n < t.size() && (static_cast<unsigned char>(t[n]) & 0xC0) == 0x80 && n < 4) ++n;
    return t.substr(0, n);
}

// Score of one pair of name tokens:
//   1.0 equal;  0.95 nickname-equivalent (table);  0.8 an initial and a name starting with it
//   (0 for a different letter; two different initials 0);  otherwise fuzzy_token_score(JW).
double name_token_score(std::string_view x, std::span<const std::uint16_t> gx, std::string_view y,
                        std::span<const std::uint16_t> gy)
{
    if (x == y) return 1.0;
    if (share_nickname_group(gx, gy)) return 0.95;
    const bool ix = is_initial(x), iy = is_initial(y);
    if (ix || iy) return (!(ix && iy) && first_code_point(x) == first_code_point(y)) ? 0.8 : 0.0;
    return fuzzy_token_score(jaro_winkler(x, y));
}

// Best alignment of name tokens, by exhaustive search (at most 6!/0! = 720 assignments, 2 for the
// usual "first last" pair). See name_similarity for the formula.
struct NameAligner {
    std::size_t n = 0, m = 0;                        // n <= m tokens
    double score[kMaxNameTokens][kMaxNameTokens]{};  // pair scores
    double pair_weight[kMaxNameTokens][kMaxNameTokens]{};
    double unmatched_cost[kMaxNameTokens]{};  // lambda_j * w_j for the longer side
    std::array<std::size_t, kMaxNameTokens> assign{};
    double best = 0.0;

    // Assigns a token of B to A's token i and recurses; at the leaf, scores the full assignment.
    void search(std::size_t i, unsigned used, double num, double den)
    {
        if (i == n) {
            for (std::size_t j = 0; j < m; ++j)
                if (!(used & (1u << j))) den += unmatched_cost[j];
            double s = den > 0.0 ? num / den : 0.0;
            bool crossed = false;
            for (std::size_t p = 0; p < n && !crossed; ++p)
                for (std::size_t q = p + 1; q < n; ++q)
                    if (assign[q] < assign[p]) {
                        crossed = true;
                        break;
                    }
            if (crossed) s *= kCrossedOrder;
            best = std::max(best, s);
            return;
        }
        for (std::size_t j = 0; j < m; ++j) {
            if (used & (1u << j)) continue;
            assign[i] = j;
            search(i + 1, used | (1u << j), num + score[i][j] * pair_weight[i][j], den + pair_weight[i][j]);
        }
    }

    static constexpr double kCrossedOrder = 0.96;
};

}  // namespace

// Jaro-Winkler similarity of two strings, compared code point by code point (case-sensitive and
// exact: callers fold first). Classic parameters: match window floor(max(len)/2) - 1, half the
// out-of-order matches are transpositions, Winkler boost jaro + l * 0.1 * (1 - jaro) for a common
// prefix of l <= 4 code points, applied only when jaro > 0.7 (Winkler's boost threshold). Only the
// first 256 code points of each side are compared (see kMaxCodePoints).
double jaro_winkler(std::string_view a, std::string_view b)
{
    if (a.size() <= kMaxCodePoints && b.size() <= kMaxCodePoints && is_ascii(a) && is_ascii(b)) {
        // Fast path, same result as decoding: ASCII bytes are their own code points.
        const auto *pa = reinterpret_cast<const unsigned char *>(a.data());
        const auto *pb = reinterpret_cast<const unsigned char *>(b.data());
        return canonical_first(pa, a.size(), pb, b.size()) ? jaro_winkler_ordered(pa, a.size(), pb, b.size())
                                                           : jaro_winkler_ordered(pb, b.size(), pa, a.size());
    }
    CodePoints ca, cb;  // cp left uninitialised on purpose: only [0, len) is read
    decode(a, ca);
    decode(b, cb);
    return jaro_winkler_symmetric(ca, cb);
}

// Similarity of two person names, after name_key folding. Either key missing -> 0; equal keys ->
// 1; keys equal once spaces are removed ("mary ann"/"maryann") -> at least 0.95. Otherwise token
// alignment: with A the side with fewer tokens (n <= m, at most 6 each: first 5 and last kept),
// every token of A is paired with a distinct token of B, maximising
//     S = sum_pairs s(a,b) * (w_a + w_b) / (sum_pairs (w_a + w_b) + sum_unpaired_b lambda_b * w_b)
// times 0.96 when the pairing reverses the token order ("smith john" vs "john smith").
// s is name_token_score; w = sqrt(code points, capped at 16). An unpaired token of B costs
// lambda = 0.1 for an honorific/suffix (jr, mrs, ...), 0.25 for a middle token (neither first nor
// last of its name: a middle name or initial one side left out), 1 otherwise (a missing first or
// last name is real missing evidence). So "john q smith"/"john smith" ~0.97, "bob smith"/"robert
// smith" ~0.98, "j smith"/"john smith" ~0.92, "john smith"/"mary jones" ~0.3.
double name_similarity(std::string_view a, std::string_view b)
{
    const std::optional<std::string> ka = safe_key(name_key, a);
    const std::optional<std::string> kb = safe_key(name_key, b);
    if (!ka || !kb) return 0.0;
    if (*ka == *kb) return 1.0;

    Tokens<kMaxNameTokens> ta, tb;
    split(*ka, ta);
    split(*kb, tb);
    if (ta.count == 0 || tb.count == 0) return 0.0;
    // Canonical order: fewer tokens first, then the smaller key.
    const bool swap = ta.count != tb.count ? ta.count > tb.count : *ka > *kb;
    const auto &A = swap ? tb : ta;
    const auto &B = swap ? ta : tb;

    NameAligner al;
    al.n = A.count;
    al.m = B.count;
    std::array<std::span<const std::uint16_t>, kMaxNameTokens> ga, gb;
    std::array<double, kMaxNameTokens> wa{}, wb{};
    for (std::size_t i = 0; i < al.n; ++i) {
        ga[i] = nickname_groups(A.tok[i]);
        wa[i] = name_token_weight(A.tok[i]);
    }
    for (std::size_t j = 0; j < al.m; ++j) {
        gb[j] = nickname_groups(B.tok[j]);
        wb[j] = name_token_weight(B.tok[j]);
        const bool end_token = B.position[j] == 0 || B.position[j] + 1 == B.total;
        const double lambda = is_name_affix(B.tok[j]) ? 0.1 : end_token ? 1.0 : 0.25;
        al.unmatched_cost[j] = lambda * wb[j];
    }
    for (std::size_t i = 0; i < al.n; ++i) {
        for (std::size_t j = 0; j < al.m; ++j) {
            al.score[i][j] = name_token_score(A.tok[i], ga[i], B.tok[j], gb[j]);
            al.pair_weight[i][j] = wa[i] + wb[j];
        }
    }
    al.search(0, 0u, 0.0, 0.0);
    double s = al.best;
    if (equal_without_spaces(*ka, *kb)) s = std::max(s, 0.95);
    return std::clamp(s, 0.0, 1.0);
}

namespace {

constexpr std::size_t kMaxBusinessTokens = 16;

// Words that say little about which business this is: articles, conjunctions, corporate forms
// (where normalize_business_name left them, i.e. not at the end) and filler nouns. Sorted.
constexpr std::string_view kGenericBusinessWords[] = {
    "a",         "and",      "assoc",   "associates",  "at",         "bros",        "brothers",   "co",
    "companies", "company",  "corp",    "corporation", "enterprise", "enterprises", "for",        "global",
    "group",     "grp",      "holding", "holdings",    "in",         "inc",         "industries", "international",
    "intl",      "llc",      "llp",     "lp",          "ltd",        "management",  "mgmt",       "of",
    "on",        "partners", "pc",      "pllc",        "service",    "services",    "solutions",  "sons",
    "svc",       "svcs",     "systems", "the",         "to",         "usa"};
static_assert(std::is_sorted(std::begin(kGenericBusinessWords), std::end(kGenericBusinessWords)));

// True for a generic word: it weighs 0.25 in business_similarity, a distinctive word 1.
bool is_generic_business_word(std::string_view t)
{
    return std::binary_search(std::begin(kGenericBusinessWords), std::end(kGenericBusinessWords), t);
}

// Sum over the tokens of X of weight * best token score against Y, and the total weight of X.
struct Coverage {
    double covered = 0.0, total = 0.0;
};

// Code points of the distinctive tokens of a business key joined by single spaces ("the pizza
// company" -> "pizza"), or of all its tokens when none is distinctive.
void decode_distinctive(const Tokens<kMaxBusinessTokens> &t, const std::array<bool, kMaxBusinessTokens> &generic,
                        CodePoints &out)
{
    bool any_distinctive = false;
    for (std::size_t i = 0; i < t.count; ++i) any_distinctive = any_distinctive || !generic[i];
    out.len = 0;
    bool first = true;
    for (std::size_t i = 0; i < t.count; ++i) {
        if (any_distinctive && generic[i]) continue;
        if (!first && out.len < kMaxCodePoints) out.cp[out.len++] = U' ';
        decode(t.tok[i], out);
        first = false;
    }
}

}  // namespace

// Similarity of two business names after normalize_business_name. Either key missing -> 0; equal
// keys -> 1. Otherwise, with the tokens of A and B (at most 16 each: the first 15 and the last)
// weighted w = 0.25 for generic words (and, the, services, group, ...) and 1 for distinctive
// words, and best(t, Y) the best token score of t against any token of Y (1 exact, else
// fuzzy_token_score of their JW: "pizza"/"pizzeria" ~0.83):
//     dice     = (sum_A w*best(a,B) + sum_B w*best(b,A)) / (sum_A w + sum_B w)
//     contain  = max(sum_A w*best(a,B) / sum_A w,  sum_B w*best(b,A) / sum_B w)
//     overlap  = (dice + contain) / 2
//     score    = 0.6 * overlap + 0.4 * jaro_winkler(D(A), D(B))
// where D(X) is X's distinctive tokens joined by spaces (all of X's tokens when it has none), so
// a shared "the ... services" frame does not lift two different trades; and at least 0.95 when
// the keys are equal once spaces are removed ("mc donalds"/"mcdonalds"). The containment term
// keeps "acme plumbing" close to "acme plumbing and heating" (~0.90); a shared trade word alone
// does not ("acme plumbing"/"best plumbing" ~0.64).
double business_similarity(std::string_view a, std::string_view b)
{
    const std::optional<std::string> k1 = safe_key(normalize_business_name, a);
    const std::optional<std::string> k2 = safe_key(normalize_business_name, b);
    if (!k1 || !k2) return 0.0;
    if (*k1 == *k2) return 1.0;
    const bool swap = *k1 > *k2;  // canonical order for bit-exact symmetry
    const std::string &ka = swap ? *k2 : *k1;
    const std::string &kb = swap ? *k1 : *k2;

    Tokens<kMaxBusinessTokens> ta, tb;
    split(ka, ta);
    split(kb, tb);
    if (ta.count == 0 || tb.count == 0) return 0.0;

    std::array<double, kMaxBusinessTokens> best_a{}, best_b{};
    for (std::size_t i = 0; i < ta.count; ++i) {
        for (std::size_t j = 0; j < tb.count; ++j) {
            const double s = ta.tok[i] == tb.tok[j] ? 1.0 : fuzzy_token_score(jaro_winkler(ta.tok[i], tb.tok[j]));
            best_a[i] = std::max(best_a[i], s);
            best_b[j] = std::max(best_b[j], s);
        }
    }
    std::array<bool, kMaxBusinessTokens> generic_a{}, generic_b{};
    Coverage ca, cb;
    for (std::size_t i = 0; i < ta.count; ++i) {
        generic_a[i] = is_generic_business_word(ta.tok[i]);
        const double w = generic_a[i] ? 0.25 : 1.0;
        ca.covered += w * best_a[i];
        ca.total += w;
    }
    for (std::size_t j = 0; j < tb.count; ++j) {
        generic_b[j] = is_generic_business_word(tb.tok[j]);
        const double w = generic_b[j] ? 0.25 : 1.0;
        cb.covered += w * best_b[j];
        cb.total += w;
    }
    const double dice = (ca.covered + cb.covered) / (ca.total + cb.total);
    const double contain = std::max(ca.covered / ca.total, cb.covered / cb.total);
    const double overlap = 0.5 * (dice + contain);
    CodePoints da, db;  // cp left uninitialised on purpose: only [0, len) is read
    decode_distinctive(ta, generic_a, da);
    decode_distinctive(tb, generic_b, db);
    double s = 0.6 * overlap + 0.4 * jaro_winkler_symmetric(da, db);
    if (equal_without_spaces(ka, kb)) s = std::max(s, 0.95);
    return std::clamp(s, 0.0, 1.0);
}

}  // namespace outreach
