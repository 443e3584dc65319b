// DigitDfa must agree with RE2 on the regex subset of libphonenumber's metadata, and refuse
// anything outside it.
#include "core/digit_dfa.hpp"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>
#include <string>

namespace {

using outreach::DigitDfa;

// Every digit string up to `max_len` digits (and some longer random ones) gets the same answer
// from the DFA as from RE2, for full matches and for anchored prefix matches.
void expect_agrees_with_re2(const std::string &pattern, int max_len)
{
    auto dfa = DigitDfa::compile(pattern);
    ASSERT_NE(dfa, nullptr) << pattern;
    RE2 re(pattern);
    ASSERT_TRUE(re.ok()) << pattern;
    std::vector<std::string> inputs = {""};
    for (int len = 1; len <= max_len; ++len) {
        std::vector<std::string> next;
        for (const std::string &s : inputs)
            if (static_cast<int>(s.size()) == len - 1)
                for (char d = '0'; d <= '9'; ++d) next.push_back(s + d);
        inputs.insert(inputs.end(), next.begin(), next.end());
    }
    std::mt19937 rng(1);
    for (int i = 0; i < 2000; ++i) {
        std::string s;
        int len = static_cast<int>(rng() % 14);
        for (int k = 0; k < len; ++k) s += static_cast<char>('0' + rng() % 10);
        inputs.push_back(s);
    }
    for (const std::string &s : inputs) {
        bool full = re.Match(s, 0, s.size(), RE2::ANCHOR_BOTH, nullptr, 0);
        bool prefix = re.Match(s, 0, s.size(), RE2::ANCHOR_START, nullptr, 0);
        ASSERT_EQ(dfa->full_match(s), std::optional<bool>(full)) << pattern << " on [" << s << "]";
        ASSERT_EQ(dfa->prefix_match(s), std::optional<bool>(prefix)) << pattern << " on [" << s << "]";
    }
}

TEST(DigitDfa, AgreesWithRe2OnMetadataLikePatterns)
{
    for (const char *p : {
             "[2-9]\\d{9}|3\\d{6}",
             "(?:2(?:0[1-35-9]|1[02-9]|2[03-589])|3(?:0[1-9]|1[02-9]))[2-9]\\d{6}",
             "8001|8[024]9",
             "268",
             "(?:5056(?:[0-35-9]\\d|4[468])|7302[0-4]\\d)\\d{4}|(?:472[24]|505[2-57-9]|983[2-47-9])\\d{6}",
             "1\\d{2,4}|[2-9]\\d{3,5}",
             "(?:1(?:0\\d|1[0-5])?)?\\d{2}",
             "9\\d{1,}",
             "(?:[1-9]\\d?)+",
             "(2)?3*4",
             "[\\d]{3}",
         })
        expect_agrees_with_re2(p, 5);
}

TEST(DigitDfa, RefusesSyntaxOutsideTheSubset)
{
    for (const char *p :
         {"", "a", "\\w+", "[^1]", "(?=1)", "1{2", "1{3,2}", "(1", "1)", "1.3", "^1$", "1??", "[a-z]", "\\D", "1{99}"})
        EXPECT_EQ(DigitDfa::compile(p), nullptr) << p;
}

TEST(DigitDfa, NonDigitInputIsNotAnswered)
{
    auto dfa = DigitDfa::compile("\\d{3}");
    ASSERT_NE(dfa, nullptr);
    EXPECT_EQ(dfa->full_match("12a"), std::nullopt);
    EXPECT_EQ(dfa->full_match("123"), std::optional<bool>(true));
    EXPECT_EQ(dfa->full_match("1234"), std::optional<bool>(false));
}

}  // namespace
