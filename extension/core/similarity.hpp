// Similarity scores in [0, 1] for entity resolution.
#pragma once
#include "no_postgres.hpp"

#include <string_view>

namespace outreach {

// Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4), over Unicode code points of the
// UTF-8 input. Two empty strings are 1.0; one empty string is 0.0.
double jaro_winkler(std::string_view a, std::string_view b);

// Similarity of two person names (first, last, or "first last"), after name_key folding:
// nicknames (Bob/Robert, Bill/William, Peggy/Margaret) count as close, token order is forgiven.
double name_similarity(std::string_view a, std::string_view b);

// Similarity of two business names after normalize_business_name: token-aware, so
// "Acme Plumbing LLC" and "ACME Plumbing & Heating" are closer than unrelated names.
double business_similarity(std::string_view a, std::string_view b);

}  // namespace outreach
