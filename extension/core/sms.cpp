// SMS length (see sms.hpp).
//
// Facts used, from 3GPP TS 23.038 (Alphabets and language-specific information), clause 6.2.1
// "GSM 7 bit Default Alphabet" and 6.2.1.1 "GSM 7 bit default alphabet extension table", and
// 3GPP TS 23.040 clause 9.2.3.24.1 (concatenated short messages):
//   - the default alphabet has 128 positions; 0x1B is the escape to the extension table, the
//     other 127 are characters. In Unicode terms they are: LF, CR, space, the printable ASCII
//     letters, digits and the punctuation ! " # % & ' ( ) * + , - . / : ; < = > ?, plus @ $ _,
//     and the non-ASCII £ ¥ è é ù ì ò Ç Ø ø Å å Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ Æ æ ß É ¤ ¡ Ä Ö Ñ Ü § ¿ ä
//     ö ñ ü à. Not there: ` (backtick), tab, ç (0x09 is the capital Ç), curly quotes, emoji.
//   - the extension table (reached by ESC, so 2 septets each): form feed, ^ { } \ [ ~ ] | and €.
//   - a single message carries 140 octets: 160 septets or 70 UCS-2 units. A part of a
//     concatenated message loses 6 octets to the user data header: 153 septets or 67 units.
// The tables below are written from those lists, not copied from anywhere.
#include "sms.hpp"

#include <climits>
#include <cstdint>

namespace outreach {
namespace {

constexpr int kGsmSingle = 160, kGsmPart = 153, kUcsSingle = 70, kUcsPart = 67;

// Septets per ASCII code point: 0 = not in GSM-7, 1 = default alphabet, 2 = extension table.
// clang-format off
constexpr unsigned char kAsciiCost[128] = {
    //  NUL..BEL, BS, TAB, LF, VT, FF, CR, SO, SI
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 0, 0,
    // 0x10..0x1F: no controls besides LF, CR and FF are characters of the alphabet
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    //  sp !  "  #  $  %  &  '  (  )  *  +  ,  -  .  /
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    //  0-9, :  ;  <  =  >  ?
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    //  @  A-O
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    //  P-Z, [  \  ]  ^  _
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1,
    //  `  a-o
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    //  p-z, {  |  }  ~  DEL
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0,
};
// clang-format on

// Septets for a code point: 0 when it is not in GSM-7 (the text then needs UCS-2).
int gsm7_cost(char32_t cp)
{
    if (cp < 0x80) return kAsciiCost[cp];
    switch (cp) {
    // clang-format off
    // Latin-1 letters and signs of the default alphabet
    case 0x00A1: case 0x00A3: case 0x00A4: case 0x00A5: case 0x00A7: case 0x00BF:  // ¡ £ ¤ ¥ § ¿
    case 0x00C4: case 0x00C5: case 0x00C6: case 0x00C7: case 0x00C9:               // Ä Å Æ Ç É
    case 0x00D1: case 0x00D6: case 0x00D8: case 0x00DC: case 0x00DF:               // Ñ Ö Ø Ü ß
    case 0x00E0: case 0x00E4: case 0x00E5: case 0x00E6: case 0x00E8: case 0x00E9:  // à ä å æ è é
    case 0x00EC: case 0x00F1: case 0x00F2: case 0x00F6: case 0x00F8: case 0x00F9:  // ì ñ ò ö ø ù
    case 0x00FC:                                                                   // ü
    // Greek capitals of the default alphabet
    case 0x0393: case 0x0394: case 0x0398: case 0x039B: case 0x039E:               // Γ Δ Θ Λ Ξ
    case 0x03A0: case 0x03A3: case 0x03A6: case 0x03A8: case 0x03A9:               // Π Σ Φ Ψ Ω
        return 1;
    // clang-format on
    case 0x20AC:  // € (extension table)
        return 2;
    default: return 0;
    }
}

// Adds without overflowing int.
int saturating_add(int a, int b) { return a > INT_MAX - b ? INT_MAX : a + b; }

// Segments of a text of `units` units in all, each character costing cost_of(code point): one
// up to `single`, otherwise parts of at most `part` filled greedily, a character never split.
template <typename CostOf>
int count_segments(std::string_view s, int units, int single, int part, CostOf cost_of)
{
    if (units == 0) return 0;
    if (units <= single) return 1;
    int segments = 1, used = 0;
    for (std::size_t pos = 0; pos < s.size();) {
        const int cost = cost_of(utf8::next(s, pos));
        if (used + cost > part) {
            segments = saturating_add(segments, 1);
            used = 0;
        }
        used += cost;
    }
    return segments;
}

// UTF-16 code units of a code point.
int ucs2_cost(char32_t cp) { return cp > 0xFFFF ? 2 : 1; }

}  // namespace

// One pass decides the alphabet and counts GSM septets; a second pass (only for texts that are
// not GSM-7, or that need more than one segment) counts UCS-2 units or places part boundaries.
SmsLength sms_length(std::string_view utf8)
{
    int septets = 0;
    bool gsm = true;
    for (std::size_t pos = 0; pos < utf8.size();) {
        const int cost = gsm7_cost(utf8::next(utf8, pos));
        if (cost == 0) {
            gsm = false;
            break;
        }
        septets = saturating_add(septets, cost);
    }
    if (gsm)
        return SmsLength{SmsEncoding::Gsm7, septets, count_segments(utf8, septets, kGsmSingle, kGsmPart, gsm7_cost)};
    int units = 0;
    for (std::size_t pos = 0; pos < utf8.size();) units = saturating_add(units, ucs2_cost(utf8::next(utf8, pos)));
    return SmsLength{SmsEncoding::Ucs2, units, count_segments(utf8, units, kUcsSingle, kUcsPart, ucs2_cost)};
}

}  // namespace outreach
