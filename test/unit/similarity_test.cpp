// Unit tests for extension/core/similarity.cpp (jaro_winkler, name_similarity,
// business_similarity) and the nickname table in extension/core/nicknames.cpp.
// Inputs avoid details of name_key / normalize_business_name that are not pinned by the design
// (lower case, accents folded, punctuation dropped, & -> and, legal suffixes removed).
#include "core/similarity.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/names.hpp"
#include "core/nicknames.hpp"

namespace outreach {
namespace {

using namespace std::string_literals;

constexpr double kEps = 1e-4;

// Random byte strings biased towards name-like text, multi-byte UTF-8 and invalid bytes.
std::string random_text(std::mt19937 &rng, std::size_t max_len)
{
    // clang-format off
    static const std::vector<std::string> pieces = {
        "a", "e", "i", "o", "n", "r", "s", "t", "J", "M", " ", " ", "-", "'", ".", ",", "&",
        "\xc3\xa9", "\xc3\xb1", "\xe6\x97\xa5", "\xd0\x98", "\xff", "\x80", "\xed\xa0\x80",
        "\xf0\x9f\x98\x80", "john", "smith", "bob", "robert", "llc", "inc", "the", "and", "co", "\0"s};
    // clang-format on
    std::uniform_int_distribution<std::size_t> len(0, max_len), pick(0, pieces.size() - 1);
    std::string s;
    const std::size_t n = len(rng);
    for (std::size_t i = 0; i < n; ++i) s += pieces[pick(rng)];
    return s;
}

using SimFn = double (*)(std::string_view, std::string_view);

// Checks range and exact symmetry of `f` on many random pairs.
void check_range_and_symmetry(SimFn f)
{
    std::mt19937 rng(12345);
    for (int k = 0; k < 3000; ++k) {
        const std::string a = random_text(rng, 12), b = random_text(rng, 12);
        const double ab = f(a, b), ba = f(b, a);
        ASSERT_FALSE(std::isnan(ab));
        ASSERT_GE(ab, 0.0);
        ASSERT_LE(ab, 1.0);
        ASSERT_NEAR(ab, ba, 1e-12) << "a=" << a << " b=" << b;
    }
}

// ================================================================================================
// jaro_winkler
// ================================================================================================

TEST(JaroWinkler, BothEmptyIsOne) { EXPECT_DOUBLE_EQ(jaro_winkler("", ""), 1.0); }

TEST(JaroWinkler, OneEmptyIsZero)
{
    EXPECT_DOUBLE_EQ(jaro_winkler("", "a"), 0.0);
    EXPECT_DOUBLE_EQ(jaro_winkler("martha", ""), 0.0);
}

TEST(JaroWinkler, IdenticalIsOne)
{
    EXPECT_DOUBLE_EQ(jaro_winkler("MARTHA", "MARTHA"), 1.0);
    EXPECT_DOUBLE_EQ(jaro_winkler("a", "a"), 1.0);
}

TEST(JaroWinkler, KnownValueMartha) { EXPECT_NEAR(jaro_winkler("MARTHA", "MARHTA"), 0.9611, kEps); }

TEST(JaroWinkler, KnownValueDwayne) { EXPECT_NEAR(jaro_winkler("DWAYNE", "DUANE"), 0.84, kEps); }

TEST(JaroWinkler, KnownValueDixon) { EXPECT_NEAR(jaro_winkler("DIXON", "DICKSONX"), 0.8133, kEps); }

// No common prefix: the Winkler boost adds nothing and JW equals Jaro.
TEST(JaroWinkler, KnownValueJellyfish) { EXPECT_NEAR(jaro_winkler("JELLYFISH", "SMELLYFISH"), 0.8963, kEps); }

TEST(JaroWinkler, KnownValueCrate) { EXPECT_NEAR(jaro_winkler("CRATE", "TRACE"), 0.7333, kEps); }

TEST(JaroWinkler, NoCommonCharactersIsZero)
{
    EXPECT_DOUBLE_EQ(jaro_winkler("abc", "xyz"), 0.0);
    EXPECT_DOUBLE_EQ(jaro_winkler("a", "b"), 0.0);
}

TEST(JaroWinkler, CaseSensitive)
{
    EXPECT_DOUBLE_EQ(jaro_winkler("john", "JOHN"), 0.0);
    EXPECT_LT(jaro_winkler("John", "john"), 1.0);
}

// Jaro 5/9 <= 0.7: the classic definition applies no boost although "ab" is a common prefix
// (with a boost it would be 0.6444).
TEST(JaroWinkler, NoBoostAtOrBelowThreshold) { EXPECT_NEAR(jaro_winkler("abcdef", "abxyzw"), 5.0 / 9.0, 1e-12); }

// Prefix of 7 common characters, but the boost counts at most 4: 11/12 + 4 * 0.1 * (1/12).
TEST(JaroWinkler, PrefixCappedAtFour) { EXPECT_NEAR(jaro_winkler("abcdefgh", "abcdefgx"), 0.95, 1e-12); }

// Match window floor(4/2) - 1 = 1: "d" is 3 away and does not match; m = 3, t = 0.
TEST(JaroWinkler, MatchWindow)
{
    EXPECT_NEAR(jaro_winkler("abcd", "dabc"), 2.5 / 3.0, 1e-12);
    EXPECT_DOUBLE_EQ(jaro_winkler("ab", "ba"), 0.0);  // window 0
}

// abc vs bca with a wide window: all 3 match, 3 disagreeing positions -> t = 1.5.
TEST(JaroWinkler, FractionalTranspositions)
{
    EXPECT_NEAR(jaro_winkler("abcxxx", "bcaxxx"), (1.0 + 1.0 + 4.5 / 6.0) / 3.0, 1e-12);
}

TEST(JaroWinkler, TrailingSpaceIsACharacter) { EXPECT_NEAR(jaro_winkler("john ", "john"), 0.96, 1e-12); }

// Code points, not bytes: "José" has 4 code points (5 bytes). Jaro 5/6, prefix 3.
TEST(JaroWinkler, CountsCodePointsNotBytes)
{
    EXPECT_NEAR(jaro_winkler("Jos\xc3\xa9", "Jose"), 5.0 / 6.0 + 0.3 * (1.0 / 6.0), 1e-12);
}

TEST(JaroWinkler, Cjk)
{
    EXPECT_DOUBLE_EQ(jaro_winkler("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), 1.0);
    // 日本語 vs 日本人: 2 of 3 match, prefix 2: 7/9 + 0.2 * 2/9.
    EXPECT_NEAR(jaro_winkler("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xe6\x97\xa5\xe6\x9c\xac\xe4\xba\xba"),
                7.0 / 9.0 + 0.2 * 2.0 / 9.0, 1e-12);
}

TEST(JaroWinkler, AccentedLetterDiffersFromPlain)
{
    EXPECT_DOUBLE_EQ(jaro_winkler("\xc3\xa9", "e"), 0.0);
    EXPECT_DOUBLE_EQ(jaro_winkler("\xc3\xa9\xc3\xa9", "\xc3\xa9\xc3\xa9"), 1.0);
}

TEST(JaroWinkler, InvalidBytesMatchOnlyThemselves)
{
    EXPECT_DOUBLE_EQ(jaro_winkler("\xff\xfe", "\xff\xfe"), 1.0);
    EXPECT_DOUBLE_EQ(jaro_winkler("\xff", "\xfe"), 0.0);
    EXPECT_DOUBLE_EQ(jaro_winkler("\xff", "\xef\xbf\xbd"), 0.0);  // not U+FFFD
}

// A stray continuation byte is one code point: "a?c" vs "abc" is 3 against 3, m = 2, prefix 1.
TEST(JaroWinkler, InvalidByteCountsAsOneCodePoint)
{
    EXPECT_NEAR(jaro_winkler("a\x80"
                             "c",
                             "abc"),
                7.0 / 9.0 + 0.1 * 2.0 / 9.0, 1e-12);
}

// "ab" + a truncated 3-byte sequence: 4 code points (a, b, two invalid bytes); Jaro 5/6, prefix 2.
TEST(JaroWinkler, TruncatedSequence) { EXPECT_NEAR(jaro_winkler("ab\xe6\x97", "ab"), 5.0 / 6.0 + 0.2 / 6.0, 1e-12); }

TEST(JaroWinkler, OverlongAndSurrogateAreNotDecoded)
{
    EXPECT_DOUBLE_EQ(jaro_winkler("\xc0\xaf", "/"), 0.0);  // overlong "/"
    EXPECT_DOUBLE_EQ(jaro_winkler("\xed\xa0\x80", "\xed\xa0\x80"), 1.0);
    EXPECT_LT(jaro_winkler("\xed\xa0\x80", "\xed\xa0\x81"), 1.0);
    EXPECT_DOUBLE_EQ(jaro_winkler("\xf4\x90\x80\x80", "\xf4\x90\x80\x80"), 1.0);  // above U+10FFFF
}

TEST(JaroWinkler, EmbeddedNul)
{
    const std::string a("a\0b", 3), b("a\0b", 3);
    EXPECT_DOUBLE_EQ(jaro_winkler(a, b), 1.0);
    EXPECT_LT(jaro_winkler(a, "ab"), 1.0);
}

TEST(JaroWinkler, VeryLongInputIsCappedAndFast)
{
    const std::string a(1 << 20, 'x');
    std::string b = a;
    b.back() = 'y';  // differs only after the first 256 code points
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_DOUBLE_EQ(jaro_winkler(a, a), 1.0);
    EXPECT_DOUBLE_EQ(jaro_winkler(a, b), 1.0);
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(ms, 500.0);
}

TEST(JaroWinkler, VeryLongDifferentInputs)
{
    std::string a, b;
    for (int i = 0; i < 100000; ++i) {
        a += "ab\xc3\xa9";
        b += "ba\xc3\xa9";
    }
    const double s = jaro_winkler(a, b);
    EXPECT_GT(s, 0.0);
    EXPECT_LT(s, 1.0);
}

// Beyond 256 code points only the prefix counts, and the ASCII fast path agrees with decoding.
TEST(JaroWinkler, CapEqualsPrefixScore)
{
    std::string a, b;
    for (int i = 0; i < 300; ++i) {
        a += static_cast<char>('a' + (i * 7) % 26);
        b += static_cast<char>('a' + (i * 11) % 26);
    }
    EXPECT_DOUBLE_EQ(jaro_winkler(a, b), jaro_winkler(a.substr(0, 256), b.substr(0, 256)));
}

TEST(JaroWinkler, MoreTyposScoreLower)
{
    EXPECT_GT(jaro_winkler("martha", "marhta"), jaro_winkler("martha", "mrahta"));
    EXPECT_GT(jaro_winkler("jonh", "john"), jaro_winkler("joan", "john"));
}

TEST(JaroWinkler, CommonPrefixRaisesScore)
{
    // Same Jaro (one substitution in 6), prefix 4 vs prefix 0.
    EXPECT_GT(jaro_winkler("robert", "roberx"), jaro_winkler("robert", "xobert"));
}

// A 4-byte sequence is one code point: 2 against 2, window 0, m = 1, Jaro 2/3 (no boost).
TEST(JaroWinkler, FourByteCodePoint)
{
    EXPECT_NEAR(jaro_winkler("\xf0\x9f\x98\x80"
                             "a",
                             "\xf0\x9f\x98\x80"
                             "b"),
                2.0 / 3.0, 1e-12);
}

// Just above the threshold the boost applies: Jaro 3/4 with prefix 1 -> 0.775.
TEST(JaroWinkler, BoostAboveThreshold) { EXPECT_NEAR(jaro_winkler("j", "john"), 0.775, 1e-12); }

TEST(JaroWinkler, NeverAboveOne)
{
    EXPECT_LE(jaro_winkler("aaaa", "aaaaa"), 1.0);
    EXPECT_LT(jaro_winkler("aaaa", "aaaaa"), 1.0);
}

TEST(JaroWinkler, Symmetric)
{
    const std::vector<std::pair<std::string, std::string>> pairs = {{"MARTHA", "MARHTA"},
                                                                    {"DIXON", "DICKSONX"},
                                                                    {"abcd", "dabc"},
                                                                    {"aab", "aba"},
                                                                    {"Jos\xc3\xa9", "Jose"},
                                                                    {"\xff"
                                                                     "a",
                                                                     "a\xff"},
                                                                    {"abcabcabc", "cbacbacba"}};
    for (const auto &[a, b] : pairs) EXPECT_DOUBLE_EQ(jaro_winkler(a, b), jaro_winkler(b, a)) << a << "/" << b;
}

TEST(JaroWinkler, RandomRangeAndSymmetry) { check_range_and_symmetry(&jaro_winkler); }

// ================================================================================================
// nickname table
// ================================================================================================

TEST(Nicknames, KnownPairsAndAmbiguousNames)
{
    EXPECT_TRUE(nickname_equivalent("bob", "robert"));
    EXPECT_TRUE(nickname_equivalent("pat", "patrick"));
    EXPECT_TRUE(nickname_equivalent("pat", "patricia"));
    EXPECT_FALSE(nickname_equivalent("patrick", "patricia"));
    EXPECT_FALSE(nickname_equivalent("harold", "henry"));  // both "harry", not each other
    EXPECT_GE(nickname_groups("pat").size(), 2u);
    EXPECT_TRUE(nickname_groups("smith").empty());
    EXPECT_TRUE(nickname_groups("").empty());
    EXPECT_FALSE(nickname_equivalent("smith", "smith"));  // unknown names share no group
}

// ================================================================================================
// name_similarity
// ================================================================================================

TEST(NameSimilarity, EmptyIsZero)
{
    EXPECT_DOUBLE_EQ(name_similarity("", ""), 0.0);
    EXPECT_DOUBLE_EQ(name_similarity("", "John"), 0.0);
    EXPECT_DOUBLE_EQ(name_similarity("John", ""), 0.0);
}

TEST(NameSimilarity, WhitespaceOrPunctuationOnlyIsZero)
{
    EXPECT_DOUBLE_EQ(name_similarity("   ", "   "), 0.0);
    EXPECT_DOUBLE_EQ(name_similarity(" \t ", "John"), 0.0);
    EXPECT_DOUBLE_EQ(name_similarity("...", "John"), 0.0);
}

TEST(NameSimilarity, IdenticalIsOne) { EXPECT_DOUBLE_EQ(name_similarity("John Smith", "John Smith"), 1.0); }

TEST(NameSimilarity, CaseAndSpacingIgnored) { EXPECT_DOUBLE_EQ(name_similarity("  JOHN   smith ", "John Smith"), 1.0); }

TEST(NameSimilarity, AccentsFolded)
{
    EXPECT_DOUBLE_EQ(name_similarity("Jos\xc3\xa9 Garc\xc3\xad"
                                     "a",
                                     "jose garcia"),
                     1.0);
}

TEST(NameSimilarity, ApostropheDropped) { EXPECT_DOUBLE_EQ(name_similarity("O'Brien", "OBrien"), 1.0); }

TEST(NameSimilarity, NicknameScoresExactly095)
{
    EXPECT_DOUBLE_EQ(name_similarity("Bob", "Robert"), 0.95);
    EXPECT_DOUBLE_EQ(name_similarity("robert", "BOB"), 0.95);
}

TEST(NameSimilarity, NicknameInFullName)
{
    EXPECT_GE(name_similarity("Bill Clinton", "William Clinton"), 0.95);
    EXPECT_LT(name_similarity("Bill Clinton", "William Clinton"), 1.0);
    EXPECT_GE(name_similarity("Peggy Olson", "Margaret Olson"), 0.95);
}

TEST(NameSimilarity, NicknameAndSwappedOrder) { EXPECT_GE(name_similarity("Clinton Bill", "William Clinton"), 0.9); }

TEST(NameSimilarity, AmbiguousNicknamePat)
{
    EXPECT_GE(name_similarity("Pat", "Patrick"), 0.9);
    EXPECT_GE(name_similarity("Pat", "Patricia"), 0.9);
    EXPECT_LT(name_similarity("Patrick", "Patricia"), 0.9);
}

TEST(NameSimilarity, SharedNicknameDoesNotMakeNamesEquivalent)
{
    EXPECT_GE(name_similarity("Harry", "Harold"), 0.9);
    EXPECT_GE(name_similarity("Harry", "Henry"), 0.9);
    EXPECT_LT(name_similarity("Harold", "Henry"), 0.5);
    EXPECT_LT(name_similarity("Samuel", "Samantha"), 0.9);
    EXPECT_LT(name_similarity("Alexander", "Alexandra"), 0.9);
}

TEST(NameSimilarity, RobertVsRobertaBelowNicknameButClose)
{
    const double s = name_similarity("Robert", "Roberta");
    EXPECT_LT(s, name_similarity("Bob", "Robert"));
    EXPECT_GT(s, 0.8);
}

TEST(NameSimilarity, TypoIsHigh)
{
    EXPECT_GE(name_similarity("Jonh", "John"), 0.8);
    EXPECT_LT(name_similarity("Jonh", "John"), 0.95);
    EXPECT_GE(name_similarity("Micheal", "Michael"), 0.85);
}

TEST(NameSimilarity, TypoInFullName)
{
    EXPECT_GE(name_similarity("Jonh Smith", "John Smith"), 0.9);
    EXPECT_GE(name_similarity("John Smyth", "John Smith"), 0.85);
}

TEST(NameSimilarity, CloserTypoScoresHigher)
{
    EXPECT_GT(name_similarity("Jonh Smith", "John Smith"), name_similarity("Joan Smith", "John Smith"));
}

// Exact swap: every token matches exactly, times the 0.96 order penalty.
TEST(NameSimilarity, SwappedOrder)
{
    EXPECT_NEAR(name_similarity("Smith John", "John Smith"), 0.96, 1e-12);
    EXPECT_NEAR(name_similarity("Smith, John", "John Smith"), 0.96, 1e-12);
}

TEST(NameSimilarity, MiddleInitialOnOneSide)
{
    EXPECT_GE(name_similarity("John Q Smith", "John Smith"), 0.95);
    EXPECT_GE(name_similarity("John Q. Smith", "Smith, John"), 0.9);
}

TEST(NameSimilarity, MiddleNameOnOneSide)
{
    const double s = name_similarity("John Quincy Smith", "John Smith");
    EXPECT_GE(s, 0.9);
    EXPECT_LT(s, name_similarity("John Q Smith", "John Smith"));
}

TEST(NameSimilarity, InitialIsWeakerMatch)
{
    EXPECT_DOUBLE_EQ(name_similarity("J", "John"), 0.8);
    const double initial = name_similarity("J Smith", "John Smith");
    EXPECT_GE(initial, 0.85);
    EXPECT_LT(initial, name_similarity("Jon Smith", "John Smith"));
    EXPECT_GT(initial, name_similarity("M Smith", "John Smith"));
}

TEST(NameSimilarity, DifferentInitialsDoNotMatch) { EXPECT_DOUBLE_EQ(name_similarity("J", "M"), 0.0); }

TEST(NameSimilarity, ClearlyDifferentNamesLow)
{
    EXPECT_LT(name_similarity("John Smith", "Mary Jones"), 0.6);
    EXPECT_LT(name_similarity("Elizabeth Warren", "Thomas Nguyen"), 0.3);
}

TEST(NameSimilarity, SameFirstDifferentLastIsLow)
{
    EXPECT_LT(name_similarity("John Smith", "John Jones"), 0.6);
    EXPECT_LT(name_similarity("Christopher Li", "Christopher Wu"), 0.75);
}

TEST(NameSimilarity, FirstNameOnlyAgainstFullName)
{
    const double s = name_similarity("John", "John Smith");
    EXPECT_GT(s, 0.5);
    EXPECT_LT(s, 0.8);
}

TEST(NameSimilarity, GenerationalSuffixBarelyCounts)
{
    EXPECT_GE(name_similarity("John Smith Jr", "John Smith"), 0.95);
}

TEST(NameSimilarity, SplitOrJoinedNameParts)
{
    EXPECT_GE(name_similarity("Mary Ann Smith", "Maryann Smith"), 0.95);
    EXPECT_GE(name_similarity("Anne-Marie Dubois", "Annemarie Dubois"), 0.95);
}

TEST(NameSimilarity, ManyTokensKeepFirstAndLast)
{
    const double s = name_similarity("John Paul George Ringo Pete Stuart Smith", "John Smith");
    EXPECT_GT(s, 0.6);
    EXPECT_GT(s, name_similarity("John Paul George Ringo Pete Stuart Jones", "John Smith"));
}

TEST(NameSimilarity, NonLatinIdentical)
{
    const std::string cyr = "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd \xd0\x9f\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2";
    if (name_key(cyr)) {
        EXPECT_DOUBLE_EQ(name_similarity(cyr, cyr), 1.0);
    }
    const double s = name_similarity(cyr, "Mary Jones");
    EXPECT_GE(s, 0.0);
    EXPECT_LT(s, 0.6);
}

TEST(NameSimilarity, InvalidUtf8NoCrash)
{
    const double s = name_similarity("J\xff\xfe Sm\x80th", "John Smith");
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
    EXPECT_DOUBLE_EQ(s, name_similarity("John Smith", "J\xff\xfe Sm\x80th"));
}

TEST(NameSimilarity, VeryLongInput)
{
    std::string big;
    for (int i = 0; i < 100000; ++i) big += "Johnathan ";
    const double s = name_similarity(big, "John Smith");
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
    EXPECT_DOUBLE_EQ(name_similarity(big, big), 0.0);  // a megabyte is no name (limits.hpp): no key, no match
    const std::string one_token(1 << 20, 'q');
    EXPECT_LT(name_similarity(one_token, "John Smith"), 0.5);
}

TEST(NameSimilarity, Ordering)
{
    const double exact = name_similarity("Robert Smith", "Robert Smith");
    const double nick = name_similarity("Bob Smith", "Robert Smith");
    const double typo = name_similarity("Robret Smith", "Robert Smith");
    const double other = name_similarity("Mary Smith", "Robert Smith");
    EXPECT_GT(exact, nick);
    EXPECT_GT(nick, typo);
    EXPECT_GT(typo, other);
}

TEST(NameSimilarity, Symmetric)
{
    const std::vector<std::pair<std::string, std::string>> pairs = {
        {"John Q Smith", "Smith John"},     {"Bob", "Robert Smith"},
        {"J Smith", "John Smith"},          {"Pat Lee", "Patricia Lee"},
        {"a b c d e f g", "g f e d c b a"}, {"Mary Ann", "Maryann"}};
    for (const auto &[a, b] : pairs) EXPECT_DOUBLE_EQ(name_similarity(a, b), name_similarity(b, a)) << a << "/" << b;
}

TEST(NameSimilarity, RandomRangeAndSymmetry) { check_range_and_symmetry(&name_similarity); }

// The pairs named in the brief: all nickname-equivalent, so at least 0.9.
class NicknamePairs : public ::testing::TestWithParam<std::pair<const char *, const char *>> {};

TEST_P(NicknamePairs, AtLeast09)
{
    const auto [a, b] = GetParam();
    EXPECT_GE(name_similarity(a, b), 0.9) << a << "/" << b;
    EXPECT_GE(name_similarity(b, a), 0.9) << b << "/" << a;
}

INSTANTIATE_TEST_SUITE_P(
    Brief, NicknamePairs,
    ::testing::Values(std::pair{"Bob", "Robert"}, std::pair{"Rob", "Robert"}, std::pair{"Bobby", "Robert"},
                      std::pair{"Bill", "William"}, std::pair{"Will", "William"}, std::pair{"Liz", "Elizabeth"},
                      std::pair{"Beth", "Elizabeth"}, std::pair{"Betty", "Elizabeth"}, std::pair{"Peggy", "Margaret"},
                      std::pair{"Maggie", "Margaret"}, std::pair{"Peg", "Margaret"}, std::pair{"Dick", "Richard"},
                      std::pair{"Rick", "Richard"}, std::pair{"Jim", "James"}, std::pair{"Jimmy", "James"},
                      std::pair{"Jack", "John"}, std::pair{"Johnny", "John"}, std::pair{"Tom", "Thomas"},
                      std::pair{"Mike", "Michael"}, std::pair{"Kate", "Katherine"}, std::pair{"Kate", "Catherine"},
                      std::pair{"Katherine", "Catherine"}, std::pair{"Sue", "Susan"}, std::pair{"Tony", "Anthony"},
                      std::pair{"Chuck", "Charles"}, std::pair{"Charlie", "Charles"}, std::pair{"Hank", "Henry"},
                      std::pair{"Ted", "Edward"}, std::pair{"Ed", "Edward"}, std::pair{"Ned", "Edward"},
                      std::pair{"Sandy", "Sandra"}, std::pair{"Sandy", "Alexander"}, std::pair{"Alex", "Alexander"},
                      std::pair{"Alex", "Alexandra"}, std::pair{"Jen", "Jennifer"}, std::pair{"Dave", "David"},
                      std::pair{"Dan", "Daniel"}, std::pair{"Joe", "Joseph"}, std::pair{"Larry", "Lawrence"},
                      std::pair{"Patty", "Patricia"}, std::pair{"Trish", "Patricia"}, std::pair{"Chris", "Christopher"},
                      std::pair{"Chris", "Christine"}, std::pair{"Steve", "Stephen"}, std::pair{"Steve", "Steven"},
                      std::pair{"Andy", "Andrew"}, std::pair{"Greg", "Gregory"}, std::pair{"Jerry", "Gerald"},
                      std::pair{"Jerry", "Jerome"}, std::pair{"Fred", "Frederick"}, std::pair{"Al", "Albert"},
                      std::pair{"Al", "Alfred"}, std::pair{"Ben", "Benjamin"}, std::pair{"Sam", "Samuel"},
                      std::pair{"Sam", "Samantha"}, std::pair{"Nick", "Nicholas"}, std::pair{"Pat", "Patrick"},
                      std::pair{"Pat", "Patricia"}, std::pair{"Matt", "Matthew"}, std::pair{"Tim", "Timothy"},
                      std::pair{"Ron", "Ronald"}, std::pair{"Don", "Donald"}, std::pair{"Ken", "Kenneth"},
                      std::pair{"Doug", "Douglas"}, std::pair{"Jeff", "Jeffrey"}, std::pair{"Gene", "Eugene"},
                      std::pair{"Vince", "Vincent"}, std::pair{"Walt", "Walter"}, std::pair{"Harry", "Harold"},
                      std::pair{"Harry", "Henry"}, std::pair{"Jake", "Jacob"}, std::pair{"Zach", "Zachary"},
                      std::pair{"Abby", "Abigail"}, std::pair{"Debbie", "Deborah"}, std::pair{"Cindy", "Cynthia"},
                      std::pair{"Kathy", "Katherine"}, std::pair{"Vicky", "Victoria"}, std::pair{"Becky", "Rebecca"},
                      std::pair{"Jenny", "Jennifer"}, std::pair{"Molly", "Mary"}, std::pair{"Polly", "Mary"},
                      std::pair{"Nancy", "Ann"}, std::pair{"Sally", "Sarah"}, std::pair{"Jim", "Jimmy"}));

// ================================================================================================
// business_similarity
// ================================================================================================

TEST(BusinessSimilarity, EmptyIsZero)
{
    EXPECT_DOUBLE_EQ(business_similarity("", ""), 0.0);
    EXPECT_DOUBLE_EQ(business_similarity("", "Acme"), 0.0);
    EXPECT_DOUBLE_EQ(business_similarity("Acme", ""), 0.0);
}

TEST(BusinessSimilarity, WhitespaceOrPunctuationOnlyIsZero)
{
    EXPECT_DOUBLE_EQ(business_similarity("   ", "   "), 0.0);
    EXPECT_DOUBLE_EQ(business_similarity("...", "Acme"), 0.0);
}

TEST(BusinessSimilarity, IdenticalIsOne)
{
    EXPECT_DOUBLE_EQ(business_similarity("Acme Plumbing", "Acme Plumbing"), 1.0);
}

TEST(BusinessSimilarity, LegalSuffixAndCaseIgnored)
{
    EXPECT_DOUBLE_EQ(business_similarity("Acme Plumbing LLC", "ACME Plumbing, Inc."), 1.0);
}

TEST(BusinessSimilarity, LegalSuffixVariants)
{
    EXPECT_DOUBLE_EQ(business_similarity("Acme Corp", "Acme Corporation"), 1.0);
    EXPECT_DOUBLE_EQ(business_similarity("Acme Ltd", "Acme Limited"), 1.0);
    EXPECT_DOUBLE_EQ(business_similarity("Acme Plumbing L.L.C.", "Acme Plumbing"), 1.0);
}

TEST(BusinessSimilarity, AmpersandIsAnd)
{
    EXPECT_DOUBLE_EQ(business_similarity("Smith & Sons Roofing", "Smith and Sons Roofing"), 1.0);
}

TEST(BusinessSimilarity, AccentsFolded)
{
    EXPECT_DOUBLE_EQ(business_similarity("Caf\xc3\xa9 Rouge", "CAFE ROUGE"), 1.0);
}

TEST(BusinessSimilarity, ExtraTradeWordIsHigh)
{
    EXPECT_GE(business_similarity("Acme Plumbing", "Acme Plumbing & Heating"), 0.8);
}

TEST(BusinessSimilarity, ExtraGenericWordIsVeryHigh)
{
    EXPECT_GE(business_similarity("Acme Plumbing Services", "Acme Plumbing"), 0.9);
}

TEST(BusinessSimilarity, GenericWordsWeighLess)
{
    EXPECT_GT(business_similarity("Acme Plumbing Services", "Acme Plumbing"),
              business_similarity("Acme Plumbing Heating", "Acme Plumbing"));
    EXPECT_GT(business_similarity("Acme Services", "Acme Group"), business_similarity("Acme Plumbing", "Acme Roofing"));
}

TEST(BusinessSimilarity, PossessiveAndSuffixVariant)
{
    EXPECT_GE(business_similarity("Joe's Pizza", "Joes Pizzeria"), 0.8);
    EXPECT_DOUBLE_EQ(business_similarity("Joe's Pizza", "Joes Pizza"), 1.0);
}

TEST(BusinessSimilarity, DifferentDistinctiveWordIsLower)
{
    EXPECT_LT(business_similarity("Acme Plumbing", "Best Plumbing"), 0.75);
}

// dice = contain = 0.5 (plumbing shared, acme/best not), JW("acme plumbing", "best plumbing")
// = (10/13 + 10/13 + 1) / 3 with no common prefix: 0.6 * 0.5 + 0.4 * 0.84615 = 0.63846.
TEST(BusinessSimilarity, FormulaValue)
{
    EXPECT_NEAR(business_similarity("Acme Plumbing", "Best Plumbing"), 0.3 + 0.4 * (20.0 / 13.0 + 1.0) / 3.0, 1e-9);
}

// Keys "acme group" / "acme plumbing"; group and plumbing score 0 against each other (JW < 0.6).
// Weights: acme 1, group 0.25 (generic), plumbing 1:
//   covered A = 1, total A = 1.25; covered B = 1, total B = 2
//   dice = 2 / 3.25, contain = max(1 / 1.25, 1 / 2) = 0.8
//   JW over distinctive words only: "acme" vs "acme plumbing".
TEST(BusinessSimilarity, FormulaValueWithGenericWord)
{
    const double overlap = 0.5 * (2.0 / 3.25 + 0.8);
    EXPECT_NEAR(business_similarity("Acme Group", "Acme Plumbing"),
                0.6 * overlap + 0.4 * jaro_winkler("acme", "acme plumbing"), 1e-9);
}

TEST(BusinessSimilarity, UnrelatedIsLow)
{
    EXPECT_LT(business_similarity("Acme Plumbing", "Sunrise Bakery"), 0.5);
    EXPECT_LT(business_similarity("Golden Dragon Restaurant", "Blue Ocean Seafood"), 0.5);
    EXPECT_LT(business_similarity("Walmart", "Target"), 0.5);
}

TEST(BusinessSimilarity, SharedFrameOnlyIsLow)
{
    EXPECT_LT(business_similarity("The Pizza Company", "The Plumbing Company"), 0.5);
    EXPECT_LT(business_similarity("Johnson Services Group", "Miller Services Group"), 0.5);
}

TEST(BusinessSimilarity, Ordering)
{
    const double heating = business_similarity("Acme Plumbing", "Acme Plumbing & Heating");
    const double best = business_similarity("Acme Plumbing", "Best Plumbing");
    const double bakery = business_similarity("Acme Plumbing", "Sunrise Bakery");
    EXPECT_GT(heating, best);
    EXPECT_GT(best, bakery);
}

TEST(BusinessSimilarity, WordOrderForgiven)
{
    EXPECT_GE(business_similarity("Plumbing Acme", "Acme Plumbing"), 0.75);
    EXPECT_LT(business_similarity("Plumbing Acme", "Acme Plumbing"), 1.0);
}

TEST(BusinessSimilarity, Typo) { EXPECT_GE(business_similarity("Bright Smile Dental", "Brite Smile Dental"), 0.85); }

TEST(BusinessSimilarity, SpaceInsideWord)
{
    EXPECT_GE(business_similarity("McDonalds", "Mc Donalds"), 0.95);
    EXPECT_GE(business_similarity("7-Eleven", "7Eleven"), 0.95);
}

TEST(BusinessSimilarity, NameContainedInLonger)
{
    const double s = business_similarity("Acme", "Acme Plumbing & Heating");
    EXPECT_GT(s, 0.6);
    EXPECT_LT(s, business_similarity("Acme Plumbing", "Acme Plumbing & Heating"));
}

TEST(BusinessSimilarity, ManyTokens)
{
    std::string a, b;
    for (int i = 0; i < 30; ++i) {
        a += "word" + std::to_string(i) + " ";
        b += "word" + std::to_string(i) + " ";
    }
    a += "alpha";
    b += "omega";
    const double s = business_similarity(a, b);
    EXPECT_GT(s, 0.8);
    EXPECT_LT(s, 1.0);
}

TEST(BusinessSimilarity, VeryLongInput)
{
    std::string big;
    for (int i = 0; i < 100000; ++i) big += "Plumbing ";
    const double s = business_similarity(big, "Acme Plumbing");
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
    EXPECT_DOUBLE_EQ(business_similarity(big, big), 0.0);  // a megabyte is no business name (limits.hpp)
}

TEST(BusinessSimilarity, InvalidUtf8NoCrash)
{
    const double s = business_similarity("Ac\xffme \x80Plumbing", "Acme Plumbing");
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
}

TEST(BusinessSimilarity, NonLatin)
{
    const std::string a = "\xe6\x9d\xb1\xe4\xba\xac\xe9\x8a\x80\xe8\xa1\x8c";  // 東京銀行
    if (normalize_business_name(a)) {
        EXPECT_DOUBLE_EQ(business_similarity(a, a), 1.0);
    }
    EXPECT_LT(business_similarity(a, "Acme Plumbing"), 0.5);
}

TEST(BusinessSimilarity, NumbersMatter)
{
    EXPECT_GT(business_similarity("Station 7 Pizza", "Station 7 Pizza Inc"),
              business_similarity("Station 7 Pizza", "Station 9 Pizza"));
}

TEST(BusinessSimilarity, HyphenOrSpace)
{
    EXPECT_GE(business_similarity("Rocky-Mountain Roofing", "Rocky Mountain Roofing"), 0.95);
}

TEST(BusinessSimilarity, DifferentSingleWordIsLow) { EXPECT_LT(business_similarity("Acme", "Apex"), 0.5); }

TEST(BusinessSimilarity, GenericWordOnOneSideOnly)
{
    EXPECT_GE(business_similarity("Acme", "Acme Group"), 0.85);
    EXPECT_GE(business_similarity("The Acme Group", "Acme"), 0.8);
}

TEST(BusinessSimilarity, EmbeddedNulNoCrash)
{
    const std::string a("Acme\0Plumbing", 13);
    const double s = business_similarity(a, "Acme Plumbing");
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
}

TEST(BusinessSimilarity, Symmetric)
{
    const std::vector<std::pair<std::string, std::string>> pairs = {{"Acme Plumbing", "Acme Plumbing & Heating"},
                                                                    {"Joe's Pizza", "Joes Pizzeria"},
                                                                    {"Acme", "Best Plumbing"},
                                                                    {"The Pizza Company", "Pizza Co"},
                                                                    {"a b c", "c b a"}};
    for (const auto &[a, b] : pairs)
        EXPECT_DOUBLE_EQ(business_similarity(a, b), business_similarity(b, a)) << a << "/" << b;
}

TEST(BusinessSimilarity, RandomRangeAndSymmetry) { check_range_and_symmetry(&business_similarity); }

}  // namespace
}  // namespace outreach
