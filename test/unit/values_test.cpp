// parse_count and parse_money: numbers as lead vendors write them.
#include "core/values.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using outreach::parse_count;
using outreach::parse_money;

TEST(ParseCount, Counts)
{
    const std::pair<const char *, int> cases[] = {
        {"12", 12},
        {" 7 ", 7},
        {"0", 0},
        {"007", 7},
        {"1,250", 1250},
        {"1,250,000", 1250000},
        {"12.0", 12},
        {"12.00", 12},
        {"10+", 10},
        {"10 +", 10},
        {"5-9", 5},
        {"5 - 9", 5},
        {"5 to 9", 5},
        {"5to9", 5},
        {"5 \xE2\x80\x93 9", 5},
        {"1,000-4,999", 1000},
        {"\xC2\xA0"
         "42\xC2\xA0",
         42},
        {"2147483647", 2147483647},
        {"\t3\r\n", 3},
        {"5-5", 5},
    };
    for (const auto &[in, want] : cases) {
        const auto got = parse_count(in);
        ASSERT_TRUE(got.has_value()) << in;
        EXPECT_EQ(*got, want) << in;
    }
}

TEST(ParseCount, NotCounts)
{
    for (const char *in :
         {"",         " ",   "twelve", "1.5",  "12.",    "-3",         "+3",          "1,25",         "12,5000",
          "1234,567", "9-5", "5-",     "5 to", "to 9",   "2147483648", "99999999999", "12 employees", "1e3",
          "0x10",     "1/2", "N/A",    "5--9", "12.0.0", ",100",       "1,,000"}) {
        EXPECT_FALSE(parse_count(in).has_value()) << in;
    }
}

TEST(ParseMoney, Amounts)
{
    const std::pair<const char *, const char *> cases[] = {
        {"$1,250,000", "1250000"},
        {"1250000.00", "1250000"},
        {"1250000.50", "1250000.5"},
        {"2.5M", "2500000"},
        {"$500K", "500000"},
        {"500k", "500000"},
        {"1.2 million", "1200000"},
        {"3B", "3000000000"},
        {"USD 900", "900"},
        {"900 USD", "900"},
        {"$ 75", "75"},
        {"0", "0"},
        {".5", "0.5"},
        {"0.25", "0.25"},
        {"1.5MM", "1500000"},
        {"2 mil", "2000000"},
        {"4 Thousand", "4000"},
        {"1.23456k", "1234.56"},
        {"007", "7"},
        {"1bn", "1000000000"},
        {"  $12,345.67  ", "12345.67"},
        {"usd$40", "40"},
    };
    for (const auto &[in, want] : cases) {
        const auto got = parse_money(in);
        ASSERT_TRUE(got.has_value()) << in;
        EXPECT_EQ(*got, want) << in;
    }
}

TEST(ParseMoney, NotAmounts)
{
    for (const char *in : {"", "$", "n/a", "about a million", "1,25", "-500", "(500)", "1-2M", "1.2.3", "12 dollars",
                           "M", "5x", "1,0000", "$$5", "1e6", "€500", "5 M M", "1234567890123456789012345678901"}) {
        EXPECT_FALSE(parse_money(in).has_value()) << in;
    }
}

// The 30-digit limit is on the result, after scaling: what is accepted reads back.
TEST(ParseMoney, ThirtyDigitsAfterScaling)
{
    EXPECT_EQ(parse_money("123456789012345678901B"), std::optional<std::string>("123456789012345678901000000000"));
    EXPECT_FALSE(parse_money("1234567890123456789012B").has_value());
    EXPECT_FALSE(parse_money("05030090000000030090530009000B").has_value());  // found by values_fuzz
}

// Whatever parse_money returns reads back as itself.
TEST(ParseMoney, OutputIsCanonical)
{
    for (const char *in : {"$1,250,000", "2.5M", "0.50", ".5", "1.23456k", "00012.3400"}) {
        const auto once = parse_money(in);
        ASSERT_TRUE(once.has_value()) << in;
        EXPECT_EQ(parse_money(*once), once) << in;
    }
}

}  // namespace
