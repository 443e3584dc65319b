// Unit tests for extension/core/names.cpp: messy real-world inputs with exact expected outputs.
#include "core/names.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace outreach {
namespace {

struct Case {
    std::string input;
    std::optional<std::string> want;
};

using namespace std::string_literals;
const std::optional<std::string> kNull = std::nullopt;

// Prints a case readably in failure messages (bytes that are not printable ASCII as \xNN).
std::string show(const std::string &s)
{
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    return out.size() > 120 ? out.substr(0, 120) + "..." : out;
}

std::string show(const std::optional<std::string> &s) { return s ? "\"" + show(*s) + "\"" : "nullopt"; }

template <typename F>
void check_all(const std::vector<Case> &cases, F fn)
{
    for (const Case &c : cases) {
        const std::optional<std::string> got = fn(c.input);
        EXPECT_EQ(show(got), show(c.want)) << "input: \"" << show(c.input) << "\"";
    }
}

std::string repeat(std::string_view s, size_t n)
{
    std::string out;
    out.reserve(s.size() * n);
    for (size_t k = 0; k < n; ++k) out += s;
    return out;
}

// ---- normalize_email ----------------------------------------------------------------------

TEST(NormalizeEmail, MessyInputs)
{
    const std::string local64 = repeat("a", 64);
    const std::string label63 = repeat("b", 63);
    // 64 + 1 + (63 + 1 + 63 + 1 + 57 + 4) = 254 octets: the longest address RFC 5321 allows
    const std::string longest = local64 + "@" + label63 + "." + label63 + "." + repeat("c", 57) + ".com";
    ASSERT_EQ(longest.size(), 254u);
    const std::vector<Case> cases = {
        {"", kNull},
        {"   ", kNull},
        {"bob@x.com", "bob@x.com"},
        {"Bob@Example.COM", "bob@example.com"},
        {"<Bob@Example.COM>", "bob@example.com"},
        {"\"bob@x.com\"", "bob@x.com"},
        {"'bob@x.com'", "bob@x.com"},
        {"  \tbob@x.com \r\n", "bob@x.com"},
        {"mailto:bob@x.com", "bob@x.com"},
        {"MAILTO:Bob@X.com?subject=Hello", "bob@x.com"},
        {"<mailto:bob@x.com>", "bob@x.com"},
        {"Bob Smith <bob@x.com>", "bob@x.com"},
        {"\"Smith, Bob\" <Bob.Smith@Acme.co.uk>", "bob.smith@acme.co.uk"},
        {"Bob <bob@x.com", "bob@x.com"},
        {"bob@x.com (Bob Smith)", "bob@x.com"},
        {"bob@x.com.", "bob@x.com"},
        {"bob@x.com,", "bob@x.com"},
        {"bob@x.com;", "bob@x.com"},
        {"\xC2\xA0"
         "bob@x.com\xC2\xA0",
         "bob@x.com"},  // NBSP from a web page
        {"\xE2\x80\x9C"
         "bob@x.com\xE2\x80\x9D",
         "bob@x.com"},  // smart quotes
        {"\xEF\xBB\xBF"
         "bob@x.com",
         "bob@x.com"},  // BOM of the first cell
        {"\xE2\x80\x8B"
         "bob@x.com\xE2\x80\x8B",
         "bob@x.com"},                                   // zero-width spaces
        {"bob+leads@gmail.com", "bob+leads@gmail.com"},  // plus tag kept
        {"B.O.B@GMail.com", "b.o.b@gmail.com"},          // dots kept
        {"o'brien@x.com", "o'brien@x.com"},
        {"first_last-99@mail.sub.x.org", "first_last-99@mail.sub.x.org"},
        {"bob@x.xn--p1ai", "bob@x.xn--p1ai"},  // punycode TLD
        {"bob@my-site.io", "bob@my-site.io"},
        {"bob @x.com", kNull},
        {"bob@ x.com", kNull},
        {"bob smith@x.com", kNull},
        {"bob@@x.com", kNull},
        {"a@b@x.com", kNull},
        {"bob@x.com; jane@y.com", kNull},
        {"bob@x.com, jane@y.com", kNull},
        {"<a@x.com>, <b@y.com>", kNull},
        {"bob@localhost", kNull},
        {"bob", kNull},
        {"@x.com", kNull},
        {"bob@", kNull},
        {"bob..smith@x.com", kNull},
        {".bob@x.com", kNull},
        {"bob.@x.com", kNull},
        {"bob@x..com", kNull},
        {"bob@.x.com", kNull},
        {"bob@-x.com", kNull},
        {"bob@x-.com", kNull},
        {"bob@x_y.com", kNull},
        {"bob@x.c", kNull},
        {"bob@x.c0m", kNull},
        {"bob@x.123", kNull},
        {"bob@[192.168.0.1]", kNull},
        {"\"bob smith\"@x.com", kNull},
        {"bob,smith@x.com", kNull},
        {"bob(at)x.com", kNull},
        {"josé@x.com", kNull},  // non-ASCII: refused
        {"jose@café.com", kNull},
        {"jos\xE9@x.com", kNull},         // Latin-1 byte inside
        {"bob@x.com\x00"s, "bob@x.com"},  // trailing NUL trimmed
        {"bob\x00@x.com"s, kNull},        // NUL inside
        {"n/a", kNull},
        {"N/A", kNull},
        {"none", kNull},
        {"-", kNull},
        {"noemail@gmail.com", kNull},
        {"none@acme.com", kNull},
        {"NoEmail@NoEmail.com", kNull},
        {"bob@none.com", kNull},
        {"bob@mail.noemail.com", kNull},
        {"bob@notnone.com", "bob@notnone.com"},
        {longest, longest},
        {local64 + "a@x.com", kNull},                                                       // local part 65
        {"a@" + repeat("b", 64) + ".com", kNull},                                           // label 64
        {local64 + "@" + label63 + "." + label63 + "." + repeat("c", 58) + ".com", kNull},  // 255
        {repeat(" ", 1 << 20) + "bob@x.com", "bob@x.com"},
        {repeat("a", 1 << 20) + "@x.com", kNull},
        {repeat("@", 1 << 20), kNull},
    };
    check_all(cases, normalize_email);
}

TEST(NormalizeEmail, Idempotent)
{
    for (const char *s : {"<Bob@Example.COM>", "mailto:A.B+c@X.co.uk", "Bob <o'brien@x.com>."}) {
        const auto once = normalize_email(s);
        ASSERT_TRUE(once.has_value()) << s;
        EXPECT_EQ(normalize_email(*once), once) << s;
    }
}

// ---- normalize_name -----------------------------------------------------------------------

TEST(NormalizeName, MessyInputs)
{
    const std::vector<Case> cases = {
        {"", kNull},
        {"   \t\n ", kNull},
        {"!!!", kNull},
        {"12345", kNull},
        {"-", kNull},
        {"N/A", kNull},
        {"n/a", kNull},
        {"#N/A", kNull},
        {"NULL", kNull},
        {"none", kNull},
        {"Unknown", kNull},
        {"\"unknown\"", kNull},
        {"NA", kNull},   // R writes a missing value as NA ...
        {"NaN", kNull},  // ... and pandas as NaN
        {"Na", "Na"},    // but Na and Nan are names
        {"Nan", "Nan"},
        {"First Name", kNull},  // a header row that slipped into the data
        {"john smith", "John Smith"},
        {"JOHN SMITH", "John Smith"},
        {"  John    SMITH  ", "John Smith"},
        {"john SMITH", "John Smith"},
        {"jOHN sMITH", "John Smith"},
        {"JOHN SMITH III", "John Smith III"},
        {"john smith jr", "John Smith Jr."},
        {"JOHN SMITH, JR.", "John Smith, Jr."},
        {"John Smith 3rd", "John Smith III"},
        {"jane doe phd", "Jane Doe PhD"},
        {"DR. JOHN SMITH MD", "Dr. John Smith MD"},
        {"SMITH,JOHN", "Smith, John"},
        {"smith , john", "Smith, John"},
        {",John Smith,", "John Smith"},
        {"O'BRIEN", "O'Brien"},
        {"o\xE2\x80\x99"
         "brien",
         "O'Brien"},  // typographic apostrophe
        {"d'angelo", "D'Angelo"},
        {"MCDONALD", "McDonald"},
        {"McDONALD", "McDonald"},
        {"MACDONALD", "MacDonald"},
        {"MACK", "Mack"},  // not MacK
        {"macias", "Macias"},
        {"ANNE-MARIE", "Anne-Marie"},
        {"mary\xE2\x80\x93kate", "Mary-Kate"},  // en dash
        {"anne - marie", "Anne Marie"},
        {"SEAN O'MALLEY-SMITH", "Sean O'Malley-Smith"},
        {"DeShawn", "DeShawn"},
        {"McKenzie", "McKenzie"},
        {"LaToya Jackson", "LaToya Jackson"},
        {"VAN DER BERG", "Van der Berg"},
        {"pieter van der berg", "Pieter van der Berg"},
        {"PIETER VAN DER BERG JR", "Pieter van der Berg Jr."},
        {"Ludwig van Beethoven", "Ludwig van Beethoven"},
        {"Vincent Van Gogh", "Vincent Van Gogh"},  // typed that way: kept
        {"de la Cruz", "de la Cruz"},
        {"JUAN DE LA CRUZ", "Juan de la Cruz"},
        {"NGUYEN LE", "Nguyen Le"},  // last word is never a particle
        {"j.r.r. tolkien", "J.R.R. Tolkien"},
        {"john q public", "John Q Public"},
        {"JOSÉ ÑÚÑEZ", "José Ñúñez"},
        {"ÅSA", "Åsa"},
        {"JOSE\xCC\x81", "José"},  // combining accent composed
        {"Jos\xE9 Garc\xED"
         "a",
         "José García"},                                               // Windows-1252 bytes
        {"\xEF\xBC\xAA\xEF\xBC\xAF\xEF\xBC\xA8\xEF\xBC\xAE", "John"},  // full-width JOHN
        {"ΟΔΥΣΣΕΑΣ", "Οδυσσεας"},                                      // final sigma
        {"王小明", "王小明"},
        {"김민수", "김민수"},
        {"Иван ПЕТРОВ", "Иван Петров"},
        {"John \xF0\x9F\x99\x82 Smith", "John Smith"},  // emoji
        {"John\xE2\x80\x8B Smith", "John Smith"},       // zero-width space
        {"Jo\xC2\xADhn", "John"},                       // soft hyphen
        {"John\x00Smith"s, "John Smith"},
        {"John2 Smith", "John Smith"},
        {"John Smith bob@x.com", "John Smith"},
        {"Robert \"Bob\" Smith", "Robert Bob Smith"},
        {"Smith (Jones)", "Smith Jones"},
        {"\xFF\xFE", "Ÿþ"},
        {"'John'", "John"},
        {"?", kNull},
        {"ó", "Ó"},  // one accented initial
        {"x", kNull},
        {repeat("JOHN ", 51) + "JOHN", kNull},                         // 259 bytes: over the cap
        {repeat("JOHN ", 50) + "JOHN", repeat("John ", 50) + "John"},  // 254 bytes: within the cap
        {repeat("JOHN ", 200000), kNull},                              // longer than any name (limits.hpp)
        {repeat("'", 1 << 20), kNull},
    };
    check_all(cases, normalize_name);
}

TEST(NormalizeName, LongRunsOfMarksAreCut)
{
    // 252 bytes of alternating combining marks: at most 30 survive
    const auto n = normalize_name("a" + repeat("\xCC\x81\xCC\x96", 63));
    ASSERT_TRUE(n.has_value());
    EXPECT_LE(n->size(), 62u);
    EXPECT_EQ(n->substr(0, 2), "Á");  // a + U+0301 composed, then capitalized
}

// Turkish İ lower-cases to ASCII i and dotless ı title-cases to ASCII I: the decisions (suffix
// or not) are made on the word as the output writes it, so the output is a fixed point.
TEST(NormalizeName, TurkishIIsJudgedAsWritten)
{
    const std::vector<Case> cases = {
        {"n\xB4I\xC4\xB0", "N II"},  // fuzz: "n´Iİ" came out as "N Ii", which is "N II"
        {"X \xC4\xB1i", "X II"},     // "X ıi" title-cases to "X Ii"
        {"\xC3\x87"
         "EL\xC4\xB0K",
         "\xC3\x87"
         "elik"},  // ÇELİK -> Çelik
        {"\xC4\xB0STANBUL", "Istanbul"},
    };
    check_all(cases, normalize_name);
    for (const Case &c : cases) {
        const auto once = normalize_name(c.input);
        ASSERT_TRUE(once.has_value()) << show(c.input);
        EXPECT_EQ(show(normalize_name(*once)), show(once)) << show(c.input);
    }
}

// ---- name_key -----------------------------------------------------------------------------

TEST(NameKey, MessyInputs)
{
    const std::vector<Case> cases = {
        {"", kNull},
        {"     ", kNull},
        {"---", kNull},
        {"\x00\x00"s, kNull},
        {"\xF0\x9F\x98\x80", kNull},  // only an emoji
        {"John Smith", "john smith"},
        {"  John   SMITH  ", "john smith"},
        {"José", "jose"},
        {"JOSÉ", "jose"},
        {"Jose\xCC\x81", "jose"},  // decomposed accent
        {"Müller", "muller"},
        {"Øster", "oster"},
        {"Straße", "strasse"},
        {"Łukasz", "lukasz"},
        {"Æsa Þór Đorđe", "aesa thor dorde"},
        {"Nguyễn Thị Minh Khai", "nguyen thi minh khai"},
        {"O'Brien", "obrien"},
        {"O\xE2\x80\x99"
         "Brien",
         "obrien"},
        {"D'Angelo", "dangelo"},
        {"Anne-Marie", "anne marie"},
        {"Anne\xE2\x80\x94Marie", "anne marie"},  // em dash
        {"J.R.R. Tolkien", "j r r tolkien"},
        {"Smith, John", "smith john"},
        {"Smith,John", "smith john"},
        {"John\tSmith\r\n", "john smith"},
        {"John\x00Smith"s, "john smith"},
        {"John \xF0\x9F\x99\x82 Smith", "john smith"},
        {"Jo\xE2\x80\x8Bhn", "john"},  // zero-width space inside
        {"Jo\xC2\xADhn", "john"},      // soft hyphen inside
        {"John Smith 3rd", "john smith 3rd"},
        {"Jos\xE9", "jose"},  // Windows-1252 é
        {"M\xFCller", "muller"},
        {"ab\x80"
         "cd",
         "ab cd"},                                                     // 0x80 is the euro sign
        {"\xEF\xBC\xAA\xEF\xBD\x8F\xEF\xBD\x88\xEF\xBD\x8E", "john"},  // full-width
        {"\xEF\xAC\x81nn", "finn"},                                    // fi ligature
        {"İlker", "ilker"},
        {"Игорь Стравинский", "igor stravinskij"},
        {"Ελευθέριος", "eleutherios"},
        {"王小明", "wang xiao ming"},
        {"김민수", "gimminsu"},
        {"محمد", "mhmd"},
        {"٣٤", "34"},
        {"Mc Donald", "mc donald"},
        {"N/A", kNull},  // placeholders are no name: never a key
        {"#N/A", kNull},
        {"unknown", kNull},
        {" NULL ", kNull},
        {"NA", kNull},
        {"Na", "na"},                                         // ... but Na is a name
        {repeat("José ", 42), repeat("jose ", 41) + "jose"},  // 252 bytes
        {repeat("José ", 200000), kNull},                     // longer than any name (limits.hpp)
        {repeat("a", 256), repeat("a", 256)},
        {repeat("a", 1 << 20), kNull},
    };
    check_all(cases, name_key);
}

TEST(NameKey, AgreesAfterNormalizeName)
{
    for (const char *s : {"JOSÉ ÑÚÑEZ", "o'brien", "VAN DER BERG", "Anne-Marie"}) {
        const auto n = normalize_name(s);
        ASSERT_TRUE(n.has_value()) << s;
        EXPECT_EQ(name_key(*n), name_key(s)) << s;
    }
}

TEST(FoldToAsciiLower, KeepsPunctuation)
{
    EXPECT_EQ(fold_to_ascii_lower("José O’Brien-Smith!"), "jose o'brien-smith!");
    EXPECT_EQ(fold_to_ascii_lower("ABC"), "abc");
    EXPECT_EQ(fold_to_ascii_lower(""), "");
}

// ---- normalize_business_name --------------------------------------------------------------

TEST(NormalizeBusinessName, MessyInputs)
{
    const std::vector<Case> cases = {
        {"", kNull},
        {"   ", kNull},
        {"...", kNull},
        {"\xF0\x9F\x8D\x95", kNull},
        {"Smith & Sons, LLC", "smith and sons"},
        {"Smith and Sons L.L.C.", "smith and sons"},
        {"Acme Co., Inc.", "acme"},
        {"ACME INCORPORATED", "acme"},
        {"Acme Corp.", "acme"},
        {"Acme Corporation", "acme"},
        {"Acme L L C", "acme"},
        {"Acme, P.C.", "acme"},
        {"Acme P.A.", "acme"},
        {"Acme PLLC", "acme"},
        {"Acme, L.L.L.P.", "acme"},
        {"Acme Pty Ltd", "acme"},
        {"Acme Limited Liability Company", "acme"},
        {"Café Müller GmbH", "cafe muller"},
        {"Ford Motor Company", "ford motor"},
        {"The Company Store", "company store"},  // Company is only a suffix at the end
        {"The Home Depot, Inc.", "home depot"},
        {"Incorporated Plumbing Co", "incorporated plumbing"},
        {"Smith & Co.", "smith"},
        {"J.P. Morgan Chase & Co.", "jp morgan chase"},
        {"AT&T Inc.", "at and t"},
        {"A+ Plumbing", "a and plumbing"},
        {"McDonald's Corporation", "mcdonalds"},
        {"Amazon.com, Inc.", "amazon com"},
        {"7-Eleven, Inc.", "7 eleven"},
        {"3M Company", "3m"},
        {"Acme dba Best Plumbing", "best plumbing"},
        {"Acme Holdings LLC d/b/a Joe's Pizza", "joes pizza"},
        {"Acme Holdings, LLC DBA Joe's Pizza, Inc.", "joes pizza"},
        {"Acme Holdings Doing Business As Quick Fix", "quick fix"},
        {"Joe's Pizza D.B.A.", "joes pizza"},  // nothing after dba: the legal name
        {"LLC", "llc"},                        // nothing would be left: keep it
        {"The LLC", "llc"},
        {"The", "the"},
        {"Inc. Co.", "inc"},
        {"&", "and"},
        {"  ACME\tPLUMBING\r\n", "acme plumbing"},
        {"Acme\x00Plumbing"s, "acme plumbing"},
        {"Acme Plumbing \xE2\x84\xA2", "acme plumbing"},  // trademark sign
        {"B\xE4"
         "ckerei Schmidt GmbH",
         "backerei schmidt"},  // Windows-1252 ä
        {"Москва Строй ООО", "moskva stroj ooo"},
        {repeat("Acme ", 100) + "LLC", repeat("acme ", 99) + "acme"},  // 503 bytes: within the cap
        {repeat("Acme ", 200000) + "LLC", kNull},                      // longer than any business name
    };
    check_all(cases, normalize_business_name);
}

TEST(NormalizeBusinessName, Idempotent)
{
    for (const char *s : {"The The Store LLC", "Smith & Co Inc", "dba dba", "Acme dba", "The Co Inc"}) {
        const auto once = normalize_business_name(s);
        ASSERT_TRUE(once.has_value()) << s;
        EXPECT_EQ(normalize_business_name(*once), once) << s;
    }
}

}  // namespace
}  // namespace outreach
