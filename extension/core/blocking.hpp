// Candidate pairs for entity resolution from blocking keys: rows that share a key (a phone, an
// e-mail, ZIP + last name, ...) are compared; rows that share none never are. A large block (a
// main line shared by a whole office, a common surname in a big ZIP) must not cost quadratic
// work, so each member is compared with at most the `max_rank` oldest members of the block.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace outreach {

struct BlockEntry {
    std::int64_t key;  // the blocking key (a hash; different kinds of key hash differently)
    std::int64_t id;   // the row (observation) id; smaller = older
    bool is_new;       // from the load being resolved (pairs need at least one new side)
};

// Distinct pairs (a, b), a < b: every new member of a block with each of the block's `max_rank`
// smallest ids (older or younger than itself; ids do not tell which load committed first).
// Sorted by (a, b). Entries are reordered in place.
std::vector<std::pair<std::int64_t, std::int64_t>> block_pairs(std::vector<BlockEntry> &entries, std::size_t max_rank);

}  // namespace outreach
