// normalize_phone: libphonenumber decides what a valid number is. Going through its full
// Parse + IsValidNumber + Format costs ~20 us per number (ICU regexes, string copies, a walk over
// all 25 NANP regions). Nearly every number in US lead data is a NANP number with some
// punctuation, so we recognise the common shapes ourselves (classify) and answer them from the
// library's own metadata, compiled once into RE2 automata (CountryValidator). Everything else
// takes the library's own path.
//
// Exactness argument (checked by test/unit/phone_test.cpp on a generated corpus, by differential
// fuzzing in test/fuzz/phone_fuzz.cpp, and by bench/normalize_phone on 1M inputs): for the shapes
// classify accepts, Parse(raw, "US") provably yields the country code and national number it
// computes, and IsValidNumber then depends only on those, through GetRegionCodeForNumber and
// GetNumberTypeHelper, which CountryValidator mirrors step by step on the same metadata.
#include "phone.hpp"

#include <phonenumbers/logger.h>
#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <set>
#include <vector>

#include "digit_dfa.hpp"
#include "limits.hpp"
#include "utf8.hpp"

// Exported by libphonenumber (metadata.cc) but not declared in its installed headers: the
// serialized PhoneMetadataCollection that PhoneNumberUtil itself loads.
namespace i18n::phonenumbers {
int metadata_size();
const void *metadata_get();
}  // namespace i18n::phonenumbers

namespace outreach {
namespace {

namespace pn = i18n::phonenumbers;

// PhoneNumberUtil::Parse refuses inputs longer than this (kMaxInputStringLength), and national
// numbers longer than 17 digits (kMaxLengthForNsn).
constexpr std::size_t kLibMaxInputLength = 250;
constexpr std::size_t kMaxNsnLength = 17;

// The library's singleton, with its logger silenced: inside a Postgres backend stdout/stderr go
// to the server log, and a parse failure is an ordinary NULL, not an event.
const pn::PhoneNumberUtil &util()
{
    static const pn::PhoneNumberUtil *instance = [] {
        pn::PhoneNumberUtil *u = pn::PhoneNumberUtil::GetInstance();
        u->SetLogger(new pn::NullLogger());  // the library takes ownership
        return u;
    }();
    return *instance;
}

// IsNumberMatchingDesc's length test: an empty possible_length list means "any length".
bool length_allowed(const pn::PhoneNumberDesc &d, std::size_t length)
{
    return d.possible_length_size() == 0 || std::find(d.possible_length().begin(), d.possible_length().end(),
                                                      static_cast<int>(length)) != d.possible_length().end();
}

// libphonenumber's compiled metadata, parsed once: the same bytes PhoneNumberUtil loads.
const pn::PhoneMetadataCollection *metadata_collection()
{
    static const pn::PhoneMetadataCollection *collection = [] {
        auto *c = new pn::PhoneMetadataCollection();  // lives as long as the process
        if (!c->ParseFromArray(pn::metadata_get(), pn::metadata_size())) c->Clear();
        return c;
    }();
    return collection;
}

std::unique_ptr<RE2> compile(const std::string &pattern)
{
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_unique<RE2>(pattern, opts);
    return re->ok() ? std::move(re) : nullptr;
}

bool full_match(const RE2 &re, std::string_view s) { return re.Match(s, 0, s.size(), RE2::ANCHOR_BOTH, nullptr, 0); }

// Validity of a national significant number of one country calling code, as IsValidNumber
// judges it. GetRegionCodeForNumber takes the only region of a single-region code; otherwise it
// walks the code's regions in the library's order and the first region that claims the number
// (by leading_digits, or by having a known number type) decides. The number is valid when its
// type in that region is not UNKNOWN. For each region and length we compile two automata: the
// general_desc pattern and the union of every type pattern that makes GetNumberTypeHelper return
// a known type (premium, toll-free, shared cost, VoIP, personal, pager, UAN, voicemail, fixed
// line, and mobile unless it equals fixed line). Also kept: the national prefix for parsing of
// the code's main region, which the parse shapes must rule out.
class CountryValidator {
public:
    explicit CountryValidator(int country_code)
    {
        const pn::PhoneMetadataCollection *collection = metadata_collection();
        std::list<std::string> region_codes;
        util().GetRegionCodesForCountryCallingCode(country_code, &region_codes);
        RE2::Options opts;
        opts.set_log_errors(false);
        leading_set_ = std::make_unique<RE2::Set>(opts, RE2::ANCHOR_START);
        single_region_ = region_codes.size() == 1;
        for (const std::string &code : region_codes) {
            const pn::PhoneMetadata *meta = nullptr;
            for (const pn::PhoneMetadata &m : collection->metadata())
                if (m.id() == code && (code != "001" || m.country_code() == country_code)) meta = &m;
            if (meta == nullptr || !add_region(*meta)) return;
            if (regions_.size() == 1) {
                main_ = meta;
                const std::string &npp = meta->national_prefix_for_parsing().empty()
                                             ? meta->national_prefix()
                                             : meta->national_prefix_for_parsing();
                if (!npp.empty() && !(national_prefix_ = compile(npp))) return;
            }
        }
        ready_ = !regions_.empty() && regions_.size() <= 64 && leading_set_->Compile();
    }

    // False when the metadata could not be compiled: callers then take the library's path.
    bool ready() const { return ready_; }

    // The metadata of the code's main region (the one Parse uses for the national prefix).
    const pn::PhoneMetadata *main_region() const { return main_; }

    // True when the main region's national prefix for parsing matches at the start of `nsn`
    // (even an empty match): the library would try to strip it, so the caller must not guess.
    bool national_prefix_may_apply(std::string_view nsn) const
    {
        return national_prefix_ && national_prefix_->Match(nsn, 0, nsn.size(), RE2::ANCHOR_START, nullptr, 0);
    }

    bool valid(std::string_view nsn) const
    {
        if (single_region_) return regions_.front().type_known(nsn);
        // Which regions' leading_digits match: by each region's DFA when all compiled, else in
        // one pass over all of them (RE2::Set). Then visit the regions in the library's order.
        std::uint64_t leading_matches = 0;
        bool leading_done = false;
        for (const Region &r : regions_) {
            if (r.leading_index >= 0) {
                if (!leading_done) {
                    leading_matches = leading(nsn);
                    leading_done = true;
                }
                if (leading_matches & (std::uint64_t{1} << r.leading_index)) return r.type_known(nsn);
            } else if (r.type_known(nsn)) {
                return true;
            }
        }
        return false;
    }

private:
    struct Region {
        int leading_index = -1;  // leading_digits' pattern in leading_set_; -1 when absent
        std::unique_ptr<DigitDfa> leading_dfa;
        std::shared_ptr<RE2> general;
        std::unique_ptr<DigitDfa> general_dfa;
        // Indexed by national number length; null where no pattern of that length can match.
        std::array<std::unique_ptr<RE2>, kMaxNsnLength + 1> any_type;
        std::array<std::unique_ptr<DigitDfa>, kMaxNsnLength + 1> any_type_dfa;

        // GetNumberTypeHelper(nsn) != UNKNOWN: both the general pattern and some type pattern
        // match. The DFAs answer; RE2 answers when they cannot (state budget exhausted).
        bool type_known(std::string_view nsn) const
        {
            if (nsn.size() > kMaxNsnLength) return false;
            const RE2 *t = any_type[nsn.size()].get();
            if (!t) return false;
            if (general_dfa && any_type_dfa[nsn.size()]) {
                std::optional<bool> g = general_dfa->full_match(nsn);
                if (g && !*g) return false;
                std::optional<bool> a = any_type_dfa[nsn.size()]->full_match(nsn);
                if (g && a) return *a;
            }
            return full_match(*general, nsn) && full_match(*t, nsn);
        }
    };

    // Bit i set when the leading_digits pattern with index i matches a prefix of nsn.
    std::uint64_t leading(std::string_view nsn) const
    {
        std::uint64_t bits = 0;
        if (all_leading_dfa_) {
            bool complete = true;
            for (const Region &r : regions_) {
                if (r.leading_index < 0) continue;
                std::optional<bool> m = r.leading_dfa->prefix_match(nsn);
                if (!m) {
                    complete = false;
                    break;
                }
                if (*m) bits |= std::uint64_t{1} << r.leading_index;
            }
            if (complete) return bits;
            bits = 0;
        }
        std::vector<int> hits;
        leading_set_->Match(nsn, &hits);
        for (int h : hits) bits |= std::uint64_t{1} << h;
        return bits;
    }

    bool add_region(const pn::PhoneMetadata &m)
    {
        Region r;
        if (m.has_leading_digits()) {
            r.leading_index = leading_set_->Add(m.leading_digits(), nullptr);
            if (r.leading_index < 0 || r.leading_index >= 64) return false;
            r.leading_dfa = DigitDfa::compile(m.leading_digits());
            if (!r.leading_dfa) all_leading_dfa_ = false;
        }
        std::vector<const pn::PhoneNumberDesc *> types = {&m.premium_rate(), &m.toll_free(),       &m.shared_cost(),
                                                          &m.voip(),         &m.personal_number(), &m.pager(),
                                                          &m.uan(),          &m.voicemail(),       &m.fixed_line()};
        if (!m.same_mobile_and_fixed_line_pattern()) types.push_back(&m.mobile());
        const pn::PhoneNumberDesc &general = m.general_desc();
        // A pattern that is empty never matches (RegexBasedMatcher::MatchNationalNumber).
        if (general.national_number_pattern().empty()) {
            regions_.push_back(std::move(r));
            return true;
        }
        r.general = compile(general.national_number_pattern());
        if (!r.general) return false;
        r.general_dfa = DigitDfa::compile(general.national_number_pattern());
        for (std::size_t len = 1; len <= kMaxNsnLength; ++len) {
            if (!length_allowed(general, len)) continue;
            std::string alternation;
            for (const pn::PhoneNumberDesc *t : types) {
                if (!length_allowed(*t, len) || t->national_number_pattern().empty()) continue;
                if (!alternation.empty()) alternation += '|';
                alternation += "(?:" + t->national_number_pattern() + ")";
            }
            if (alternation.empty()) continue;
            r.any_type[len] = compile(alternation);
            if (!r.any_type[len]) return false;
            r.any_type_dfa[len] = DigitDfa::compile(alternation);
        }
        regions_.push_back(std::move(r));
        return true;
    }

    std::vector<Region> regions_;
    std::unique_ptr<RE2::Set> leading_set_;
    bool all_leading_dfa_ = true;
    std::unique_ptr<RE2> national_prefix_;
    const pn::PhoneMetadata *main_ = nullptr;
    bool single_region_ = false;
    bool ready_ = false;
};

// The validator of a country calling code, built on first use; nullptr for unknown codes.
const CountryValidator *validator(int country_code)
{
    static std::array<std::unique_ptr<CountryValidator>, 1000> validators;
    static std::array<bool, 1000> known = [] {
        std::array<bool, 1000> k{};
        std::set<int> codes;
        util().GetSupportedCallingCodes(&codes);
        for (int c : codes)
            if (c > 0 && c < 1000) k[static_cast<std::size_t>(c)] = true;
        return k;
    }();
    if (country_code <= 0 || country_code >= 1000 || !known[static_cast<std::size_t>(country_code)]) return nullptr;
    std::unique_ptr<CountryValidator> &v = validators[static_cast<std::size_t>(country_code)];
    if (!v) v = std::make_unique<CountryValidator>(country_code);
    return v->ready() ? v.get() : nullptr;
}

// The parse shapes of classify() rely on the US parsing rules being the simple ones the shipped
// metadata has: national prefix "1" without transform, IDD "011", US lengths 10 (local 7), and
// no US number starting with 0 or 1.
bool us_parsing_simple()
{
    static const bool simple = [] {
        const CountryValidator *nanp = validator(1);
        const pn::PhoneMetadata *m = nanp ? nanp->main_region() : nullptr;
        if (m == nullptr || m->id() != "US") return false;
        const std::string &npp =
            m->national_prefix_for_parsing().empty() ? m->national_prefix() : m->national_prefix_for_parsing();
        const pn::PhoneNumberDesc &g = m->general_desc();
        if (npp != "1" || !m->national_prefix_transform_rule().empty() || m->international_prefix() != "011" ||
            g.possible_length_size() != 1 || g.possible_length(0) != 10 || g.possible_length_local_only_size() != 1 ||
            g.possible_length_local_only(0) != 7)
            return false;
        std::unique_ptr<RE2> general = compile(g.national_number_pattern());
        std::string min, max;
        return general && general->PossibleMatchRange(&min, &max, 10) && !min.empty() && min[0] >= '2';
    }();
    return simple;
}

// Upper-cased region if libphonenumber knows it ("us" -> "US"), else nullopt.
std::optional<std::string> canonical_region(std::string_view region)
{
    if (region == "US" || region == "us") return std::string("US");
    static const std::set<std::string> supported = [] {
        std::set<std::string> s;
        util().GetSupportedRegions(&s);
        return s;
    }();
    if (region.size() != 2) return std::nullopt;
    std::string upper(region);
    for (char &c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (supported.count(upper) == 0) return std::nullopt;
    return upper;
}

// What the fast path concluded about an input.
enum class Shape { library, invalid, national };

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// ASCII control characters other than tab (NUL and DEL among them), which the library handles in
// ways we do not mirror.
bool is_control(char c) { return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// True when `tail` (what follows the number's last digit) is an extension in the two spellings
// that dominate real data, "x123" and "ext. 123" (case-insensitive, optional ':' or '.', spaces),
// with at most six digits: the library's extension pattern takes exactly that off the end
// (ambiguous label x allows up to 9 digits, explicit ext up to 20) and E.164 drops it.
bool simple_extension(std::string_view tail)
{
    std::size_t i = 0;
    while (i < tail.size() && tail[i] == ' ') ++i;
    if (i < tail.size() && lower(tail[i]) == 'x') {
        ++i;
    } else if (i + 3 <= tail.size() && lower(tail[i]) == 'e' && lower(tail[i + 1]) == 'x' &&
               lower(tail[i + 2]) == 't') {
        i += 3;
    } else {
        return false;
    }
    if (i < tail.size() && (tail[i] == '.' || tail[i] == ':')) ++i;
    while (i < tail.size() && tail[i] == ' ') ++i;
    std::size_t digits = 0;
    while (i < tail.size() && is_digit(tail[i])) ++i, ++digits;
    return i == tail.size() && digits >= 1 && digits <= 6;
}

// The digit a letter stands for on a phone keypad (ITU E.161), as the library maps vanity numbers.
char keypad_digit(char c)
{
    static constexpr char kKeypad[] = "22233344455566677778889999";
    return kKeypad[lower(c) - 'a'];
}

// Characters outside ASCII that the fast path understands, by their UTF-8 bytes at s[i]; the
// number of bytes consumed, or 0. `digit` receives the ASCII digit of a full-width digit.
// The library treats U+00A0 (no-break space), U+2010..U+2015 (hyphens and dashes) and U+2212
// (minus) as valid punctuation, and maps full-width digits U+FF10..U+FF19 to 0-9.
std::size_t wide_char(std::string_view s, std::size_t i, char &digit)
{
    digit = 0;
    auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
    if (b(0) == 0xC2 && b(1) == 0xA0) return 2;
    if (b(0) == 0xE2 && b(1) == 0x80 && b(2) >= 0x90 && b(2) <= 0x95) return 3;
    if (b(0) == 0xE2 && b(1) == 0x88 && b(2) == 0x92) return 3;
    if (b(0) == 0xEF && b(1) == 0xBC && b(2) >= 0x90 && b(2) <= 0x99) {
        digit = static_cast<char>('0' + (b(2) - 0x90));
        return 3;
    }
    return 0;
}

// Classifies `raw` for default region US. Shape::national means Parse(raw, "US") provably yields
// the country calling code `country_code` and the national significant number written to `out`
// (length in `len`); Shape::invalid means the library provably finds no valid number;
// Shape::library means "ask the library".
//
// What the library does with a string, in order, and why each accepted shape is safe:
// ExtractPossibleNumber drops everything before the first digit or '+' and every trailing
// character that is not a letter, digit or '#'; no ';' anywhere rules out RFC 3966
// phone-context/isub/ext=. The number itself may hold only digits (ASCII or full-width) and
// valid punctuation (space, no-break space, '-', dashes, '.', '/', '(' and ')'), after one or more
// leading '+': so it is viable, has no letters for vanity conversion, and carries no extension
// unless simple_extension says so. Then, for its n digits (us_parsing_simple() has checked the
// metadata facts used here: national prefix "1", IDD "011", US lengths 10 and local 7, and no US
// number starting 0 or 1):
//   no '+', first digit 2-9, or 0 without IDD 011: neither country code 1 nor national prefix 1
//       applies, so the national number is all n digits (leading zeros kept by the library's
//       italian_leading_zero), invalid unless some NANP pattern of length n fits;
//   no '+', ten digits starting 1: stripping the 1 as country code or national prefix would leave
//       nine digits, too short, so the number stays as is (and is invalid);
//   no '+', "1" then ten digits, the first 2-9: eleven digits are too long for a US number
//       (TestNumberLength), so the leading 1 is the country code;
//   '+' then digits, or no '+' and the US IDD 011 then digits not starting 0: the first one to
//       three digits that form a known calling code are the country code (ExtractCountryCode),
//       the rest is the national number, provided the country's national prefix for parsing
//       cannot match at its start (the library would then try to strip it) and it has 2-17
//       digits. Two digits or fewer after the '+' or IDD are too short.
// Other digit strings starting 1, unknown country codes, letters and anything unusual go to the
// library.
Shape classify(std::string_view raw, std::array<char, kMaxNsnLength + 1> &out, std::size_t &len, int &country_code)
{
    if (raw.size() > kLibMaxInputLength) return Shape::library;
    std::size_t i = 0;
    char wide_digit = 0;
    while (i < raw.size()) {
        char c = raw[i];
        if (is_digit(c) || c == '+') break;
        if (static_cast<unsigned char>(c) < 0x80) {
            // ';' could start RFC 3966 parameters; control characters (NUL above all) are
            // handled oddly enough by the library that we leave them to it.
            if (c == ';' || is_control(c)) return Shape::library;
            ++i;
            continue;
        }
        std::size_t w = wide_char(raw, i, wide_digit);
        if (w == 0) return Shape::library;
        if (wide_digit) break;
        i += w;
    }
    if (i == raw.size()) return Shape::invalid;  // no digit, no '+': nothing to parse
    bool plus = false;
    while (i < raw.size() && raw[i] == '+') plus = true, ++i;
    // The library drops trailing characters that are not letters, digits or '#'.
    std::size_t tail_end = raw.size();
    while (tail_end > i) {
        char c = raw[tail_end - 1];
        if (static_cast<unsigned char>(c) >= 0x80 || c == ';' || is_control(c)) return Shape::library;
        if (is_digit(c) || is_alpha(c) || c == '#') break;
        --tail_end;
    }
    std::size_t n = 0;
    std::size_t end = i;  // one past the last digit (or vanity letter) of the number
    bool wide_digits = false, slash = false;
    std::size_t letters = 0;
    std::array<char, kMaxNsnLength + 1> letter_digits{};
    while (i < raw.size()) {
        char c = raw[i];
        char d = 0;
        std::size_t w = 1;
        if (is_digit(c)) {
            d = c;
        } else if (is_alpha(c)) {
            // Vanity letters after at least three digits (1-800-FLOWERS): the number is viable
            // and the library maps the letters to keypad digits when there are three or more,
            // and drops them otherwise. Digits after letters are extensions or worse: stop.
            if (n < 3) break;
            if (letters == 0 && simple_extension(raw.substr(end, tail_end - end))) break;
            if (letters < letter_digits.size()) letter_digits[letters] = keypad_digit(c);
            ++letters;
            end = i + 1;
            ++i;
            continue;
        } else if (static_cast<unsigned char>(c) >= 0x80) {
            w = wide_char(raw, i, d);
            if (w == 0) break;
            wide_digits = wide_digits || d != 0;
        } else if (c == '/') {
            slash = true;
        } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
            break;
        }
        if (d) {
            if (letters > 0) break;
            if (n < out.size()) out[n] = d;
            ++n;
            end = i + w;
        }
        i += w;
    }
    // What follows must be droppable trailing punctuation, optionally after a simple extension.
    if (tail_end > end) {
        // "/ x" would start a second number for the library; our tails never contain '/'.
        // The library strips an extension only when at least three digits stay (a viable number).
        if (letters > 0 || n < 3 || !simple_extension(raw.substr(end, tail_end - end))) return Shape::library;
    }
    if (letters > 0) {
        // The keypad mapping keeps only ASCII digits and letters ("remove non-matches"), so
        // full-width digits would vanish; and a '/' next to letters may start a second number.
        if (wide_digits || slash || letters > letter_digits.size()) return Shape::library;
        if (letters >= 3) {
            for (std::size_t k = 0; k < letters; ++k) {
                if (n < out.size()) out[n] = letter_digits[k];
                ++n;
            }
        }
    }
    if (n == 0) return Shape::library;
    // No '+', first digit 2-9, more than 17 digits: the national number is all of them, and the
    // library refuses it as too long (TOO_LONG_NSN).
    if (n > out.size()) return !plus && out[0] >= '2' ? Shape::invalid : Shape::library;
    if (!plus && n == 11 && out[0] == '1' && out[1] >= '2') {
        std::memmove(out.data(), out.data() + 1, 10);
        len = 10;
        country_code = 1;
        return Shape::national;
    }
    // No '+', twelve digits starting 1: too long for a US number, so the 1 is the country code;
    // of the eleven left, a leading 1 is the national prefix (eleven digits starting 1 never
    // match the US general pattern), so "11" + ten digits is those ten, and "1" + eleven digits
    // starting 2-9 stays eleven digits long (and is invalid).
    if (!plus && n == 12 && out[0] == '1' && (out[1] >= '2' || (out[1] == '1' && out[2] >= '2'))) {
        std::size_t skip = out[1] == '1' ? 2 : 1;
        std::memmove(out.data(), out.data() + skip, n - skip);
        len = n - skip;
        country_code = 1;
        return Shape::national;
    }
    bool idd = !plus && n >= 3 && out[0] == '0' && out[1] == '1' && out[2] == '1';
    if (plus || idd) {
        std::size_t skip = idd ? 3 : 0;
        if (idd && n > 3 && out[3] == '0') return Shape::library;  // not read as IDD
        if (n - skip <= 2) return Shape::invalid;                  // TOO_SHORT_AFTER_IDD
        if (out[skip] == '0') return Shape::library;               // no country code: retried
        const CountryValidator *v = nullptr;
        std::size_t cc_len = 1;
        int cc = 0;
        for (; cc_len <= 3 && skip + cc_len <= n; ++cc_len) {
            cc = cc * 10 + (out[skip + cc_len - 1] - '0');
            if ((v = validator(cc)) != nullptr) break;
        }
        if (v == nullptr) return Shape::library;  // unknown code, or metadata we do not compile
        std::size_t start = skip + cc_len;
        std::string_view nsn(out.data() + start, n - start);
        if (nsn.size() < 2 || v->national_prefix_may_apply(nsn)) return Shape::library;
        std::memmove(out.data(), nsn.data(), nsn.size());
        len = nsn.size();
        country_code = cc;
        return Shape::national;
    }
    if (out[0] == '1' && n != 10) return Shape::library;
    len = n;
    country_code = 1;
    return Shape::national;
}

// The library's straightforward route: Parse, IsValidNumber, Format(E164).
std::optional<std::string> library_route(std::string_view raw, const std::string &region)
{
    pn::PhoneNumber number;
    if (util().Parse(std::string(raw), region, &number) != pn::PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
    if (!util().IsValidNumber(number)) return std::nullopt;
    std::string e164;
    util().Format(number, pn::PhoneNumberUtil::E164, &e164);
    return e164;
}

Error unknown_region(std::string_view region)
{
    return Error{ErrorKind::invalid_argument,
                 "unknown phone region \"" + std::string(utf8::prefix(region, 64)) +
                     "\": expected an ISO 3166-1 alpha-2 code that libphonenumber supports, such as US"};
}

}  // namespace

Result<std::optional<std::string>> normalize_phone(std::string_view input, std::string_view region)
{
    std::optional<std::string> canonical = canonical_region(region);
    if (!canonical) return unknown_region(region);
    // Longer than any phone number: refused before the library, whose parse is quadratic in
    // the input (a 32 KB field took 9 s).
    const std::optional<std::string_view> capped = limits::within(input, limits::kPhone);
    if (!capped) return std::optional<std::string>();
    const std::string_view raw = *capped;
    if (!utf8::valid(raw)) return std::optional<std::string>();
    if (*canonical == "US" && us_parsing_simple()) {
        std::array<char, kMaxNsnLength + 1> digits;
        std::size_t n = 0;
        int country_code = 0;
        switch (classify(raw, digits, n, country_code)) {
        case Shape::invalid: return std::optional<std::string>();
        case Shape::national: {
            const CountryValidator *v = validator(country_code);
            if (v == nullptr) break;
            std::string_view nsn(digits.data(), n);
            if (n > kMaxNsnLength || !v->valid(nsn)) return std::optional<std::string>();
            std::string e164 = "+" + std::to_string(country_code);
            e164 += nsn;
            return std::optional<std::string>(std::move(e164));
        }
        case Shape::library: break;
        }
    }
    return library_route(raw, *canonical);
}

Result<std::optional<std::string>> normalize_phone_reference(std::string_view input, std::string_view region)
{
    std::optional<std::string> canonical = canonical_region(region);
    if (!canonical) return unknown_region(region);
    const std::optional<std::string_view> capped = limits::within(input, limits::kPhone);  // the same cap
    if (!capped) return std::optional<std::string>();
    const std::string_view raw = *capped;
    if (!utf8::valid(raw)) return std::optional<std::string>();
    return library_route(raw, *canonical);
}

}  // namespace outreach
