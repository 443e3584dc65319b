// Numbers as lead vendors write them: employee counts ("1,250", "5-9", "10+") and amounts of
// money ("$1,250,000", "2.5M", "$500K", "1.2 million"). Used by the import for the employeeCount
// and annualRevenue fields; anything that is not clearly a number is nullopt (the import then
// records a field warning and keeps the raw text), as is anything longer than limits::kNumber
// (64 bytes, surrounding whitespace aside).
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outreach {

// A non-negative count: "12", "1,250" (groups of three), "12.0" (spreadsheet export), "10+"
// (at least ten: 10), a range "5-9" / "5 to 9" / "5 – 9" (its lower bound, which is what is
// known for certain). Surrounding whitespace is ignored. nullopt for anything else, and for
// counts above 2,147,483,647 (an integer column).
std::optional<std::int32_t> parse_count(std::string_view raw);

// A non-negative amount as a plain decimal string with no trailing fractional zeros ("1250000",
// "2500000", "0.5"): digits with optional thousands groups and decimals, an optional "$" and
// "USD", and an optional scale word or letter (k/K/thousand, m/M/mm/MM/mil/million,
// b/B/bn/billion), exactly scaled (no floating point). nullopt for anything else, including
// negative amounts, ranges and results of more than 30 digits.
std::optional<std::string> parse_money(std::string_view raw);

}  // namespace outreach
