// Hostile lengths (issue 11, finding 4): every normalizer and parser of user data refuses a value
// longer than any real one of its kind before reading it, so that a megabyte in a CSV cell costs
// a length check. These tests assert the answers, not the time: a regression to the old
// quadratic path shows up as the suite's timeout, never as a flaky timing assertion.
#include "core/address.hpp"
#include "core/csv.hpp"
#include "core/geo.hpp"
#include "core/interrupt.hpp"
#include "core/limits.hpp"
#include "core/names.hpp"
#include "core/phone.hpp"
#include "core/similarity.hpp"
#include "core/templates.hpp"
#include "core/union_find.hpp"
#include "core/values.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

namespace {

using namespace outreach;

constexpr std::size_t kMiB = 1u << 20;

// `unit` repeated up to exactly n bytes.
std::string fill(const std::string &unit, std::size_t n)
{
    std::string s;
    s.reserve(n + unit.size());
    while (s.size() < n) s += unit;
    s.resize(n);
    return s;
}

std::optional<std::string> phone(std::string_view raw)
{
    auto r = normalize_phone(raw, "US");
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : std::nullopt;
}

TEST(Limits, WithinKeepsShortValuesAndTrimsPaddedOnes)
{
    EXPECT_EQ(limits::within("  abc  ", 10), "  abc  ");  // short enough: untouched
    EXPECT_EQ(limits::within(std::string(20, ' ') + "abc\t\n", 10), "abc");
    EXPECT_EQ(limits::within(std::string(11, 'x'), 10), std::nullopt);
    EXPECT_EQ(limits::within(std::string(10, 'x'), 10), std::string(10, 'x'));
}

// The case of the finding: digits (and a phone shape repeated) were quadratic in libphonenumber.
TEST(Limits, MegabytePhonesAreRefusedUnparsed)
{
    for (const std::string unit : {"2", "(212) 555-0199 ", "1 ", "+", "a", " "}) {
        EXPECT_EQ(phone(fill(unit, kMiB)), std::nullopt) << unit;
        auto ref = normalize_phone_reference(fill(unit, kMiB), "US");
        ASSERT_TRUE(ref.ok());
        EXPECT_EQ(ref.value(), std::nullopt) << unit;
    }
    // just over the cap, and padding around a real number, which is not part of the value
    EXPECT_EQ(phone(fill("2", limits::kPhone + 1)), std::nullopt);
    EXPECT_EQ(phone(std::string(kMiB, ' ') + "(212) 555-0199" + std::string(kMiB, ' ')), "+12125550199");
    EXPECT_EQ(phone("+1 (212) 555-0199 ext. 123456"), "+12125550199");
}

TEST(Limits, PhoneCapIsMeasuredOnTheValue)
{
    // 64 bytes of value is accepted as a number when it is one ...
    std::string at_cap = "212-555-0199" + std::string(limits::kPhone - 12, ' ');
    at_cap.back() = '.';
    EXPECT_EQ(at_cap.size(), limits::kPhone);
    EXPECT_EQ(phone(at_cap), "+12125550199");
    // ... and one byte more is not, whatever it holds.
    EXPECT_EQ(phone(at_cap + "."), std::nullopt);
}

TEST(Limits, MegabyteNamesEmailsAndBusinessesAreRefused)
{
    for (const std::string unit : {"a", "John Smith ", "Jos\xC3\xA9 ", "\xE4\xB8\xAD",
                                   "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD ", "dba ", "a\xCC\x81"}) {
        const std::string big = fill(unit, kMiB);
        EXPECT_EQ(normalize_name(big), std::nullopt) << unit;
        EXPECT_EQ(name_key(big), std::nullopt) << unit;
        EXPECT_EQ(normalize_business_name(big), std::nullopt) << unit;
        EXPECT_EQ(normalize_email(big), std::nullopt) << unit;
        EXPECT_EQ(normalize_street(big), std::nullopt) << unit;
    }
    EXPECT_EQ(normalize_email(fill("a", kMiB) + "@x.com"), std::nullopt);
    EXPECT_EQ(normalize_email(std::string(kMiB, ' ') + "Bob@X.com"), "bob@x.com");
    EXPECT_EQ(normalize_name(std::string(kMiB, ' ') + "JOHN SMITH" + std::string(kMiB, '\t')), "John Smith");
    EXPECT_EQ(name_key(fill("a", limits::kName)), fill("a", limits::kName));
    EXPECT_EQ(name_key(fill("a", limits::kName + 1)), std::nullopt);
}

// A result longer than the cap is refused too, so that every result normalizes to itself.
TEST(Limits, ResultsLongerThanTheCapAreRefused)
{
    // 86 CJK characters are 258 bytes: over the name cap already as input.
    EXPECT_EQ(name_key(fill("\xE4\xB8\xAD", 258)), std::nullopt);
    // 80 Cyrillic letters (160 bytes) fit; transliterated they stay within the cap.
    const auto key = name_key(fill("\xD0\x98", 160));
    ASSERT_TRUE(key.has_value());
    EXPECT_LE(key->size(), limits::kName);
    EXPECT_EQ(name_key(*key), key);
    // A key that would grow past the cap: U+FDFA (3 bytes) transliterates to some 30 letters.
    const auto grown = name_key(fill("\xEF\xB7\xBA ", 200));
    if (grown) {
        EXPECT_LE(grown->size(), limits::kName);
    }
}

TEST(Limits, MegabyteAddressesAndNumbersAreRefused)
{
    for (const std::string unit : {"1", "123 Main St ", "A", ".", "$1,000 ", "5-9 "}) {
        const std::string big = fill(unit, kMiB);
        EXPECT_EQ(normalize_street(big), std::nullopt) << unit;
        EXPECT_EQ(normalize_zip(big), std::nullopt) << unit;
        EXPECT_EQ(normalize_state(big), std::nullopt) << unit;
        EXPECT_EQ(parse_count(big), std::nullopt) << unit;
        EXPECT_EQ(parse_money(big), std::nullopt) << unit;
    }
    EXPECT_EQ(normalize_street(std::string(kMiB, ' ') + "123 North Main Street"), "123 N MAIN ST");
    EXPECT_EQ(normalize_state(std::string(kMiB, ' ') + "New York"), "NY");
    EXPECT_EQ(parse_count(std::string(kMiB, ' ') + "1,250"), 1250);
    EXPECT_EQ(parse_money(std::string(kMiB, ' ') + "$2.5M"), "2500000");
    // The longest state name is accepted.
    EXPECT_EQ(normalize_state("Commonwealth of the Northern Mariana Islands"), "MP");
}

TEST(Limits, TimeZonesOfMegabyteEvidenceAreUnknown)
{
    const std::string big = fill("2125550199", kMiB);
    EXPECT_EQ(timezone_for(big, big, big), std::nullopt);
    EXPECT_EQ(timezone_for("", "", "(212) 555-0199"), "America/New_York");
}

TEST(Limits, SimilarityOfMegabyteValuesIsBoundedAndZeroWithoutAKey)
{
    const std::string big = fill("Johnathan ", kMiB);
    EXPECT_DOUBLE_EQ(name_similarity(big, big), 0.0);  // no key: no evidence of anything
    EXPECT_DOUBLE_EQ(name_similarity(big, "John Smith"), 0.0);
    EXPECT_DOUBLE_EQ(business_similarity(big, big), 0.0);
    EXPECT_DOUBLE_EQ(jaro_winkler(big, big), 1.0);  // compares the first 256 code points
    const std::string cjk = fill("\xE4\xB8\xAD", kMiB);
    EXPECT_DOUBLE_EQ(name_similarity(cjk, cjk + "x"), 0.0);
    EXPECT_DOUBLE_EQ(jaro_winkler(cjk, cjk + "x"), 1.0);
}

TEST(Limits, MegabyteTemplatesAreRefusedWithAReason)
{
    const auto r = parse_template(fill("Hi {{firstName}} ", kMiB));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument);
    EXPECT_EQ(r.error().message, "the body is 1048576 bytes long; at most 65536 are allowed");
    EXPECT_TRUE(parse_template(fill("x", limits::kTemplate)).ok());
}

TEST(Limits, MegabyteHeaderHasTheEmptyKey)
{
    EXPECT_EQ(csv::header_key(fill("Phone ", kMiB)), "");
    EXPECT_EQ(csv::header_key("Phone Number"), "phonenumber");
}

// A single field of a mebibyte is still a field (linear scan); one byte more is a rejected row
// with its reason, not an allocation of whatever the file says.
TEST(Limits, CsvFieldOfAMebibyteParsesAndOneMoreIsRejected)
{
    csv::Reader reader;
    reader.feed("phone,name\n\"" + std::string(kMiB, '2') + "\",a\n" + std::string(kMiB + 1, '2') + ",b\nok,c\n");
    reader.finish();
    csv::Record rec;
    ASSERT_TRUE(reader.next(rec));  // header
    ASSERT_TRUE(reader.next(rec));
    ASSERT_FALSE(rec.problem);
    ASSERT_EQ(rec.fields.size(), 2u);
    EXPECT_EQ(rec.fields[0].size(), kMiB);
    ASSERT_TRUE(reader.next(rec));
    ASSERT_TRUE(rec.problem);
    EXPECT_EQ(rec.problem->message, "record 2 (line 3), field 1: field is longer than 1048576 bytes");
    ASSERT_TRUE(reader.next(rec));
    ASSERT_FALSE(rec.problem);
    EXPECT_EQ(rec.fields[1], "c");
}

// The headers of one file become distinct names; a generated one never takes a name the file uses.
TEST(UniqueHeaders, EveryColumnKeepsAName)
{
    using H = std::vector<std::optional<std::string_view>>;
    using V = std::vector<std::string>;
    EXPECT_EQ(csv::unique_headers(H{"phone", "phone", "phone#2"}), (V{"phone", "phone#3", "phone#2"}));
    EXPECT_EQ(csv::unique_headers(H{"phone#2", "phone", "phone"}), (V{"phone#2", "phone", "phone#3"}));
    EXPECT_EQ(csv::unique_headers(H{"a", "a", "a"}), (V{"a", "a#2", "a#3"}));  // as before 0.5.0
    EXPECT_EQ(csv::unique_headers(H{"a", "a", "a#2", "a"}), (V{"a", "a#3", "a#2", "a#4"}));
    EXPECT_EQ(csv::unique_headers(H{" \xEF\xBB\xBFName ", "", std::nullopt, "column_2"}),
              (V{"Name", "column_2#2", "column_3", "column_2"}));
    EXPECT_EQ(csv::unique_headers(H{}), V{});
}

TEST(UniqueHeaders, TenThousandEqualNamesStayDistinct)
{
    std::vector<std::optional<std::string_view>> h(10000, std::string_view("x"));
    const auto names = csv::unique_headers(h);
    ASSERT_EQ(names.size(), h.size());
    EXPECT_EQ(names[0], "x");
    EXPECT_EQ(names[9999], "x#10000");
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
}

// The cancellation hook: a long core loop polls it, and what the poll throws unwinds the core.
TEST(Interrupt, PollCanAbandonALongLoop)
{
    static int polls = 0;
    set_interrupt_poll([] {
        if (++polls == 3) throw std::runtime_error("canceled");
    });
    std::vector<std::int64_t> from(100000), to(100000);
    for (std::size_t i = 0; i < from.size(); ++i)
        from[i] = static_cast<std::int64_t>(i), to[i] = static_cast<std::int64_t>(i + 1);
    EXPECT_THROW(connected_components(from, to), std::runtime_error);
    EXPECT_EQ(polls, 3);
    set_interrupt_poll(nullptr);
    EXPECT_EQ(connected_components(from, to).size(), from.size() + 1);
}

// Cannot-link lists merge small into large: a chain joined from its far end gives each new,
// smaller root the component that holds every list, which used to be copied whole each time
// (quadratic: minutes for this chain).
TEST(ConnectedComponents, CannotLinksMergeSmallIntoLarge)
{
    const std::int64_t n = 200000;
    std::vector<std::int64_t> from, to, ca, cb;
    for (std::int64_t i = n; i > 1; --i) from.push_back(i - 1), to.push_back(i);
    for (std::int64_t i = 1; i <= n; ++i) {
        from.push_back(n + i), to.push_back(n + i);  // a partner of its own, in no other edge
        ca.push_back(i), cb.push_back(n + i);
    }
    const auto r = connected_components(from, to, ca, cb);
    for (bool used : r.edge_used) EXPECT_TRUE(used);
    ASSERT_EQ(r.components.size(), static_cast<std::size_t>(2 * n));
    EXPECT_EQ(r.components[static_cast<std::size_t>(n - 1)], std::make_pair(n, std::int64_t{1}));
    EXPECT_EQ(r.components[static_cast<std::size_t>(n)], std::make_pair(n + 1, n + 1));
}

}  // namespace
