// Connected components of a graph given as an edge list over 64-bit ids (the persona and
// business ids that resolution links). Used to turn pairwise "same entity" decisions into
// clusters in one pass, instead of iterating label propagation in SQL.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace outreach {

// For every id that appears in an edge, the smallest id of its component, as (id, root) pairs
// sorted by id. Edges may repeat, be given in either direction or be self-loops (a self-loop
// makes its id appear). Runs in O(E log E): the ids are compressed by sorting, then joined by
// union-find with path halving and union by smallest id.
std::vector<std::pair<std::int64_t, std::int64_t>> connected_components(const std::vector<std::int64_t> &from,
                                                                        const std::vector<std::int64_t> &to);

}  // namespace outreach
