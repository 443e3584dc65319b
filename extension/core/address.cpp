#include "address.hpp"

// US postal addresses: street lines after USPS Publication 28, ZIP codes and states.
//
// Decisions worth knowing (test/unit/address_test.cpp pins each of them):
//  - Text is folded to upper-case ASCII first: accents dropped through the ICU NFKD decomposition
//    of each character (Peña -> PENA), a few letters NFKD leaves alone spelled out (ß -> SS,
//    Ø -> O, Ł -> L), invalid UTF-8 bytes read as Windows-1252 (spreadsheets saved as Latin-1),
//    anything else (emoji, other scripts) becomes a separator.
//  - A street word is abbreviated only where it plays that role: the suffix is the last street
//    word (before a post-directional or a unit), a directional only before or after the name, and
//    never when it would leave no name ("100 North St" -> 100 NORTH ST, "45 Avenue of the
//    Americas" is kept).
//  - Unit designators (Appendix C2) take their standard abbreviation ("Apt #4" -> APT 4). A bare
//    "#4" or "No. 4" with no designator stays a number sign: "# 4", as Pub 28 writes it.
//  - Numbered routes are spelled out ("Hwy 1", "Highway 1" -> HIGHWAY 1; "County Rd 12" ->
//    COUNTY ROAD 12), as Pub 28 writes highway names, so both spellings meet.
//  - P.O. boxes ("P.O. Box 12", "Post Office Box 12", "POB 12") -> PO BOX 12; rural routes -> RR.
//  - The result is idempotent: normalize_street(*normalize_street(x)) == normalize_street(x). The
//    fuzzer (test/fuzz/address_fuzz.cpp) checks it; every rule below decides on features that
//    survive normalization so that it holds.
//  - Tables are static data indexed once, on first use; the per-call scratch buffers are
//    thread_local and reused, so a call on ASCII input allocates only the result string.

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "limits.hpp"

namespace outreach {
namespace {

using namespace std::string_view_literals;

// ASCII character classes (std::isalpha and friends depend on the C locale).
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_alpha(char c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }
constexpr bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }

// True when `s` contains a digit anywhere (a house or unit number: 12, 4B, N6W23001).
bool has_digit(std::string_view s)
{
    for (char c : s)
        if (is_digit(c)) return true;
    return false;
}

// True when `s` is non-empty and all digits.
bool all_digits(std::string_view s)
{
    if (s.empty()) return false;
    for (char c : s)
        if (!is_digit(c)) return false;
    return true;
}

// ---------------------------------------------------------------------------------------------
// Folding to upper-case ASCII
// ---------------------------------------------------------------------------------------------

// Windows-1252 meaning of the bytes 0x80..0x9F (0 where the code page leaves it undefined). A byte
// that is not part of valid UTF-8 is read in this code page, the usual encoding of a CSV file that
// was not saved as UTF-8; 0xA0..0xFF are the Latin-1 code points.
constexpr std::array<std::uint16_t, 32> kCp1252High = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                       0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                                       0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                       0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Reads one character of `s` at `i` and advances `i` past it. Well-formed UTF-8 gives its code
// point; any other byte is taken alone as Windows-1252 (-1 where that is undefined).
std::int32_t next_code_point(std::string_view s, std::size_t &i)
{
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        ++i;
        return c;
    }
    std::size_t len = 0;
    std::int32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    }
    bool ok = len != 0 && s.size() - i >= len;
    for (std::size_t k = 1; ok && k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) ok = false;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (ok &&
        ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)))
        ok = false;
    if (ok) {
        i += len;
        return cp;
    }
    ++i;  // not UTF-8: this byte alone, as Windows-1252
    if (c >= 0xA0) return c;
    const std::uint16_t w = kCp1252High[c - 0x80];
    return w == 0 ? -1 : w;
}

// ASCII spellings for characters whose NFKD decomposition has no ASCII letter in it (ß, Ø, Ł ...)
// or that are punctuation we want to keep recognisable (dashes, apostrophes). "" drops the
// character (invisible format characters), nullptr means "not listed here".
const char *special_spelling(std::int32_t cp)
{
    switch (cp) {
    // clang-format off
    case 0x00DF: case 0x1E9E: return "SS";
    case 0x00C6: case 0x00E6: return "AE";
    case 0x0152: case 0x0153: return "OE";
    case 0x00D8: case 0x00F8: return "O";
    case 0x00D0: case 0x00F0: case 0x0110: case 0x0111: return "D";
    case 0x00DE: case 0x00FE: return "TH";
    case 0x0141: case 0x0142: case 0x013F: case 0x0140: return "L";
    case 0x0131: return "I";
    case 0x0126: case 0x0127: return "H";
    case 0x0166: case 0x0167: return "T";
    case 0x0138: return "K";
    case 0x014A: case 0x014B: return "NG";
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:
    case 0x2212: case 0xFE58: case 0xFE63:
        return "-";
    case 0x2018: case 0x2019: case 0x201B: case 0x2032: case 0x02B9: case 0x02BB:
    case 0x02BC: case 0x00B4:
        return "'";
    case 0x201C: case 0x201D: case 0x201E: case 0x2033: return "\"";
    case 0x2044: case 0x2215: return "/";
    case 0x200B: return " ";
    case 0x00AD: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF: return "";
    default: return nullptr;
        // clang-format on
    }
}

// The ICU NFKD normalizer: a process-wide singleton owned by ICU, looked up once. nullptr if ICU
// cannot load its data, in which case non-ASCII letters simply become separators.
const icu::Normalizer2 *nfkd()
{
    static const icu::Normalizer2 *const instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2 *n = icu::Normalizer2::getNFKDInstance(status);
        return U_SUCCESS(status) ? n : nullptr;
    }();
    return instance;
}

// One ASCII byte, upper-cased. Tab, CR, LF and the like become spaces; NUL and the other control
// characters become '?', which every caller treats as junk.
char ascii_upper(unsigned char c)
{
    if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
    if (c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return ' ';
    if (c < 0x20 || c == 0x7F) return '?';
    return static_cast<char>(c);
}

// Feeds `sink` the fold of one code point that is not decomposed further. Returns false when
// the sink asked to stop.
template <typename Sink>
bool fold_simple(std::int32_t cp, Sink &sink)
{
    if (cp >= 0 && cp < 0x80) return sink(ascii_upper(static_cast<unsigned char>(cp)));
    if (const char *s = special_spelling(cp)) {
        for (; *s; ++s)
            if (!sink(*s)) return false;
        return true;
    }
    if (cp >= 0 && (U_GET_GC_MASK(cp) & U_GC_M_MASK) != 0) return true;  // combining accent
    return sink('?');
}

// Feeds `sink` the upper-case ASCII fold of `raw`, one char at a time (see the notes at the top).
// `sink(char)` returns false to stop early, which bounds the work on huge inputs.
template <typename Sink>
void fold_ascii_upper(std::string_view raw, Sink &&sink)
{
    std::size_t i = 0;
    while (i < raw.size()) {
        const auto b = static_cast<unsigned char>(raw[i]);
        if (b < 0x80) {
            ++i;
            if (!sink(ascii_upper(b))) return;
            continue;
        }
        const std::int32_t cp = next_code_point(raw, i);
        // A vulgar fraction is a word of its own: 123½ is 123 1/2, not 1231/2.
        if (((cp >= 0xBC && cp <= 0xBE) || (cp >= 0x2150 && cp <= 0x215F)) && !sink(' ')) return;
        if (cp >= 0 && special_spelling(cp) == nullptr) {
            if (const icu::Normalizer2 *n = nfkd()) {
                icu::UnicodeString d;  // short decompositions live in its inline buffer
                if (n->getDecomposition(cp, d)) {
                    for (std::int32_t k = 0; k < d.length();) {
                        const UChar32 c = d.char32At(k);
                        k += U16_LENGTH(c);
                        if (!fold_simple(c, sink)) return;
                    }
                    continue;
                }
            }
        }
        if (!fold_simple(cp, sink)) return;
    }
}

// ---------------------------------------------------------------------------------------------
// Lookup tables
// ---------------------------------------------------------------------------------------------

using WordIndex = std::unordered_map<std::string_view, std::size_t>;

// Calls f(word) for each space-separated word of `list`.
template <typename F>
void for_each_word(std::string_view list, F &&f)
{
    while (!list.empty()) {
        const std::size_t sp = list.find(' ');
        if (sp != 0) f(list.substr(0, sp));
        if (sp == std::string_view::npos) break;
        list.remove_prefix(sp + 1);
    }
}

// Street suffixes, USPS Publication 28, Appendix C1: the standard abbreviation, the primary
// name, and the other spellings that map to it ("common suffix abbreviations" in C1, plus RT for
// ROUTE which is common in our data).
struct Suffix {
    std::string_view abbr;
    std::string_view name;
    std::string_view variants;
};
constexpr Suffix kSuffixes[] = {
    {"ALY", "ALLEY", "ALLEE ALLY"},
    {"ANX", "ANEX", "ANNEX ANNX"},
    {"ARC", "ARCADE", ""},
    {"AVE", "AVENUE", "AV AVEN AVENU AVN AVNUE"},
    {"BYU", "BAYOU", "BAYOO"},
    {"BCH", "BEACH", ""},
    {"BND", "BEND", ""},
    {"BLF", "BLUFF", "BLUF"},
    {"BLFS", "BLUFFS", ""},
    {"BTM", "BOTTOM", "BOT BOTTM"},
    {"BLVD", "BOULEVARD", "BOUL BOULV"},
    {"BR", "BRANCH", "BRNCH"},
    {"BRG", "BRIDGE", "BRDGE"},
    {"BRK", "BROOK", ""},
    {"BRKS", "BROOKS", ""},
    {"BG", "BURG", ""},
    {"BGS", "BURGS", ""},
    {"BYP", "BYPASS", "BYPA BYPAS BYPS"},
    {"CP", "CAMP", "CMP"},
    {"CYN", "CANYON", "CANYN CNYN"},
    {"CPE", "CAPE", ""},
    {"CSWY", "CAUSEWAY", "CAUSWA"},
    {"CTR", "CENTER", "CEN CENT CENTR CENTRE CNTER CNTR"},
    {"CTRS", "CENTERS", ""},
    {"CIR", "CIRCLE", "CIRC CIRCL CRCL CRCLE"},
    {"CIRS", "CIRCLES", ""},
    {"CLF", "CLIFF", ""},
    {"CLFS", "CLIFFS", ""},
    {"CLB", "CLUB", ""},
    {"CMN", "COMMON", ""},
    {"CMNS", "COMMONS", ""},
    {"COR", "CORNER", ""},
    {"CORS", "CORNERS", ""},
    {"CRSE", "COURSE", ""},
    {"CT", "COURT", ""},
    {"CTS", "COURTS", ""},
    {"CV", "COVE", ""},
    {"CVS", "COVES", ""},
    {"CRK", "CREEK", ""},
    {"CRES", "CRESCENT", "CRSENT CRSNT"},
    {"CRST", "CREST", ""},
    {"XING", "CROSSING", "CRSSNG"},
    {"XRD", "CROSSROAD", ""},
    {"XRDS", "CROSSROADS", ""},
    {"CURV", "CURVE", ""},
    {"DL", "DALE", ""},
    {"DM", "DAM", ""},
    {"DV", "DIVIDE", "DIV DVD"},
    {"DR", "DRIVE", "DRIV DRV"},
    {"DRS", "DRIVES", ""},
    {"EST", "ESTATE", ""},
    {"ESTS", "ESTATES", ""},
    {"EXPY", "EXPRESSWAY", "EXP EXPR EXPRESS EXPW"},
    {"EXT", "EXTENSION", "EXTN EXTNSN"},
    {"EXTS", "EXTENSIONS", ""},
    {"FALL", "FALL", ""},
    {"FLS", "FALLS", ""},
    {"FRY", "FERRY", "FRRY"},
    {"FLD", "FIELD", ""},
    {"FLDS", "FIELDS", ""},
    {"FLT", "FLAT", ""},
    {"FLTS", "FLATS", ""},
    {"FRD", "FORD", ""},
    {"FRDS", "FORDS", ""},
    {"FRST", "FOREST", "FORESTS"},
    {"FRG", "FORGE", "FORG"},
    {"FRGS", "FORGES", ""},
    {"FRK", "FORK", ""},
    {"FRKS", "FORKS", ""},
    {"FT", "FORT", "FRT"},
    {"FWY", "FREEWAY", "FREEWY FRWAY FRWY"},
    {"GDN", "GARDEN", "GARDN GRDEN GRDN"},
    {"GDNS", "GARDENS", "GRDNS"},
    {"GTWY", "GATEWAY", "GATEWY GATWAY GTWAY"},
    {"GLN", "GLEN", ""},
    {"GLNS", "GLENS", ""},
    {"GRN", "GREEN", ""},
    {"GRNS", "GREENS", ""},
    {"GRV", "GROVE", "GROV"},
    {"GRVS", "GROVES", ""},
    {"HBR", "HARBOR", "HARB HARBR HRBOR"},
    {"HBRS", "HARBORS", ""},
    {"HVN", "HAVEN", ""},
    {"HTS", "HEIGHTS", "HT"},
    {"HWY", "HIGHWAY", "HIGHWY HIWAY HIWY HWAY"},
    {"HL", "HILL", ""},
    {"HLS", "HILLS", ""},
    {"HOLW", "HOLLOW", "HLLW HOLLOWS HOLWS"},
    {"INLT", "INLET", ""},
    {"IS", "ISLAND", "ISLND"},
    {"ISS", "ISLANDS", "ISLNDS"},
    {"ISLE", "ISLE", "ISLES"},
    {"JCT", "JUNCTION", "JCTION JCTN JUNCTN JUNCTON"},
    {"JCTS", "JUNCTIONS", "JCTNS"},
    {"KY", "KEY", ""},
    {"KYS", "KEYS", ""},
    {"KNL", "KNOLL", "KNOL"},
    {"KNLS", "KNOLLS", ""},
    {"LK", "LAKE", ""},
    {"LKS", "LAKES", ""},
    {"LAND", "LAND", ""},
    {"LNDG", "LANDING", "LNDNG"},
    {"LN", "LANE", ""},
    {"LGT", "LIGHT", ""},
    {"LGTS", "LIGHTS", ""},
    {"LF", "LOAF", ""},
    {"LCK", "LOCK", ""},
    {"LCKS", "LOCKS", ""},
    {"LDG", "LODGE", "LDGE LODG"},
    {"LOOP", "LOOP", "LOOPS"},
    {"MALL", "MALL", ""},
    {"MNR", "MANOR", ""},
    {"MNRS", "MANORS", ""},
    {"MDW", "MEADOW", ""},
    {"MDWS", "MEADOWS", "MEDOWS"},
    {"MEWS", "MEWS", ""},
    {"ML", "MILL", ""},
    {"MLS", "MILLS", ""},
    {"MSN", "MISSION", "MISSN MSSN"},
    {"MTWY", "MOTORWAY", ""},
    {"MT", "MOUNT", "MNT"},
    {"MTN", "MOUNTAIN", "MNTAIN MNTN MOUNTIN MTIN"},
    {"MTNS", "MOUNTAINS", "MNTNS"},
    {"NCK", "NECK", ""},
    {"ORCH", "ORCHARD", "ORCHRD"},
    {"OVAL", "OVAL", "OVL"},
    {"OPAS", "OVERPASS", ""},
    {"PARK", "PARK", "PRK PARKS"},
    {"PKWY", "PARKWAY", "PARKWY PKWAY PKY PARKWAYS PKWYS"},
    {"PASS", "PASS", ""},
    {"PSGE", "PASSAGE", ""},
    {"PATH", "PATH", "PATHS"},
    {"PIKE", "PIKE", "PIKES"},
    {"PNE", "PINE", ""},
    {"PNES", "PINES", ""},
    {"PL", "PLACE", ""},
    {"PLN", "PLAIN", ""},
    {"PLNS", "PLAINS", ""},
    {"PLZ", "PLAZA", "PLZA"},
    {"PT", "POINT", ""},
    {"PTS", "POINTS", ""},
    {"PRT", "PORT", ""},
    {"PRTS", "PORTS", ""},
    {"PR", "PRAIRIE", "PRR"},
    {"RADL", "RADIAL", "RAD RADIEL"},
    {"RAMP", "RAMP", ""},
    {"RNCH", "RANCH", "RANCHES RNCHS"},
    {"RPD", "RAPID", ""},
    {"RPDS", "RAPIDS", ""},
    {"RST", "REST", ""},
    {"RDG", "RIDGE", "RDGE"},
    {"RDGS", "RIDGES", ""},
    {"RIV", "RIVER", "RVR RIVR"},
    {"RD", "ROAD", ""},
    {"RDS", "ROADS", ""},
    {"RTE", "ROUTE", "RT"},
    {"ROW", "ROW", ""},
    {"RUE", "RUE", ""},
    {"RUN", "RUN", ""},
    {"SHL", "SHOAL", ""},
    {"SHLS", "SHOALS", ""},
    {"SHR", "SHORE", "SHOAR"},
    {"SHRS", "SHORES", "SHOARS"},
    {"SKWY", "SKYWAY", ""},
    {"SPG", "SPRING", "SPNG SPRNG"},
    {"SPGS", "SPRINGS", "SPNGS SPRNGS"},
    {"SPUR", "SPUR", "SPURS"},
    {"SQ", "SQUARE", "SQR SQRE SQU"},
    {"SQS", "SQUARES", "SQRS"},
    {"STA", "STATION", "STATN STN"},
    {"STRA", "STRAVENUE", "STRAV STRAVEN STRAVN STRVN STRVNUE"},
    {"STRM", "STREAM", "STREME"},
    {"ST", "STREET", "STRT STR"},
    {"STS", "STREETS", ""},
    {"SMT", "SUMMIT", "SUMIT SUMITT"},
    {"TER", "TERRACE", "TERR"},
    {"TRWY", "THROUGHWAY", ""},
    {"TRCE", "TRACE", "TRACES"},
    {"TRAK", "TRACK", "TRACKS TRK TRKS"},
    {"TRFY", "TRAFFICWAY", ""},
    {"TRL", "TRAIL", "TRAILS TRLS"},
    {"TRLR", "TRAILER", "TRLRS"},
    {"TUNL", "TUNNEL", "TUNEL TUNLS TUNNELS TUNNL"},
    {"TPKE", "TURNPIKE", "TRNPK TURNPK"},
    {"UPAS", "UNDERPASS", ""},
    {"UN", "UNION", ""},
    {"UNS", "UNIONS", ""},
    {"VLY", "VALLEY", "VALLY VLLY"},
    {"VLYS", "VALLEYS", ""},
    {"VIA", "VIADUCT", "VDCT VIADCT"},
    {"VW", "VIEW", ""},
    {"VWS", "VIEWS", ""},
    {"VLG", "VILLAGE", "VILL VILLAG VILLG VILLIAGE"},
    {"VLGS", "VILLAGES", ""},
    {"VL", "VILLE", ""},
    {"VIS", "VISTA", "VIST VST VSTA"},
    {"WALK", "WALK", "WALKS"},
    {"WALL", "WALL", ""},
    {"WAY", "WAY", "WY"},
    {"WAYS", "WAYS", ""},
    {"WL", "WELL", ""},
    {"WLS", "WELLS", ""},
};

// Secondary unit designators, USPS Publication 28, Appendix C2. `range` is true when Pub 28
// requires a secondary number after the designator (APT 4); false for BSMT, FRNT, LBBY, LOWR,
// OFC, PH, REAR, SIDE, UPPR, which stand alone.
struct Designator {
    std::string_view abbr;
    std::string_view name;
    std::string_view variants;
    bool range;
};
constexpr Designator kDesignators[] = {
    {"APT", "APARTMENT", "APTS", true}, {"BSMT", "BASEMENT", "", false}, {"BLDG", "BUILDING", "BLD BLDNG BLDGS", true},
    {"DEPT", "DEPARTMENT", "", true},   {"FL", "FLOOR", "FLR", true},    {"FRNT", "FRONT", "", false},
    {"HNGR", "HANGAR", "HANGER", true}, {"KEY", "KEY", "", true},        {"LBBY", "LOBBY", "", false},
    {"LOT", "LOT", "", true},           {"LOWR", "LOWER", "", false},    {"OFC", "OFFICE", "", false},
    {"PH", "PENTHOUSE", "", false},     {"PIER", "PIER", "", true},      {"REAR", "REAR", "", false},
    {"RM", "ROOM", "", true},           {"SIDE", "SIDE", "", false},     {"SLIP", "SLIP", "", true},
    {"SPC", "SPACE", "", true},         {"STOP", "STOP", "", true},      {"STE", "SUITE", "SUIT", true},
    {"TRLR", "TRAILER", "TRLRS", true},  // every C1 spelling of TRAILER, see is_plain_suffix()
    {"UNIT", "UNIT", "UNT", true},      {"UPPR", "UPPER", "", false},
};

// Indexes rows of `table` by abbreviation, name and variants. Abbreviations go in first so that
// an abbreviation always maps to its own row (idempotence), whatever the variant lists say.
template <typename Row, std::size_t N>
WordIndex index_rows(const Row (&table)[N])
{
    WordIndex m;
    for (std::size_t i = 0; i < N; ++i) m.emplace(table[i].abbr, i);
    for (std::size_t i = 0; i < N; ++i) m.emplace(table[i].name, i);
    for (std::size_t i = 0; i < N; ++i) for_each_word(table[i].variants, [&](std::string_view w) { m.emplace(w, i); });
    return m;
}

// The C1 row for a street suffix spelling, or nullptr.
const Suffix *find_suffix(std::string_view w)
{
    static const WordIndex index = index_rows(kSuffixes);
    const auto it = index.find(w);
    return it == index.end() ? nullptr : &kSuffixes[it->second];
}

// The C2 row for a unit designator spelling, or nullptr.
const Designator *find_designator(std::string_view w)
{
    static const WordIndex index = index_rows(kDesignators);
    const auto it = index.find(w);
    return it == index.end() ? nullptr : &kDesignators[it->second];
}

// Directionals as Pub 28 abbreviates them (N, NE, ... SW): the abbreviation of a directional word,
// or "" if `w` is not one. `axis` tells single points apart so that "NORTH WEST" can be read as NW: 1 for N/S, 2 for
// E/W, 0 for the compound points.
struct Directional {
    std::string_view abbr;
    int axis;
};
Directional find_directional(std::string_view w)
{
    static const std::unordered_map<std::string_view, Directional> index = {
        {"NORTH", {"N", 1}},      {"N", {"N", 1}},   {"SOUTH", {"S", 1}},      {"S", {"S", 1}},
        {"EAST", {"E", 2}},       {"E", {"E", 2}},   {"WEST", {"W", 2}},       {"W", {"W", 2}},
        {"NORTHEAST", {"NE", 0}}, {"NE", {"NE", 0}}, {"NORTHWEST", {"NW", 0}}, {"NW", {"NW", 0}},
        {"SOUTHEAST", {"SE", 0}}, {"SE", {"SE", 0}}, {"SOUTHWEST", {"SW", 0}}, {"SW", {"SW", 0}},
    };
    const auto it = index.find(w);
    return it == index.end() ? Directional{"", -1} : it->second;
}

// True for a directional word or abbreviation.
bool is_directional(std::string_view w) { return !find_directional(w).abbr.empty(); }

// The two-letter point for a N/S word followed by an E/W word ("NORTH","WEST" -> "NW"), or "".
std::string_view combined_directional(std::string_view a, std::string_view b)
{
    const Directional da = find_directional(a), db = find_directional(b);
    if (da.axis != 1 || db.axis != 2) return {};
    static constexpr std::string_view kPoints[2][2] = {{"NE", "NW"}, {"SE", "SW"}};
    return kPoints[da.abbr == "S"][db.abbr == "W"];
}

// Spelled-out ordinals: "FIFTH" -> 5, "TWENTIETH" -> 20 (0 if not one).
int ordinal_word(std::string_view w)
{
    static const std::unordered_map<std::string_view, int> index = {
        {"FIRST", 1},       {"SECOND", 2},     {"THIRD", 3},       {"FOURTH", 4},       {"FIFTH", 5},
        {"SIXTH", 6},       {"SEVENTH", 7},    {"EIGHTH", 8},      {"NINTH", 9},        {"NINETH", 9},
        {"TENTH", 10},      {"ELEVENTH", 11},  {"TWELFTH", 12},    {"TWELVTH", 12},     {"THIRTEENTH", 13},
        {"FOURTEENTH", 14}, {"FIFTEENTH", 15}, {"SIXTEENTH", 16},  {"SEVENTEENTH", 17}, {"EIGHTEENTH", 18},
        {"NINETEENTH", 19}, {"TWENTIETH", 20}, {"THIRTIETH", 30},  {"FORTIETH", 40},    {"FOURTIETH", 40},
        {"FIFTIETH", 50},   {"SIXTIETH", 60},  {"SEVENTIETH", 70}, {"EIGHTIETH", 80},   {"NINETIETH", 90},
        {"HUNDREDTH", 100},
    };
    const auto it = index.find(w);
    return it == index.end() ? 0 : it->second;
}
// "TWENTY" -> 20 ... "NINETY" -> 90, for "TWENTY FIRST"; 0 if not one.
int tens_word(std::string_view w)
{
    static const std::unordered_map<std::string_view, int> index = {
        {"TWENTY", 20}, {"THIRTY", 30},  {"FORTY", 40},  {"FOURTY", 40}, {"FIFTY", 50},
        {"SIXTY", 60},  {"SEVENTY", 70}, {"EIGHTY", 80}, {"NINETY", 90},
    };
    const auto it = index.find(w);
    return it == index.end() ? 0 : it->second;
}

// The English ordinal suffix of the number spelled by `digits` (1ST, 2ND, 3RD, 11TH, 112TH).
std::string_view ordinal_suffix(std::string_view digits)
{
    const int last = digits.back() - '0';
    const int tens = digits.size() > 1 ? digits[digits.size() - 2] - '0' : 0;
    if (tens == 1) return "TH";
    switch (last) {
    case 1: return "ST";
    case 2: return "ND";
    case 3: return "RD";
    default: return "TH";
    }
}

// "1ST" ... "100TH", built once; the text of a spelled-out ordinal.
std::string_view ordinal_text(int n)
{
    static const std::array<std::string, 101> texts = [] {
        std::array<std::string, 101> t;
        for (int i = 1; i <= 100; ++i) {
            t[i] = std::to_string(i);
            t[i] += ordinal_suffix(t[i]);
        }
        return t;
    }();
    return texts[n];
}

// The letters of a numeric ordinal, written alone ("5 TH").
bool is_ordinal_suffix_word(std::string_view t) { return t == "ST" || t == "ND" || t == "RD" || t == "TH"; }

// True for a numeric ordinal token: digits then ST/ND/RD/TH ("5TH", "21ST").
bool is_numeric_ordinal(std::string_view t)
{
    if (t.size() < 3 || !all_digits(t.substr(0, t.size() - 2))) return false;
    return is_ordinal_suffix_word(t.substr(t.size() - 2));
}

// FLOOR, FLR or FL.
bool is_floor_word(std::string_view t)
{
    const Designator *d = find_designator(t);
    return d != nullptr && d->abbr == "FL";
}

// A street suffix whose C1 row has nothing to do with a unit designator: not TRAILER/TRLR nor
// KEY/KY (KEY is also a C2 designator). Judged by row, so a word and its abbreviation agree.
// (Abbreviating a suffix must never turn a non-designator into a designator, or a second pass
// would find a unit the first did not: hence TRLRS is listed as a C2 spelling too.)
bool is_plain_suffix(std::string_view t)
{
    const Suffix *s = find_suffix(t);
    return s != nullptr && find_designator(s->abbr) == nullptr && find_designator(s->name) == nullptr;
}

// C1 rows that name numbered routes: "HWY 1" is spelled HIGHWAY 1, "CO RD 12" COUNTY ROAD 12.
bool is_route_word(const Suffix *s)
{
    if (s == nullptr) return false;
    for (std::string_view a : {"HWY"sv, "RD"sv, "RTE"sv, "FWY"sv, "EXPY"sv, "TPKE"sv})
        if (s->abbr == a) return true;
    return false;
}

// ---------------------------------------------------------------------------------------------
// Street line
// ---------------------------------------------------------------------------------------------

// Per-thread buffers reused across calls, so that normalizing a million rows does not allocate
// a million times. Trimmed back when a giant input has inflated them.
struct Scratch {
    std::string folded;
    std::string cleaned;
    std::vector<std::string_view> a;
    std::vector<std::string_view> b;

    void release_if_large()
    {
        constexpr std::size_t kKeep = 1 << 16;
        if (folded.capacity() > kKeep) std::string().swap(folded);
        if (cleaned.capacity() > kKeep) std::string().swap(cleaned);
        if (a.capacity() > kKeep / 8) std::vector<std::string_view>().swap(a);
        if (b.capacity() > kKeep / 8) std::vector<std::string_view>().swap(b);
    }
};

// Punctuation after Pub 28: letters and digits stay; apostrophes vanish (O'NEIL -> ONEIL); a
// period vanishes inside an initialism (N.W., P.O., J.F.K.) and separates otherwise (ST.APT);
// a hyphen or slash survives only inside a number (123-45, 4-B, 1/2); '#' becomes its own word;
// everything else separates.
void clean_punctuation(std::string_view f, std::string &out)
{
    out.clear();
    out.reserve(f.size() + 8);
    const std::size_t n = f.size();
    auto at = [&](std::size_t i) { return i < n ? f[i] : ' '; };
    for (std::size_t i = 0; i < n; ++i) {
        const char c = f[i];
        if (is_alnum(c)) {
            out += c;
        } else if (c == '\'' || c == '`') {
            // dropped
        } else if (c == '.') {
            const bool single_before = i >= 1 && is_alpha(f[i - 1]) && (i < 2 || !is_alpha(f[i - 2]));
            const bool single_after = is_alpha(at(i + 1)) && !is_alpha(at(i + 2));
            if (!(single_before && single_after)) out += ' ';
        } else if (c == '#') {
            out += " # ";
        } else if (c == '-' && i >= 1 && is_alnum(f[i - 1]) && is_alnum(at(i + 1)) &&
                   (is_digit(f[i - 1]) || is_digit(at(i + 1)))) {
            out += '-';
        } else if (c == '/' && i >= 1 && is_digit(f[i - 1]) && is_digit(at(i + 1))) {
            out += '/';
        } else {
            out += ' ';
        }
    }
}

// Splits the cleaned line on spaces into views of it.
void tokenize(std::string_view s, std::vector<std::string_view> &out)
{
    out.clear();
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ') ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
}

// Joins tokens with single spaces.
void append_word(std::string &out, std::string_view w)
{
    if (!out.empty()) out += ' ';
    out += w;
}

// True when the number `digits` and the word `suf` are one ordinal written apart: "5 TH", or
// "1 ST" before a street suffix ("1 ST AVE"). ST/ND/RD otherwise stay apart (a street named
// 1 ST). `after` is the word after `suf`, or "". Street suffixes are words that no later stage
// creates or removes, so a second pass decides the same.
bool joins_ordinal(std::string_view digits, std::string_view suf, std::string_view after)
{
    if (!all_digits(digits) || suf != ordinal_suffix(digits)) return false;
    return suf == "TH" || is_plain_suffix(after);
}

// Stage 1: number signs tidied (none first or last, never two in a row), spelled-out ordinals
// turned into numbers (FIFTH -> 5TH, TWENTY FIRST -> 21ST), and split ordinals joined (5 TH ->
// 5TH; 1 ST AVE -> 1ST AVE, but 1 ST alone stays a street named 1). Joining rewrites `buf` in
// place: the suffix moves left to touch the digits.
void stage_ordinals(std::string &buf, const std::vector<std::string_view> &in, std::vector<std::string_view> &out)
{
    out.clear();
    const std::size_t n = in.size();
    for (std::size_t i = 0; i < n; ++i) {
        const std::string_view t = in[i];
        if (t == "#") {
            if (!out.empty() && out.back() != "#") out.push_back(t);
            continue;
        }
        if (const int tens = tens_word(t); tens != 0 && i + 1 < n) {
            const int unit = ordinal_word(in[i + 1]);
            if (unit >= 1 && unit <= 9) {
                out.push_back(ordinal_text(tens + unit));
                ++i;
                continue;
            }
        }
        if (const int ord = ordinal_word(t); ord != 0) {
            out.push_back(ordinal_text(ord));
            continue;
        }
        if (i + 1 < n && joins_ordinal(t, in[i + 1], i + 2 < n ? in[i + 2] : ""sv)) {
            const std::string_view suf = in[i + 1];
            const char *base = buf.data();
            if (t.data() >= base && suf.data() + suf.size() <= base + buf.size()) {
                const auto off = static_cast<std::size_t>(t.data() - base);
                std::memmove(buf.data() + off + t.size(), suf.data(), suf.size());
                out.push_back(std::string_view(buf.data() + off, t.size() + suf.size()));
                ++i;
                continue;
            }
        }
        out.push_back(t);
    }
    while (!out.empty() && out.back() == "#") out.pop_back();
}

// True when `t` is `prefix` followed by digits only (BOX12); `rest` gets the digits.
bool digits_after(std::string_view t, std::string_view prefix, std::string_view &rest)
{
    if (t.size() <= prefix.size() || t.substr(0, prefix.size()) != prefix || !all_digits(t.substr(prefix.size())))
        return false;
    rest = t.substr(prefix.size());
    return true;
}

// P.O. boxes and rural routes have no street to parse: "PO BOX" or "RR" then the rest of the
// line as written, minus number signs and a "NO" before the box number. Returns false when the
// line is not one of them. `words` is scratch space.
bool po_box_or_rural_route(const std::vector<std::string_view> &t, std::vector<std::string_view> &words,
                           std::string &out)
{
    const std::size_t n = t.size();
    auto is = [&](std::size_t i, std::string_view w) { return i < n && t[i] == w; };
    std::string_view glued;  // digits glued to the keyword, as in POBOX12
    // The index after BOX (or BOX12) at i, else 0.
    auto box = [&](std::size_t i) -> std::size_t {
        if (is(i, "BOX") || (i < n && digits_after(t[i], "BOX", glued))) return i + 1;
        return 0;
    };
    std::size_t next = 0;  // first token after the keyword; 0 while nothing matched
    std::string_view head = "PO BOX";
    if (is(0, "PO"))
        next = box(1);
    else if (is(0, "P") && is(1, "O"))
        next = is(2, "B") ? 3 : box(2);
    else if (is(0, "POST") && is(1, "OFFICE"))
        next = box(2);
    else if (is(0, "POSTOFFICE"))
        next = box(1);
    else if (is(0, "POB") || is(0, "POBOX"))
        next = 1;
    else if (n > 0 && (digits_after(t[0], "POBOX", glued) || digits_after(t[0], "POB", glued)))
        next = 1;
    if (next == 0) {
        head = "RR";
        if (is(0, "RR"))
            next = 1;
        else if (is(0, "R") && is(1, "R"))
            next = 2;
        else if (is(0, "RURAL") && (is(1, "ROUTE") || is(1, "RTE") || is(1, "RT")))
            next = 2;
    }
    if (next == 0) return false;
    // The words to write: glued digits, then the rest without '#' and without a NO before the
    // number. Ordinals split by a removed '#' are joined as stage_ordinals() would ("0 # TH").
    words.clear();
    if (!glued.empty()) words.push_back(glued);
    for (std::size_t i = next; i < n; ++i) {
        if (t[i] == "#") continue;
        if (words.empty() && (t[i] == "NO" || t[i] == "NUMBER")) {
            std::size_t j = i + 1;  // the next word that will be written
            while (j < n && t[j] == "#") ++j;
            if (j < n && has_digit(t[j])) continue;
        }
        words.push_back(t[i]);
    }
    out.clear();
    out += head;
    for (std::size_t k = 0; k < words.size(); ++k) {
        append_word(out, words[k]);
        if (k + 1 < words.size() && joins_ordinal(words[k], words[k + 1], k + 2 < words.size() ? words[k + 2] : ""sv)) {
            out += words[k + 1];
            ++k;
        }
    }
    return true;
}

struct StreetParse {
    const std::vector<std::string_view> &t;
    std::size_t street_start;  // 1 when t[0] is a house number
    std::size_t last_nondir;   // index of the last token that is not a directional, or npos

    // Designators may start at this index: after at least one street word, or anywhere when
    // there is no house number (a line that is only "Suite 200").
    bool eligible(std::size_t i) const { return i > street_start || street_start == 0; }

    // A secondary number: has a digit, or is a single letter (APT B), or is a directional with
    // only directionals after it (APT N, SPC NORTH WEST) -- a directional elsewhere is part of
    // the street.
    bool unit_id(std::size_t i) const
    {
        if (i >= t.size()) return false;
        const std::string_view w = t[i];
        if (has_digit(w)) return true;
        if (is_directional(w)) return last_nondir == std::string_view::npos || i > last_nondir;
        return w.size() == 1 && is_upper(w[0]);
    }

    // Where the secondary unit starts: the first '#', or the first eligible C2 designator that
    // Pub 28 would read as one (with its number, or, for designators without a range, at the
    // end or before another unit).
    std::size_t unit_start() const
    {
        const std::size_t n = t.size();
        for (std::size_t i = 0; i < n; ++i) {
            if (t[i] == "#") return i;
            if (!eligible(i)) continue;
            const Designator *d = find_designator(t[i]);
            if (d == nullptr) continue;
            const bool hash_next = i + 1 < n && t[i + 1] == "#";
            const bool ok = d->range
                                ? unit_id(i + 1) || (hash_next && unit_id(i + 2))
                                : i + 1 == n || unit_id(i + 1) || hash_next || find_designator(t[i + 1]) != nullptr;
            if (ok) return i;
        }
        return n;
    }
};

// Stage 2, once the house number is known: "NO 4" -> "# 4", glued units split (APT4 -> APT 4,
// SUITE200 -> STE 200), and "3RD FLOOR" -> "FL 3". Only where a unit may start, so that a street
// called "No Name Rd" keeps its name.
void stage_units(const std::vector<std::string_view> &in, std::size_t street_start, std::vector<std::string_view> &out)
{
    out.clear();
    auto eligible = [&](std::size_t o) { return o > street_start || street_start == 0; };
    auto push_hash = [&] {
        if (out.back() != "#") out.push_back("#");
    };
    const std::size_t n = in.size();
    for (std::size_t i = 0; i < n; ++i) {
        const std::string_view t = in[i];
        const std::size_t o = out.size();
        if (o >= 1 && eligible(o) && (t == "NO" || t == "NUMBER") && i + 1 < n && has_digit(in[i + 1])) {
            push_hash();
            continue;
        }
        if (eligible(o) && !t.empty() && is_upper(t[0])) {
            std::size_t p = 0;
            while (p < t.size() && is_upper(t[p])) ++p;
            // Not when the number would then join the next word: "RM5 TH" split would read as
            // "RM 5TH" next time.
            const bool joins_next =
                i + 1 < n && p < t.size() && joins_ordinal(t.substr(p), in[i + 1], i + 2 < n ? in[i + 2] : ""sv);
            if (p >= 2 && p < t.size() && is_digit(t[p]) && !joins_next) {
                const std::string_view letters = t.substr(0, p);
                const Designator *d = find_designator(letters);
                if (letters == "NO" && o >= 1) {
                    push_hash();
                    out.push_back(t.substr(p));
                    continue;
                }
                if (d != nullptr && d->range) {
                    out.push_back(d->abbr);
                    out.push_back(t.substr(p));
                    continue;
                }
            }
        }
        out.push_back(t);
    }
    // "3RD FLOOR" -> "FL 3", in place and after the rewrites above so that it sees final
    // neighbours. Only before a word that is plainly not the floor's own number: not before a
    // number or letter ("3RD FL 2", "3RD FL B"), a directional, '#', another floor word, a lone
    // ordinal suffix or a street suffix. Those are what an earlier rewrite or a later stage can
    // leave behind or respell ("2ND 3RD FLOOR" -> 2ND FL 3; RD -> ROAD before a route number),
    // and reading the result again must change nothing.
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        if (!eligible(i) || !is_numeric_ordinal(out[i]) || !is_floor_word(out[i + 1])) continue;
        if (i + 2 < out.size()) {
            const std::string_view x = out[i + 2];
            if (has_digit(x) || x.size() == 1 || x == "#" || is_floor_word(x) || is_ordinal_suffix_word(x) ||
                is_directional(x) || find_suffix(x) != nullptr)
                continue;
        }
        out[i + 1] = out[i].substr(0, out[i].size() - 2);
        out[i] = "FL";
        ++i;
    }
}

}  // namespace

// Canonical US street line after USPS Publication 28 (see the notes at the top of this file):
// folding, punctuation, then the line read as house number, pre-directional, name, suffix
// (Appendix C1), post-directional and secondary unit (Appendix C2), each put in standard form.
// nullopt when no word is left. Never throws for bad input; only std::bad_alloc can escape.
static std::optional<std::string> normalize_street_uncapped(std::string_view raw);

std::optional<std::string> normalize_street(std::string_view raw)
{
    const std::optional<std::string_view> in = limits::within(raw, limits::kStreet);
    if (!in) return std::nullopt;
    std::optional<std::string> out = normalize_street_uncapped(*in);
    if (out && out->size() > limits::kStreet) return std::nullopt;  // so that every result is an input
    return out;
}

static std::optional<std::string> normalize_street_uncapped(std::string_view raw)
{
    thread_local Scratch s;
    struct Release {
        Scratch &s;
        ~Release() { s.release_if_large(); }
    } release{s};

    s.folded.clear();
    s.folded.reserve(raw.size());
    fold_ascii_upper(raw, [&](char c) {
        s.folded += c;
        return true;
    });
    clean_punctuation(s.folded, s.cleaned);
    tokenize(s.cleaned, s.a);
    stage_ordinals(s.cleaned, s.a, s.b);
    if (s.b.empty()) return std::nullopt;

    std::string out;
    out.reserve(s.cleaned.size());
    if (po_box_or_rural_route(s.b, s.a, out)) return out;

    const std::string_view first = s.b.front();
    const std::size_t street_start = has_digit(first) && !is_numeric_ordinal(first) ? 1 : 0;
    stage_units(s.b, street_start, s.a);
    const std::vector<std::string_view> &t = s.a;
    const std::size_t n = t.size();

    std::size_t last_nondir = std::string_view::npos;
    for (std::size_t i = 0; i < n; ++i)
        if (!is_directional(t[i])) last_nondir = i;
    const StreetParse parse{t, street_start, last_nondir};
    const std::size_t unit = parse.unit_start();

    // The street words [b, e) between house number and unit.
    std::size_t b = street_start, e = unit;
    if (street_start == 1) append_word(out, t[0]);
    std::string_view predir, suffix, postdir;
    if (e - b >= 3 && !(postdir = combined_directional(t[e - 2], t[e - 1])).empty()) {
        e -= 2;
    } else if (e - b >= 2 && is_directional(t[e - 1])) {
        postdir = find_directional(t[e - 1]).abbr;
        e -= 1;
    }
    if (e - b >= 2) {
        if (const Suffix *sfx = find_suffix(t[e - 1])) {
            suffix = sfx->abbr;
            e -= 1;
        }
    }
    if (e - b >= 3 && !(predir = combined_directional(t[b], t[b + 1])).empty()) {
        b += 2;
    } else if (e - b >= 2 && is_directional(t[b])) {
        predir = find_directional(t[b]).abbr;
        b += 1;
    }
    if (!predir.empty()) append_word(out, predir);
    for (std::size_t i = b; i < e; ++i) {
        const Suffix *route = find_suffix(t[i]);
        if (i + 1 < e && is_route_word(route) && has_digit(t[i + 1]))
            append_word(out, route->name);
        else
            append_word(out, t[i]);
    }
    if (!suffix.empty()) append_word(out, suffix);
    if (!postdir.empty()) append_word(out, postdir);

    // The unit: designators abbreviated; '#' dropped right after a designator ("APT # 4").
    for (std::size_t i = unit; i < n; ++i) {
        if (t[i] == "#") {
            if (i > unit && find_designator(t[i - 1]) != nullptr && parse.unit_id(i + 1)) continue;
            append_word(out, "#");
        } else if (const Designator *d = find_designator(t[i])) {
            append_word(out, d->abbr);
        } else {
            append_word(out, t[i]);
        }
    }
    if (out.empty()) return std::nullopt;
    return out;
}

// ---------------------------------------------------------------------------------------------
// ZIP code
// ---------------------------------------------------------------------------------------------

// Five-digit ZIP from what spreadsheets and forms hand us: surrounding spaces, an Excel text
// marker ('02134 or ="02134"), a float (2134.0), ZIP+4 with a hyphen, a space or nothing between,
// and leading zeros lost to a numeric column (2134 -> 02134; 21341234 -> 02134). Rejects letters,
// fewer than 3 or more than 9 digits, and prefixes 000 (no ZIP code starts with 000; 00000 is the
// usual placeholder for "unknown").
std::optional<std::string> normalize_zip(std::string_view raw)
{
    auto trim = [](std::string_view v) {
        auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
        while (!v.empty() && space(v.front())) v.remove_prefix(1);
        while (!v.empty() && space(v.back())) v.remove_suffix(1);
        return v;
    };
    std::string_view v = trim(raw);
    if (v.size() > limits::kZip) return std::nullopt;
    if (v.size() >= 3 && v.substr(0, 2) == "=\"" && v.back() == '"')
        v = v.substr(2, v.size() - 3);
    else if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
        v = v.substr(1, v.size() - 2);
    else if (!v.empty() && v.front() == '\'')
        v.remove_prefix(1);
    v = trim(v);

    std::size_t i = 0;
    while (i < v.size() && is_digit(v[i])) ++i;
    const std::string_view zip = v.substr(0, i);
    std::string_view rest = v.substr(i);
    std::size_t digits = zip.size();  // the number as a whole, for 9-digit forms
    bool plus4 = false;
    if (rest.size() == 5 && (rest[0] == '-' || rest[0] == ' ') && all_digits(rest.substr(1))) {
        plus4 = true;
    } else if (!rest.empty() && rest[0] == '.') {  // 2134.0 from a float column
        for (char c : rest.substr(1))
            if (c != '0') return std::nullopt;
    } else if (!rest.empty()) {
        return std::nullopt;
    }
    std::string out;
    if (plus4 || digits <= 5) {
        if (digits < 3 || digits > 5) return std::nullopt;
        out.assign(5 - digits, '0');
        out += zip;
    } else {
        if (digits < 7 || digits > 9) return std::nullopt;  // 6 digits would be ZIP 000xx
        out.assign(9 - digits, '0');
        out += zip.substr(0, digits - 4);
    }
    if (out.compare(0, 3, "000") == 0) return std::nullopt;
    return out;
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

// USPS two-letter codes with their names and the abbreviations found in older data (AP style and
// the Government Printing Office list: Calif., Mass., N. Dak., Penna., Wash. ...). Names are
// matched with spaces removed, so the spacing in this table is for the reader.
namespace {

struct StateRow {
    std::string_view code;
    std::string_view names;  // '|' separated
};
constexpr StateRow kStates[] = {
    {"AL", "ALABAMA|ALA"},
    {"AK", "ALASKA|ALAS"},
    {"AZ", "ARIZONA|ARIZ"},
    {"AR", "ARKANSAS|ARK"},
    {"CA", "CALIFORNIA|CALIF|CAL"},
    {"CO", "COLORADO|COLO"},
    {"CT", "CONNECTICUT|CONN"},
    {"DE", "DELAWARE|DEL"},
    {"DC", "DISTRICT OF COLUMBIA|WASHINGTON DC|WASH DC|DIST OF COLUMBIA|DIST COLUMBIA"},
    {"FL", "FLORIDA|FLA"},
    {"GA", "GEORGIA"},
    {"HI", "HAWAII"},
    {"ID", "IDAHO|IDA"},
    {"IL", "ILLINOIS|ILL|ILLS"},
    {"IN", "INDIANA|IND"},
    {"IA", "IOWA"},
    {"KS", "KANSAS|KAN|KANS"},
    {"KY", "KENTUCKY"},
    {"LA", "LOUISIANA"},
    {"ME", "MAINE"},
    {"MD", "MARYLAND"},
    {"MA", "MASSACHUSETTS|MASS"},
    {"MI", "MICHIGAN|MICH"},
    {"MN", "MINNESOTA|MINN"},
    {"MS", "MISSISSIPPI|MISS"},
    {"MO", "MISSOURI"},
    {"MT", "MONTANA|MONT"},
    {"NE", "NEBRASKA|NEB|NEBR"},
    {"NV", "NEVADA|NEV"},
    {"NH", "NEW HAMPSHIRE"},
    {"NJ", "NEW JERSEY"},
    {"NM", "NEW MEXICO|N MEX"},
    {"NY", "NEW YORK"},
    {"NC", "NORTH CAROLINA|N CAR"},
    {"ND", "NORTH DAKOTA|N DAK"},
    {"OH", "OHIO"},
    {"OK", "OKLAHOMA|OKLA"},
    {"OR", "OREGON|ORE|OREG"},
    {"PA", "PENNSYLVANIA|PENN|PENNA"},
    {"RI", "RHODE ISLAND"},
    {"SC", "SOUTH CAROLINA|S CAR"},
    {"SD", "SOUTH DAKOTA|S DAK"},
    {"TN", "TENNESSEE|TENN"},
    {"TX", "TEXAS|TEX"},
    {"UT", "UTAH"},
    {"VT", "VERMONT"},
    {"VA", "VIRGINIA"},
    {"WA", "WASHINGTON|WASH|WASHINGTON STATE"},
    {"WV", "WEST VIRGINIA|W VA"},
    {"WI", "WISCONSIN|WIS|WISC"},
    {"WY", "WYOMING|WYO"},
    {"AS", "AMERICAN SAMOA"},
    {"GU", "GUAM"},
    {"MP", "NORTHERN MARIANA ISLANDS|NORTHERN MARIANAS|NORTHERN MARIANA IS|MARIANA ISLANDS|CNMI"},
    {"PR", "PUERTO RICO"},
    {"VI", "VIRGIN ISLANDS|US VIRGIN ISLANDS|UNITED STATES VIRGIN ISLANDS|USVI|VIRGIN IS"},
    {"FM", "FEDERATED STATES OF MICRONESIA|MICRONESIA"},
    {"MH", "MARSHALL ISLANDS"},
    {"PW", "PALAU"},
    {"AA", "ARMED FORCES AMERICAS|ARMED FORCES AMERICA"},
    {"AE", "ARMED FORCES EUROPE|ARMED FORCES AFRICA|ARMED FORCES CANADA|ARMED FORCES MIDDLE EAST"},
    {"AP", "ARMED FORCES PACIFIC"},
};

struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Name or code (spaces removed) -> row of kStates, built once.
const StateRow *find_state(std::string_view key)
{
    using Index = std::unordered_map<std::string, std::size_t, TransparentHash, std::equal_to<>>;
    static const Index index = [] {
        Index m;
        for (std::size_t i = 0; i < std::size(kStates); ++i) {
            m.emplace(std::string(kStates[i].code), i);
            std::string_view names = kStates[i].names;
            while (!names.empty()) {
                const std::size_t bar = names.find('|');
                std::string packed;  // the name without its spaces
                for (char c : names.substr(0, bar))
                    if (c != ' ') packed += c;
                m.emplace(std::move(packed), i);
                if (bar == std::string_view::npos) break;
                names.remove_prefix(bar + 1);
            }
        }
        return m;
    }();
    const auto it = index.find(key);
    return it == index.end() ? nullptr : &kStates[it->second];
}

}  // namespace

// USPS two-letter code from a code or a name in any case, spacing and punctuation ("n.y.",
// "NEW  YORK", "Washington, D.C.", "N. Dak."). Letters are kept, spaces and . , - ' _ ignored,
// anything else (digits, symbols, unknown characters) means it is not a state: nullopt.
std::optional<std::string> normalize_state(std::string_view raw)
{
    const std::optional<std::string_view> in = limits::within(raw, limits::kState);
    if (!in) return std::nullopt;
    raw = *in;
    char key[48];
    std::size_t k = 0;
    bool bad = false;
    fold_ascii_upper(raw, [&](char c) {
        if (is_upper(c) && k < sizeof key) {
            key[k++] = c;
            return true;
        }
        if (c == ' ' || c == '.' || c == ',' || c == '-' || c == '\'' || c == '_') return true;
        bad = true;  // a digit, a symbol, an unknown character, or far too long for a state
        return false;
    });
    if (bad || k == 0) return std::nullopt;
    std::string_view v(key, k);
    for (std::string_view prefix : {"STATEOF"sv, "COMMONWEALTHOF"sv, "TERRITORYOF"sv}) {
        if (v.size() > prefix.size() && v.substr(0, prefix.size()) == prefix) {
            v.remove_prefix(prefix.size());
            if (v.size() > 3 && v.substr(0, 3) == "THE") v.remove_prefix(3);
            break;
        }
    }
    const StateRow *row = find_state(v);
    if (row == nullptr) return std::nullopt;
    return std::string(row->code);
}

}  // namespace outreach
