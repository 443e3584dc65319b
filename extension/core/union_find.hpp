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

// The same, for edges given strongest first, where some pairs must never end in one component
// (an operator said they are different people). Edges are taken in order; an edge that would
// join two components holding such a pair is skipped. Returns the components and, for each edge,
// whether it was used (true) or skipped. Ids of cannot-link pairs that appear in no edge are
// ignored. Greedy: a strong edge is never given up for weaker ones.
struct ConstrainedComponents {
    std::vector<std::pair<std::int64_t, std::int64_t>> components;  // (id, root) sorted by id
    std::vector<bool> edge_used;
};
ConstrainedComponents connected_components(const std::vector<std::int64_t> &from, const std::vector<std::int64_t> &to,
                                           const std::vector<std::int64_t> &cannot_a,
                                           const std::vector<std::int64_t> &cannot_b);

}  // namespace outreach
