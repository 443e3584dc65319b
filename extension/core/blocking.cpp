// Candidate pairs from blocking keys (see blocking.hpp).
#include "blocking.hpp"

#include <algorithm>

#include "interrupt.hpp"

namespace outreach {

std::vector<std::pair<std::int64_t, std::int64_t>> block_pairs(std::vector<BlockEntry> &entries, std::size_t max_rank)
{
    std::sort(entries.begin(), entries.end(),
              [](const BlockEntry &x, const BlockEntry &y) { return x.key != y.key ? x.key < y.key : x.id < y.id; });
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
    InterruptTicker ticker;
    for (std::size_t start = 0; start < entries.size();) {
        std::size_t end = start + 1;
        bool any_new = entries[start].is_new;
        while (end < entries.size() && entries[end].key == entries[start].key) {
            any_new = any_new || entries[end].is_new;
            ++end;
        }
        if (end - start > 1 && any_new) {
            // Each new member meets the block's heads, older or younger than itself: a load that
            // drew its ids before a concurrent load committed has new rows older than the team's.
            const std::size_t heads = std::min(end - start, max_rank);
            for (std::size_t j = start; j < end; ++j) {
                if (!entries[j].is_new) continue;
                for (std::size_t i = start; i < start + heads; ++i) {
                    ticker.tick();  // max_rank comes from SQL: a block can cost |block| * max_rank
                    if (entries[i].id != entries[j].id)
                        pairs.emplace_back(std::min(entries[i].id, entries[j].id),
                                           std::max(entries[i].id, entries[j].id));
                }
            }
        }
        start = end;
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    return pairs;
}

}  // namespace outreach
