// Unit tests for extension/core/address.cpp: street lines (USPS Publication 28), ZIP codes and
// states, on the kind of input spreadsheets and web forms actually produce. Every case asserts
// the exact output; street outputs are also checked to be fixed points of normalize_street.
#include "core/address.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

using namespace std::string_view_literals;
using outreach::normalize_state;
using outreach::normalize_street;
using outreach::normalize_zip;

namespace {

struct Case {
    std::string_view input;
    std::optional<std::string_view> want;  // nullopt: the function must reject the input
};

// Readable test names in gtest output, with control and non-ASCII bytes escaped.
void PrintTo(const Case &c, std::ostream *os)
{
    *os << '"';
    for (unsigned char ch : c.input) {
        if (ch >= 0x20 && ch < 0x7F) {
            *os << ch;
        } else {
            static const char hex[] = "0123456789abcdef";
            *os << "\\x" << hex[ch >> 4] << hex[ch & 15];
        }
    }
    *os << "\" -> " << (c.want ? std::string(*c.want) : std::string("nullopt"));
}

std::optional<std::string> want_of(const Case &c)
{
    if (!c.want) return std::nullopt;
    return std::string(*c.want);
}

// --- normalize_street -------------------------------------------------------------------------

const std::vector<Case> kStreetCases = {
    // The example from the header, both spellings.
    {"123 North Main St., Apt 4", "123 N MAIN ST APT 4"},
    {"123 N MAIN STREET APT 4", "123 N MAIN ST APT 4"},
    // Nothing left.
    {"", std::nullopt},
    {"   \t\r\n  ", std::nullopt},
    {" .,;- # ", std::nullopt},
    {"\x80\x81\x8d", std::nullopt},      // Windows-1252 bytes with no letter in them
    {"\xF0\x9F\x8F\xA0", std::nullopt},  // an emoji alone
    // Suffixes only where they act as suffixes (Pub 28, Appendix C1).
    {"123 Court St", "123 COURT ST"},
    {"45 Avenue of the Americas", "45 AVENUE OF THE AMERICAS"},
    {"1600 Pennsylvania Avenue NW", "1600 PENNSYLVANIA AVE NW"},
    {"12 Lakeview Terrace", "12 LAKEVIEW TER"},
    {"9 Oak Parkway", "9 OAK PKWY"},
    {"77 Sunset Boulv.", "77 SUNSET BLVD"},
    {"1 St Marks Pl", "1 ST MARKS PL"},
    {"10 Downing", "10 DOWNING"},
    // Directionals: pre and post, but never the whole name.
    {"500 Main St Northwest", "500 MAIN ST NW"},
    {"500 main st. n.w.", "500 MAIN ST NW"},
    {"100 North St", "100 NORTH ST"},
    {"North Ave", "NORTH AVE"},
    {"123 N. W. 5th St", "123 NW 5TH ST"},
    {"123 South West St", "123 S WEST ST"},
    {"100 Avenue North", "100 AVENUE N"},
    // Ordinal street names.
    {"Fifth Avenue", "5TH AVE"},
    {"210 W 5 th St", "210 W 5TH ST"},
    {"123 Twenty-First Street", "123 21ST ST"},
    {"123 W. Twenty Third St.", "123 W 23RD ST"},
    {"1 Fortieth St", "1 40TH ST"},
    // Units (Pub 28, Appendix C2) and number signs.
    {"123 Main St #4", "123 MAIN ST # 4"},
    {"123 Main St # 4", "123 MAIN ST # 4"},
    {"123 Main St No. 4", "123 MAIN ST # 4"},
    {"123 Main St Apt #4", "123 MAIN ST APT 4"},
    {"123 Main Street Apartment 4B", "123 MAIN ST APT 4B"},
    {"123 Main St., Suite #200", "123 MAIN ST STE 200"},
    {"100 Congress Ave Suite200", "100 CONGRESS AVE STE 200"},
    {"123 Main St Ste. 200-B", "123 MAIN ST STE 200-B"},
    {"123 Main St Bldg C Rm 101", "123 MAIN ST BLDG C RM 101"},
    {"123 Main St Apt N", "123 MAIN ST APT N"},
    {"123 Main St Penthouse", "123 MAIN ST PH"},
    {"123 Main St Upper", "123 MAIN ST UPPR"},
    {"350 Fifth Ave, 3rd Floor", "350 5TH AVE FL 3"},
    {"4 E 17th St #5B", "4 E 17TH ST # 5B"},
    {"Apartment 4", "APT 4"},
    {"#123 Main St", "123 MAIN ST"},
    // Words that are designators elsewhere keep their place in a street name.
    {"1 Front St", "1 FRONT ST"},
    {"1 Front St Rear", "1 FRONT ST REAR"},
    {"1 Lower Main St", "1 LOWER MAIN ST"},
    {"123 Old Key West Rd", "123 OLD KEY WEST RD"},
    {"123 No Name Rd", "123 NO NAME RD"},
    // P.O. boxes and rural routes.
    {"P.O. Box 12", "PO BOX 12"},
    {"Post Office Box 12", "PO BOX 12"},
    {"POB 12", "PO BOX 12"},
    {"p o box #12", "PO BOX 12"},
    {"POBOX12", "PO BOX 12"},
    {"Rural Route 2 Box 15", "RR 2 BOX 15"},
    // Numbered routes are spelled out.
    {"123 Hwy 1", "123 HIGHWAY 1"},
    {"123 County Rd 12", "123 COUNTY ROAD 12"},
    // House numbers as written.
    {"123-45 Queens Blvd", "123-45 QUEENS BLVD"},
    {"123 1/2 Main St", "123 1/2 MAIN ST"},
    {"123\xC2\xBD Main St", "123 1/2 MAIN ST"},  // 123½
    {"N6W23001 Bluemound Rd", "N6W23001 BLUEMOUND RD"},
    // Punctuation, spacing, case.
    {"  123   main\tst\n", "123 MAIN ST"},
    {"O'Connor Blvd", "OCONNOR BLVD"},
    {"123 Martin Luther King Jr. Blvd.", "123 MARTIN LUTHER KING JR BLVD"},
    {"J.F.K. Blvd", "JFK BLVD"},
    {"123 Main St.Apt 4", "123 MAIN ST APT 4"},
    {"123 Smith-Jones Rd", "123 SMITH JONES RD"},
    {"123 Main St \xE2\x80\x93 Apt 4", "123 MAIN ST APT 4"},  // en dash
    // Unicode and broken encodings.
    {"12 Calle Pe\xC3\xB1"
     "a",
     "12 CALLE PENA"},  // UTF-8
    {"12 Calle Pe\xF1"
     "a",
     "12 CALLE PENA"},  // Latin-1 byte
    {"12 Calle Pen\xCC\x83"
     "a",
     "12 CALLE PENA"},  // combining tilde
    {"123 Stra\xC3\x9F"
     "e",
     "123 STRASSE"},
    {"\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93 \xEF\xBC\xAD\xEF\xBD\x81\xEF\xBD\x89\xEF\xBD\x8E "
     "\xEF\xBC\xB3\xEF\xBD\x94",
     "123 MAIN ST"},  // full-width "１２３ Ｍａｉｎ Ｓｔ"
    {"123 Main St \xF0\x9F\x8F\xA0", "123 MAIN ST"},
    {"123 Main\0St"sv, "123 MAIN ST"},
    {"\xEF\xBB\xBF"
     "123 Main St",
     "123 MAIN ST"},                            // byte order mark from a CSV export
    {"123 Main St \xC3\x28", "123 MAIN ST A"},  // invalid UTF-8: the lead byte is read as Ã
};

class StreetTest : public ::testing::TestWithParam<Case> {};

TEST_P(StreetTest, Normalizes)
{
    const Case &c = GetParam();
    const auto got = normalize_street(c.input);
    EXPECT_EQ(got, want_of(c));
    if (got) {
        EXPECT_EQ(normalize_street(*got), got) << "not idempotent";
    }
}

INSTANTIATE_TEST_SUITE_P(Address, StreetTest, ::testing::ValuesIn(kStreetCases));

// Several spellings of one address meet in one string.
TEST(Street, SpellingsOfOneAddressAreEqual)
{
    const std::vector<std::vector<std::string_view>> groups = {
        {"123 North Main St., Apt 4", "123 N MAIN STREET APT 4", "123 n. main str apartment #4",
         "123 North Main Street, Apt. No. 4"},
        {"500 Main Street Northwest", "500 main st. n.w.", "500 MAIN ST NW", "500 Main St North West"},
        {"Fifth Avenue", "5th Ave", "5 th Ave.", "FIFTH AV"},
        {"P.O. Box 12", "PO BOX 12", "Post Office Box #12", "pob 12", "P. O. Box No. 12"},
        {"100 Congress Avenue, Suite 200", "100 Congress Ave Ste. 200", "100 CONGRESS AVE STE200"},
        {"12 Calle Pe\xC3\xB1"
         "a",
         "12 Calle Pe\xF1"
         "a",
         "12 CALLE PENA"},
        {"350 Fifth Ave, 3rd Floor", "350 5th Avenue Fl 3", "350 Fifth Avenue Floor 3"},
        {"1600 Pennsylvania Ave. N.W.", "1600 Pennsylvania Avenue Northwest"},
        {"123 Hwy 1", "123 Highway 1", "123 HIWAY 1"},
        {"4 E 17th St #5B", "4 East Seventeenth Street # 5B"},
    };
    for (const auto &group : groups) {
        const auto first = normalize_street(group.front());
        ASSERT_TRUE(first.has_value()) << group.front();
        for (std::string_view other : group) EXPECT_EQ(normalize_street(other), first) << other;
    }
}

// Standard abbreviations of Appendix C1 and C2 are kept as they are (a second pass must not
// change them), and primary names map to them.
TEST(Street, UspsAbbreviationsAreFixedPoints)
{
    const std::vector<std::pair<std::string_view, std::string_view>> suffixes = {
        {"ALLEY", "ALY"},     {"AVENUE", "AVE"},      {"BOULEVARD", "BLVD"}, {"CIRCLE", "CIR"},     {"COURT", "CT"},
        {"DRIVE", "DR"},      {"EXPRESSWAY", "EXPY"}, {"FREEWAY", "FWY"},    {"HIGHWAY", "HWY"},    {"LANE", "LN"},
        {"PARKWAY", "PKWY"},  {"PLACE", "PL"},        {"ROAD", "RD"},        {"SQUARE", "SQ"},      {"STREET", "ST"},
        {"TERRACE", "TER"},   {"TRAIL", "TRL"},       {"CROSSING", "XING"},  {"MEADOWS", "MDWS"},   {"MEADOW", "MDW"},
        {"TURNPIKE", "TPKE"}, {"KEY", "KY"},          {"CENTRE", "CTR"},     {"STRAVENUE", "STRA"},
    };
    for (const auto &[name, abbr] : suffixes) {
        const std::string want = "1 MAIN " + std::string(abbr);
        EXPECT_EQ(normalize_street("1 Main " + std::string(name)), want) << name;
        EXPECT_EQ(normalize_street(want), want) << abbr;
    }
    const std::vector<std::pair<std::string_view, std::string_view>> units = {
        {"APARTMENT", "APT"}, {"BUILDING", "BLDG"}, {"DEPARTMENT", "DEPT"}, {"FLOOR", "FL"},
        {"HANGAR", "HNGR"},   {"ROOM", "RM"},       {"SPACE", "SPC"},       {"SUITE", "STE"},
        {"TRAILER", "TRLR"},  {"UNIT", "UNIT"},     {"LOT", "LOT"},         {"SLIP", "SLIP"},
    };
    for (const auto &[name, abbr] : units) {
        const std::string want = "1 MAIN ST " + std::string(abbr) + " 7";
        EXPECT_EQ(normalize_street("1 Main St " + std::string(name) + " 7"), want) << name;
        EXPECT_EQ(normalize_street(want), want) << abbr;
    }
    for (std::string_view w :
         {"BASEMENT"sv, "FRONT"sv, "LOBBY"sv, "LOWER"sv, "OFFICE"sv, "REAR"sv, "SIDE"sv, "UPPER"sv}) {
        const auto got = normalize_street("1 Main St " + std::string(w));
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(normalize_street(*got), got) << w;
        EXPECT_NE(got->find("1 MAIN ST "), std::string::npos) << w;
    }
}

TEST(Street, HugeInputsAreSafe)
{
    std::string padded = "123 Main St";
    padded.append(1 << 20, ' ');
    EXPECT_EQ(normalize_street(padded), "123 MAIN ST");

    EXPECT_EQ(normalize_street(std::string(1 << 20, ',')), std::nullopt);

    // Longer than any street line (256 bytes): refused unread (limits.hpp).
    EXPECT_EQ(normalize_street(std::string(1 << 20, 'a')), std::nullopt);
    const std::string letters(256, 'a');
    const auto one_word = normalize_street(letters);
    ASSERT_TRUE(one_word.has_value());
    EXPECT_EQ(*one_word, std::string(256, 'A'));

    // Many short words, up to the cap.
    std::string repeated;
    while (repeated.size() < 230) repeated += "\xC3\xB1 #4 N. Apt 5 Fifth St ";
    const auto many = normalize_street(repeated);
    ASSERT_TRUE(many.has_value());
    EXPECT_EQ(normalize_street(*many), many);
    while (repeated.size() < (1 << 18)) repeated += "\xC3\xB1 #4 N. Apt 5 Fifth St ";
    EXPECT_EQ(normalize_street(repeated), std::nullopt);

    std::string binary(1 << 18, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 131 % 256);
    const auto noise = normalize_street(binary);
    if (noise) {
        EXPECT_EQ(normalize_street(*noise), noise);
    }
}

// --- normalize_zip ----------------------------------------------------------------------------

const std::vector<Case> kZipCases = {
    {"02134", "02134"},
    {"99501", "99501"},
    {"02134-1234", "02134"},
    {"021341234", "02134"},
    {"02134 1234", "02134"},
    {"2134", "02134"},  // leading zero lost to a numeric column
    {"2134-1234", "02134"},
    {"21341234", "02134"},  // ZIP+4 as a number, leading zero lost
    {"501", "00501"},       // Holtsville, NY
    {"9011234", "00901"},   // San Juan ZIP+4 as a number
    {"02134 ", "02134"},
    {"  02134", "02134"},
    {"\t02134\r\n", "02134"},
    {"2134.0", "02134"},  // spreadsheet float
    {"2134.00", "02134"},
    {"2134.", "02134"},
    {"'02134", "02134"},      // Excel text marker
    {"=\"02134\"", "02134"},  // Excel formula export
    {"\"02134\"", "02134"},
    {"99999-9999", "99999"},
    {"", std::nullopt},
    {"     ", std::nullopt},
    {"00000", std::nullopt},
    {"000", std::nullopt},
    {"00012", std::nullopt},  // no ZIP code starts with 000
    {"12", std::nullopt},
    {"1", std::nullopt},
    {"123456", std::nullopt},      // 6 digits: neither a ZIP nor a ZIP+4
    {"0213412345", std::nullopt},  // 10 digits
    {"ZIP 02134", std::nullopt},
    {"02134a", std::nullopt},
    {"O2134", std::nullopt},  // letter O
    {"02134-12", std::nullopt},
    {"02134-", std::nullopt},
    {"-02134", std::nullopt},
    {"2134.5", std::nullopt},
    {"02 134", std::nullopt},
    {"02134-1234-5678", std::nullopt},
    {"K1A 0B1", std::nullopt},                                                       // Canadian postal code
    {"\xEF\xBC\x90\xEF\xBC\x92\xEF\xBC\x91\xEF\xBC\x93\xEF\xBC\x94", std::nullopt},  // full-width
    {"02134\0"sv, std::nullopt},
    {"\xFF\xFE", std::nullopt},
    {"1e4", std::nullopt},
    {"\xF0\x9F\x93\xAE", std::nullopt},
};

class ZipTest : public ::testing::TestWithParam<Case> {};

TEST_P(ZipTest, Normalizes)
{
    const Case &c = GetParam();
    const auto got = normalize_zip(c.input);
    EXPECT_EQ(got, want_of(c));
    if (got) {
        EXPECT_EQ(normalize_zip(*got), got) << "not idempotent";
    }
}

INSTANTIATE_TEST_SUITE_P(Address, ZipTest, ::testing::ValuesIn(kZipCases));

TEST(Zip, SpellingsOfOneZipAreEqual)
{
    for (std::string_view z : {"2134"sv, "02134"sv, "02134-0001"sv, "021340001"sv, "2134.0"sv, " 02134 "sv, "'02134"sv})
        EXPECT_EQ(normalize_zip(z), "02134") << z;
}

TEST(Zip, HugeInputsAreSafe)
{
    EXPECT_EQ(normalize_zip(std::string(1 << 20, '1')), std::nullopt);
    std::string padded(1 << 20, ' ');
    padded.replace(padded.size() / 2, 5, "02134");
    EXPECT_EQ(normalize_zip(padded), "02134");
}

// --- normalize_state --------------------------------------------------------------------------

const std::vector<Case> kStateCases = {
    {"NY", "NY"},
    {"ny", "NY"},
    {" NY ", "NY"},
    {"N.Y.", "NY"},
    {"n.y", "NY"},
    {"new york", "NY"},
    {"NEW  YORK", "NY"},
    {"New-York", "NY"},
    {"State of New York", "NY"},
    {"District of Columbia", "DC"},
    {"Washington DC", "DC"},
    {"Washington, D.C.", "DC"},
    {"D.C.", "DC"},
    {"Washington", "WA"},
    {"Wash.", "WA"},
    {"Puerto Rico", "PR"},
    {"U.S. Virgin Islands", "VI"},
    {"Virgin Islands", "VI"},
    {"Calif.", "CA"},
    {"Cal.", "CA"},
    {"Mass.", "MA"},
    {"Commonwealth of Massachusetts", "MA"},
    {"Penn.", "PA"},
    {"Penna.", "PA"},
    {"Tex.", "TX"},
    {"Fla.", "FL"},
    {"Ill.", "IL"},
    {"Mich.", "MI"},
    {"Wisc.", "WI"},
    {"N. Dak.", "ND"},
    {"S. Dak.", "SD"},
    {"W. Va.", "WV"},
    {"West Virginia", "WV"},
    {"virginia", "VA"},
    {"Guam", "GU"},
    {"Northern Mariana Islands", "MP"},
    {"American Samoa", "AS"},
    {"Federated States of Micronesia", "FM"},
    {"Marshall Islands", "MH"},
    {"Palau", "PW"},
    {"ae", "AE"},
    {"Armed Forces Pacific", "AP"},
    {"Armed Forces Americas", "AA"},
    {"Hawai'i", "HI"},
    {"Hawai\xCA\xBBi", "HI"},  // with the okina
    {"\tCALIFORNIA\n", "CA"},
    {"", std::nullopt},
    {"   ", std::nullopt},
    {"N", std::nullopt},
    {"XX", std::nullopt},
    {"NY1", std::nullopt},
    {"NY 10001", std::nullopt},
    {"New Yorkshire", std::nullopt},
    {"Ontario", std::nullopt},
    {"ON", std::nullopt},
    {"Nuevo Le\xC3\xB3n", std::nullopt},
    {"N\0Y"sv, std::nullopt},
    {"NY\xF0\x9F\x97\xBD", std::nullopt},  // NY + emoji
    {"\xFF", std::nullopt},
    {"N/A", std::nullopt},
};

class StateTest : public ::testing::TestWithParam<Case> {};

TEST_P(StateTest, Normalizes)
{
    const Case &c = GetParam();
    const auto got = normalize_state(c.input);
    EXPECT_EQ(got, want_of(c));
    if (got) {
        EXPECT_EQ(normalize_state(*got), got) << "not idempotent";
    }
}

INSTANTIATE_TEST_SUITE_P(Address, StateTest, ::testing::ValuesIn(kStateCases));

// Every USPS code is recognised in upper and lower case.
TEST(State, EveryCodeMapsToItself)
{
    const std::vector<std::string_view> codes = {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
        "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
        "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
        "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "FM", "MH", "PW", "AA", "AE", "AP"};
    for (std::string_view code : codes) {
        EXPECT_EQ(normalize_state(code), std::string(code));
        std::string lower(code);
        for (char &c : lower) c = static_cast<char>(c - 'A' + 'a');
        EXPECT_EQ(normalize_state(lower), std::string(code));
    }
}

TEST(State, SpellingsOfOneStateAreEqual)
{
    for (std::string_view s : {"Pennsylvania"sv, "PENNSYLVANIA"sv, "Penn."sv, "Penna"sv, "pa"sv, "P.A."sv, " Pa "sv})
        EXPECT_EQ(normalize_state(s), "PA") << s;
    for (std::string_view s : {"North Dakota"sv, "N. Dak."sv, "N.D."sv, "nd"sv, "NORTH  DAKOTA"sv})
        EXPECT_EQ(normalize_state(s), "ND") << s;
}

TEST(State, HugeInputsAreSafe)
{
    EXPECT_EQ(normalize_state(std::string(1 << 20, 'A')), std::nullopt);
    std::string padded(1 << 20, ' ');
    padded.replace(padded.size() / 2, 2, "ny");
    EXPECT_EQ(normalize_state(padded), "NY");
}

}  // namespace
