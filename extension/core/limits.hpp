// How long a value of each kind may be before a normalizer refuses it unread. Every normalizer
// and parser of user data checks its cap first, so a hostile value (a megabyte in a phone
// column) costs one length check instead of minutes in a library, and nothing downstream
// (similarity, resolution) ever sees it. Caps are in bytes of UTF-8 and far above any real
// value; each says why. A value whose result would be longer than its cap is refused too, so
// every result is itself an acceptable input (normalizing it again gives it back).
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace outreach::limits {

// E.164 has at most 15 digits; with a country prefix, punctuation and a six-digit extension a
// written number stays under 40 characters (full-width digits take 3 bytes each).
constexpr std::size_t kPhone = 64;
// RFC 5321 caps an address at 254 octets; the rest is room for a display name or "mailto:".
constexpr std::size_t kEmail = 512;
// A person's name (first, last or whole) or a city: the longest real ones are under 100
// characters; 256 bytes leaves room for non-Latin scripts at 3 bytes a letter.
constexpr std::size_t kName = 256;
// Legal business names with a "doing business as" part run to about 200 characters.
constexpr std::size_t kBusiness = 512;
// A USPS delivery line is at most 64 characters; a house number, street and unit read as one
// line (streetNumber + street + street2) stay well under 256.
constexpr std::size_t kStreet = 256;
// "02134-1234" with quotes or an Excel ="..." marker around it.
constexpr std::size_t kZip = 32;
// The longest name of a state or territory ("Commonwealth of the Northern Mariana Islands") is 44.
constexpr std::size_t kState = 64;
// Counts and amounts ("$1,250,000.00 USD", "5 to 9") are a few dozen characters.
constexpr std::size_t kNumber = 64;
// A CSV column name matched against presets (the longest preset name is 20 characters).
constexpr std::size_t kHeader = 256;
// A message template: carriers cap one SMS body at 1,600 characters (Twilio); 64 KiB is ten
// times that in 4-byte characters with room for fallbacks, and still parses in microseconds.
constexpr std::size_t kTemplate = 64 * 1024;

// An SMS reply read by the classifier (core/replies.hpp): carriers cap a message at 1,600
// characters (Twilio's Body limit), so 4 KiB holds any real reply; a longer one (a pasted e-mail,
// a hostile webhook) is classified on its first 4 KiB, cut between characters, not refused:
// a STOP at its start must still count.
constexpr std::size_t kReply = 4 * 1024;

// The text a normalizer reads: `raw` when it fits in `cap` bytes; otherwise raw without its
// surrounding ASCII whitespace when that fits (a padded spreadsheet cell); otherwise nullopt, the
// value is too long to be one of its kind. Linear in the padding, constant otherwise.
inline std::optional<std::string_view> within(std::string_view raw, std::size_t cap)
{
    if (raw.size() <= cap) return raw;
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
    std::size_t b = 0, e = raw.size();
    while (b < e && space(raw[b])) ++b;
    while (e > b && space(raw[e - 1])) --e;
    if (e - b > cap) return std::nullopt;
    return raw.substr(b, e - b);
}

}  // namespace outreach::limits
