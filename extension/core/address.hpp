// US postal addresses: street lines after USPS Publication 28, ZIP codes and states. Input longer
// than its cap in limits.hpp (street 256 bytes, ZIP 32, state 64; surrounding whitespace aside)
// is refused unread (nullopt), and so is a street line that would come out longer than 256.
#pragma once
#include "no_postgres.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace outreach {

// Canonical street line: upper case, punctuation dropped, USPS Publication 28 standard
// abbreviations for street suffixes (Appendix C1), directionals (N, NE, ...), secondary unit
// designators (Appendix C2: APT, STE, UNIT, # ...) and ordinal street names, so that
// "123 North Main St., Apt 4" and "123 N MAIN STREET APT 4" give the same string.
std::optional<std::string> normalize_street(std::string_view raw);

// Five-digit ZIP: restores leading zeros lost by spreadsheets ("2134" -> "02134"), drops +4
// ("02134-1234", "021341234"), else nullopt.
std::optional<std::string> normalize_zip(std::string_view raw);

// USPS two-letter code (states, DC, territories, military AA/AE/AP) from a code or a name
// ("new york", "N.Y.", "ny" -> "NY"), else nullopt.
std::optional<std::string> normalize_state(std::string_view raw);

}  // namespace outreach
