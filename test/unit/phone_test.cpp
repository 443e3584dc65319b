// normalize_phone: libphonenumber is the judge. These tests pin real-world inputs to their
// expected E.164 form, and check on a generated corpus that the fast path gives exactly the
// answer of a plain Parse + IsValidNumber + Format(E164).
#include "core/phone.hpp"

#include <gtest/gtest.h>

#include <string>

#include "../common/phone_corpus.hpp"

namespace {

using outreach::normalize_phone;
using outreach::normalize_phone_reference;

std::string show(std::string_view raw, const char *region = "US")
{
    auto r = normalize_phone(raw, region);
    if (!r.ok()) return "ERROR: " + r.error().message;
    return r.value() ? *r.value() : "NULL";
}

std::string show_reference(std::string_view raw)
{
    auto r = normalize_phone_reference(raw, "US");
    return r.ok() && r.value() ? *r.value() : "NULL";
}

struct Case {
    const char *input;
    const char *expected;  // "NULL" when not a valid number
};

// Messy inputs as they come out of lead spreadsheets, default region US.
const Case kUsCases[] = {
    {"(212) 555-0199", "+12125550199"},
    {"212-555-0199", "+12125550199"},
    {"212.555.0199", "+12125550199"},
    {"2125550199", "+12125550199"},
    {"1-212-555-0199", "+12125550199"},
    {"1 (212) 555-0199", "+12125550199"},
    {"+1 212 555 0199", "+12125550199"},
    {"+1 (212) 555-0199", "+12125550199"},
    {"  (212)555-0199  ", "+12125550199"},
    {"\"212-555-0199\",", "+12125550199"},
    {"Tel: 212-555-0199", "+12125550199"},
    {"'2125550199", "+12125550199"},
    {"212/555-0199", "+12125550199"},
    {"212-555-0199 x123", "+12125550199"},
    {"212-555-0199 ext. 45", "+12125550199"},
    {"(212) 555-0199 Ext: 7", "+12125550199"},
    {"212\xe2\x80\x93"
     "555\xe2\x80\x93"
     "0199",
     "+12125550199"},  // en dashes
    {"\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92"
     "5550199",
     "+12125550199"},  // full-width digits
    {"\xc2\xa0"
     "212 555 0199",
     "+12125550199"},                          // no-break space
    {"1-800-FLOWERS", "+18003569377"},         // vanity number
    {"(800) 555-1212", "+18005551212"},        // toll-free is valid
    {"+1 416 555 0199", "+14165550199"},       // Canada shares +1
    {"787-555-0100", "+17875550100"},          // Puerto Rico
    {"+44 20 7946 0958", "+442079460958"},     // international keeps its country
    {"011 44 20 7946 0958", "+442079460958"},  // dialled with the US IDD
    {"+52 55 1234 5678", "+525512345678"},
    {"555-0199", "NULL"},        // seven-digit local number
    {"212-555-019", "NULL"},     // a digit short
    {"212-555-01999", "NULL"},   // a digit too many
    {"(112) 555-0199", "NULL"},  // area codes never start with 1
    {"(212) 155-0199", "NULL"},  // nor exchanges
    {"000-000-0000", "NULL"},
    {"1234567890", "NULL"},
    {"2.125550199E+09", "NULL"},  // spreadsheet scientific notation
    {"", "NULL"},
    {"   ", "NULL"},
    {"N/A", "NULL"},
    {"call the office", "NULL"},
    {"\xf0\x9f\x93\x9e", "NULL"},  // an emoji
    {"\xff\xfe garbage", "NULL"},  // invalid UTF-8
};

TEST(NormalizePhone, MessyUsInputs)
{
    for (const Case &c : kUsCases) EXPECT_EQ(show(c.input), c.expected) << "input: " << c.input;
}

TEST(NormalizePhone, TheDoneWhenExample) { EXPECT_EQ(show("(212) 555-0199"), "+12125550199"); }

TEST(NormalizePhone, RegionDecidesHowNationalNumbersAreRead)
{
    EXPECT_EQ(show("020 7946 0958", "GB"), "+442079460958");
    EXPECT_EQ(show("020 7946 0958", "gb"), "+442079460958");
    EXPECT_EQ(show("020 7946 0958", "US"), "NULL");
    EXPECT_EQ(show("+1 212 555 0199", "GB"), "+12125550199");
    EXPECT_EQ(show("(416) 555-0199", "CA"), "+14165550199");
}

TEST(NormalizePhone, UnknownRegionIsAnErrorNamingIt)
{
    auto r = normalize_phone("2125550199", "XX");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, outreach::ErrorKind::invalid_argument);
    EXPECT_NE(r.error().message.find("\"XX\""), std::string::npos) << r.error().message;
    EXPECT_FALSE(normalize_phone("2125550199", "").ok());
    EXPECT_FALSE(normalize_phone("2125550199", "USA").ok());
}

TEST(NormalizePhone, VeryLongAndOddInputsFollowTheLibrary)
{
    EXPECT_EQ(show(std::string(10000, '2')), "NULL");
    EXPECT_EQ(show(std::string(251, '2')), "NULL");
    EXPECT_EQ(show(std::string(300, ' ') + "212-555-0199"), "+12125550199");      // padding is not digits
    EXPECT_EQ(show(std::string("212-555-0199") + std::string(1, '\0')), "NULL");  // a NUL byte: the library refuses
    EXPECT_EQ(show(std::string("212-555-0199\x01")), show_reference("212-555-0199\x01"));
    EXPECT_EQ(show("\t212-555-0199\t"), "+12125550199");
}

// The fast path must agree with the library on every input: 120,000 generated inputs that
// over-sample every unusual shape, plus the realistic mix the benchmark uses.
TEST(NormalizePhone, AgreesWithLibphonenumberOnGeneratedCorpus)
{
    using outreach::testing::PhoneCorpus;
    using outreach::testing::PhoneMix;
    std::size_t checked = 0, valid = 0, mismatches = 0;
    for (auto [seed, mix, count] :
         {std::tuple{20261125u, PhoneMix::adversarial, 100000}, std::tuple{7u, PhoneMix::realistic, 20000}}) {
        PhoneCorpus corpus(seed, mix);
        for (int i = 0; i < count; ++i) {
            std::string input = corpus.next();
            auto fast = normalize_phone(input);
            auto reference = normalize_phone_reference(input);
            ASSERT_TRUE(fast.ok() && reference.ok());
            ++checked;
            if (reference.value()) ++valid;
            if (fast.value() != reference.value() && ++mismatches <= 20)
                ADD_FAILURE() << "input [" << input << "]: fast " << fast.value().value_or("NULL") << ", library "
                              << reference.value().value_or("NULL");
        }
    }
    EXPECT_EQ(mismatches, 0u);
    EXPECT_EQ(checked, 120000u);
    // The corpus is varied: both valid and invalid numbers in quantity.
    EXPECT_GT(valid, checked / 2);
    EXPECT_LT(valid, checked * 9 / 10);
}

}  // namespace
