// How long an SMS is: which alphabet a text needs (GSM-7 or UCS-2), how many units it takes in
// that alphabet, and how many message segments a carrier bills for it. Campaign preparation uses
// it to price and cap messages before anything is sent.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <string_view>

namespace outreach {

enum class SmsEncoding { Gsm7, Ucs2 };

struct SmsLength {
    SmsEncoding encoding;
    int units;     // GSM-7: septets (an extension character costs 2); UCS-2: UTF-16 code units
    int segments;  // 0 for the empty text
};

// The encoding, units and segments of a UTF-8 text (3GPP TS 23.038 alphabets, TS 23.040
// concatenation). A text is GSM-7 when every code point is in the GSM 7-bit default alphabet or
// its default extension table, otherwise UCS-2. Segments: 1 up to 160 septets / 70 UCS-2 units,
// otherwise parts of at most 153 septets / 67 units filled greedily, never splitting an escape
// pair or a surrogate pair. Bytes that are not well-formed UTF-8 count as U+FFFD each (so UCS-2).
// Units and segments saturate at INT_MAX (unreachable for a Postgres text).
SmsLength sms_length(std::string_view utf8);

}  // namespace outreach

namespace outreach::utf8 {

// Decodes the code point that starts at byte `pos` of `s` and moves `pos` past it. A byte that
// does not start a well-formed sequence (the same rules as utf8::valid: no overlongs, no
// surrogates, nothing above U+10FFFF, no truncation) decodes as U+FFFD and moves `pos` by one,
// so every byte is consumed exactly once. Requires pos < s.size().
inline char32_t next(std::string_view s, std::size_t &pos)
{
    const auto *p = reinterpret_cast<const unsigned char *>(s.data()) + pos;
    const std::size_t left = s.size() - pos;
    const unsigned char c = p[0];
    if (c < 0x80) {
        ++pos;
        return c;
    }
    std::size_t len;
    char32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        ++pos;
        return 0xFFFD;
    }
    if (left < len) {
        ++pos;
        return 0xFFFD;
    }
    for (std::size_t i = 1; i < len; ++i) {
        if ((p[i] & 0xC0) != 0x80) {
            ++pos;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++pos;
        return 0xFFFD;
    }
    pos += len;
    return cp;
}

}  // namespace outreach::utf8
