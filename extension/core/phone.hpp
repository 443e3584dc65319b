// Phone numbers: libphonenumber is the judge of validity; we add a fast path for the shapes that
// make up nearly all real lead data (NANP numbers with formatting noise) that gives the same
// answer as the library, byte for byte, at a fraction of the cost.
#pragma once
#include "no_postgres.hpp"
#include "result.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace outreach {

// E.164 form ("+12125550199") of `raw` parsed with default region `region` (ISO 3166 alpha-2,
// case-insensitive), or nullopt when libphonenumber does not consider it a valid number.
// An unknown region is an Error (invalid_argument), not a NULL. Input longer than
// limits::kPhone (64 bytes, surrounding whitespace aside) is no number: nullopt, unparsed.
Result<std::optional<std::string>> normalize_phone(std::string_view raw, std::string_view region = "US");

// The same answer computed the straightforward way: Parse + IsValidNumber + Format(E164), with no
// fast path (after the same length cap). The reference for tests and the baseline of
// bench/normalize_phone.
Result<std::optional<std::string>> normalize_phone_reference(std::string_view raw, std::string_view region = "US");

}  // namespace outreach
