// US English given names and their nicknames / spelling variants, as groups of names that can be
// the same person (Robert, Bob, Bobby, Rob...). Used by name_similarity.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace outreach {

// The ids of every nickname group that `name` belongs to (sorted ascending; empty when the name
// is unknown). `name` must already be a name_key token: lower case ASCII, no punctuation.
// A name may be in several groups ("pat": Patrick and Patricia). The span points into a table
// built once per process and never freed.
std::span<const std::uint16_t> nickname_groups(std::string_view name);

// True when two sorted group-id lists share a group, i.e. the names are nickname-equivalent.
bool share_nickname_group(std::span<const std::uint16_t> a, std::span<const std::uint16_t> b);

// True when `a` and `b` are in one group (nicknames / spellings of one given name). Equal names
// are only reported when the name is in the table: callers test equality first.
bool nickname_equivalent(std::string_view a, std::string_view b);

}  // namespace outreach
