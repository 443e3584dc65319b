// sms_length: GSM-7 / UCS-2 detection, units and segments, including the part boundaries that an
// escape pair or a surrogate pair may not straddle.
#include "core/sms.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using outreach::sms_length;
using outreach::SmsEncoding;

constexpr SmsEncoding G = SmsEncoding::Gsm7;
constexpr SmsEncoding U = SmsEncoding::Ucs2;

std::string rep(const std::string &s, int n)
{
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

struct Case {
    std::string text;
    SmsEncoding encoding;
    int units;
    int segments;
};

void check(const std::vector<Case> &cases)
{
    for (const Case &c : cases) {
        const auto got = sms_length(c.text);
        const std::string label =
            c.text.size() > 60 ? c.text.substr(0, 60) + "... (" + std::to_string(c.text.size()) + " bytes)" : c.text;
        EXPECT_EQ(got.encoding, c.encoding) << label;
        EXPECT_EQ(got.units, c.units) << label;
        EXPECT_EQ(got.segments, c.segments) << label;
    }
}

const std::string kEuro = "\xE2\x82\xAC";      // €, extension table
const std::string kZhe = "\xD0\xB6";           // ж, not GSM, one UTF-16 unit
const std::string kGrin = "\xF0\x9F\x98\x80";  // 😀, a surrogate pair

TEST(SmsLength, ShortTexts)
{
    check({
        {"", G, 0, 0},
        {" ", G, 1, 1},
        {"Hello", G, 5, 1},
        {"Hello\r\n", G, 7, 1},
        {"Hi Bob, your appointment is confirmed for 3:30pm. Reply STOP to opt out.", G, 72, 1},
        {"Price: " + kEuro + "5", G, 10, 1},
        {"{}", G, 4, 1},
        {"[x]", G, 5, 1},
        {"a^b~c|d\\e", G, 13, 1},
        {"\f", G, 2, 1},
        {"@$_", G, 3, 1},
        // every non-ASCII character of the default alphabet, and Greek capitals
        {"£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", G, 39, 1},
        {"50% off! #deal & more: 1+1=2 (today) <only> \"quoted\" 'single' ?*/-.,;", G, 69, 1},
    });
}

TEST(SmsLength, CommonUcs2Traps)
{
    check({
        {"It\xE2\x80\x99s here", U, 9, 1},        // ’ curly apostrophe
        {"\xE2\x80\x9CHi\xE2\x80\x9D", U, 4, 1},  // “ ”
        {"Hi \xF0\x9F\x91\x8B Bob", U, 9, 1},     // 👋 is two units
        {kGrin, U, 2, 1},
        {"`code`", U, 6, 1},     // backtick is not GSM
        {"Hi\tthere", U, 8, 1},  // neither is tab
        {"\xC3\xA7"
         "a va",
         U, 5, 1},                  // ç (only capital Ç is GSM)
        {"\xE2\x84\xA6", U, 1, 1},  // Ω OHM SIGN, not GREEK CAPITAL OMEGA
        {"\xCE\xA9", G, 1, 1},      // Ω GREEK CAPITAL OMEGA
        {"a\xC2\xA0"
         "b",
         U, 3, 1},                 // NBSP
        {"caf\xC3\xA9", G, 4, 1},  // é is GSM
        {"cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
         "e",
         U, 12, 1},                       // û is not
        {"\xE2\x80\x94", U, 1, 1},        // em dash
        {"\xE2\x80\xA6", U, 1, 1},        // ellipsis
        {std::string("\0", 1), U, 1, 1},  // NUL
        {"\x7F", U, 1, 1},                // DEL
        {"\x01", U, 1, 1},
        {"\xE4\xBD\xA0\xE5\xA5\xBD", U, 2, 1},                      // 你好
        {"\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9", U, 5, 1},  // man ZWJ woman
    });
}

TEST(SmsLength, InvalidUtf8CountsAsReplacementCharacters)
{
    check({
        {"\xFF", U, 1, 1},
        {"abc\xC3", U, 4, 1},           // truncated sequence at the end
        {"\xE2\x82x", U, 3, 1},         // truncated € then x
        {"\xED\xA0\x80", U, 3, 1},      // an encoded surrogate: three bad bytes
        {"\xC0\xAF", U, 2, 1},          // overlong
        {"\xF4\x90\x80\x80", U, 4, 1},  // above U+10FFFF
        {"\x80\x80", U, 2, 1},          // stray continuation bytes
        {rep("a", 200) + "\xFE", U, 201, 3},
    });
}

TEST(SmsLength, GsmSegmentBoundaries)
{
    check({
        {rep("a", 160), G, 160, 1},
        {rep("a", 161), G, 161, 2},
        {rep("a", 306), G, 306, 2},
        {rep("a", 307), G, 307, 3},
        {rep("a", 158) + kEuro, G, 160, 1},
        {rep("a", 159) + kEuro, G, 161, 2},
        {rep("{", 80), G, 160, 1},
        {rep("{", 81), G, 162, 2},  // at most 76 escapes (152 septets) per part: 76 + 5
        // the escape pair would straddle septets 153/154: it moves to the next part
        {rep("a", 152) + kEuro + rep("a", 8), G, 162, 2},
        {rep("a", 152) + kEuro + rep("a", 152), G, 306, 3},  // ceil(306 / 153) would say 2
        {rep("a", 151) + kEuro + rep("a", 153), G, 306, 2},  // the pair ends a part exactly
        {rep("a", 152) + "|" + rep("a", 152), G, 306, 3},
        {rep("a", 10000), G, 10000, 66},
        {rep(kEuro, 10000), G, 20000, 132},  // ceil(20000 / 153) would say 131
        {rep("ab\r\n", 2500), G, 10000, 66},
    });
}

TEST(SmsLength, Ucs2SegmentBoundaries)
{
    check({
        {rep(kZhe, 70), U, 70, 1},
        {rep(kZhe, 71), U, 71, 2},
        {rep(kZhe, 134), U, 134, 2},
        {rep(kZhe, 135), U, 135, 3},
        {rep(kGrin, 35), U, 70, 1},
        {rep(kGrin, 36), U, 72, 2},   // 33 pairs (66 units) per part
        {rep(kGrin, 67), U, 134, 3},  // ceil(134 / 67) would say 2
        // the pair would straddle units 67/68: it moves to the next part
        {rep(kZhe, 66) + kGrin + rep(kZhe, 66), U, 134, 3},
        {rep(kZhe, 65) + kGrin + rep(kZhe, 67), U, 134, 2},
        {rep("a", 150) + "\xE2\x80\x99", U, 151, 3},  // one curly quote turns 1 segment into 3
        {rep(kGrin, 5000), U, 10000, 152},
        {rep("a", 10000) + kGrin, U, 10002, 150},
    });
}

TEST(Utf8Next, DecodesAndReplaces)
{
    const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xFF\xC3";
    std::vector<char32_t> got;
    for (std::size_t pos = 0; pos < s.size();) got.push_back(outreach::utf8::next(s, pos));
    EXPECT_EQ(got, (std::vector<char32_t>{U'a', 0xE9, 0x20AC, 0x1F600, 0xFFFD, 0xFFFD}));

    std::size_t pos = 0;
    EXPECT_EQ(outreach::utf8::next("\xE0\x80\x80", pos), 0xFFFDu);  // overlong: one byte consumed
    EXPECT_EQ(pos, 1u);
    pos = 0;
    EXPECT_EQ(outreach::utf8::next("\xF4\x8F\xBF\xBF", pos), 0x10FFFFu);
    EXPECT_EQ(pos, 4u);
}

}  // namespace
