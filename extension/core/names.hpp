// People, e-mail addresses and business names: display forms and matching keys. Each function
// refuses (nullopt) input longer than its cap in limits.hpp (e-mail 512 bytes, names and keys
// 256, business names 512; surrounding whitespace aside) and a result that would be longer.
#pragma once
#include "no_postgres.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace outreach {

// Trimmed, lower-cased, syntactically valid address (local@domain with a dotted domain), else nullopt.
std::optional<std::string> normalize_email(std::string_view raw);

// Display form of a person's name: trimmed, spaces collapsed, Title Case that keeps O'Brien,
// McDonald, Anne-Marie, van der Berg readable. nullopt when nothing name-like is left.
std::optional<std::string> normalize_name(std::string_view raw);

// Matching key: lower case, accents folded (José -> jose), punctuation dropped, whitespace
// collapsed. nullopt when nothing is left.
std::optional<std::string> name_key(std::string_view raw);

// Matching key for a business: lower case, accents folded, & -> and, legal suffixes (LLC, Inc,
// Corp, Co, Ltd, LP, LLP, PLLC, PC, PA, ...) removed, punctuation dropped. nullopt when empty.
std::optional<std::string> normalize_business_name(std::string_view raw);

// Character-level folding shared by the keys above and by similarity code: Latin letters lose
// their accents (José -> jose, Straße -> strasse, Łukasz -> lukasz), other scripts are
// transliterated to Latin where ICU can (Иван -> ivan), everything is lower-cased, Unicode
// spaces become ' ', dashes '-', apostrophes '\'', invisible format characters are dropped and
// invalid UTF-8 bytes are read as Windows-1252. Punctuation is kept; the result is valid UTF-8
// (ASCII except for letters no transliterator knows).
std::string fold_to_ascii_lower(std::string_view raw);

}  // namespace outreach
