// block_pairs: candidate pairs from blocking keys.
#include "core/blocking.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace {

using outreach::block_pairs;
using outreach::BlockEntry;
using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;

TEST(BlockPairs, RowsMeetOnlyWhenTheyShareAKey)
{
    std::vector<BlockEntry> e = {{7, 1, true}, {7, 2, true}, {9, 3, true}, {9, 1, true}, {5, 4, true}};
    EXPECT_EQ(block_pairs(e, 8), (Pairs{{1, 2}, {1, 3}}));
}

TEST(BlockPairs, OldRowsAreComparedOnlyWithNewOnes)
{
    // 1 and 2 are the team's (not new): they were compared when they came in
    std::vector<BlockEntry> e = {{7, 1, false}, {7, 2, false}, {7, 3, true}};
    EXPECT_EQ(block_pairs(e, 8), (Pairs{{1, 3}, {2, 3}}));
    std::vector<BlockEntry> old_only = {{7, 1, false}, {7, 2, false}};
    EXPECT_TRUE(block_pairs(old_only, 8).empty());
}

TEST(BlockPairs, NewRowsWithSmallerIdsStillMeetTheTeamsRows)
{
    // A load that drew its ids (5) before a concurrent load committed its rows (9, 12) resolves
    // after it: its rows are new but older by id, and must still be compared with the team's.
    std::vector<BlockEntry> e = {{7, 9, false}, {7, 12, false}, {7, 5, true}};
    EXPECT_EQ(block_pairs(e, 8), (Pairs{{5, 9}, {5, 12}}));
    // ... and with the capped heads of a large block, whatever their age
    std::vector<BlockEntry> big = {{7, 1, true}};
    for (std::int64_t id = 100; id < 110; ++id) big.push_back({7, id, false});
    EXPECT_EQ(block_pairs(big, 3), (Pairs{{1, 100}, {1, 101}}));
}

TEST(BlockPairs, PairsAcrossKeysAreReportedOnce)
{
    std::vector<BlockEntry> e = {{1, 10, true}, {1, 11, true}, {2, 10, true},
                                 {2, 11, true}, {3, 11, true}, {3, 10, true}};
    EXPECT_EQ(block_pairs(e, 8), (Pairs{{10, 11}}));
}

TEST(BlockPairs, LargeBlocksAreCappedNotQuadratic)
{
    std::vector<BlockEntry> e;
    for (std::int64_t id = 1; id <= 1000; ++id) e.push_back({42, id, true});
    const Pairs got = block_pairs(e, 3);
    // ids 1, 2, 3 each meet every later member
    EXPECT_EQ(got.size(), 999u + 998u + 997u);
    for (const auto &[a, b] : got) {
        EXPECT_LE(a, 3);
        EXPECT_LT(a, b);
    }
}

TEST(BlockPairs, EmptyAndSingletons)
{
    std::vector<BlockEntry> none;
    EXPECT_TRUE(block_pairs(none, 8).empty());
    std::vector<BlockEntry> single = {{1, 1, true}, {2, 2, true}};
    EXPECT_TRUE(block_pairs(single, 8).empty());
    std::vector<BlockEntry> same_row = {{1, 5, true}, {1, 5, true}};
    EXPECT_TRUE(block_pairs(same_row, 8).empty());
}

// Against a direct reference on random inputs.
TEST(BlockPairs, AgreesWithAReference)
{
    std::mt19937_64 rng(3);
    for (int round = 0; round < 50; ++round) {
        std::vector<BlockEntry> e;
        std::set<std::pair<std::int64_t, std::int64_t>> seen;  // (key, id): a row has a key once
        for (int k = 0; k < 200; ++k) {
            const std::int64_t key = static_cast<std::int64_t>(rng() % 20);
            const std::int64_t id = static_cast<std::int64_t>(rng() % 60);
            if (seen.insert({key, id}).second) e.push_back({key, id, id >= 20});
        }
        const std::size_t cap = 1 + rng() % 5;
        std::set<std::pair<std::int64_t, std::int64_t>> want;
        std::map<std::int64_t, std::vector<BlockEntry>> blocks;
        for (const BlockEntry &x : e) blocks[x.key].push_back(x);
        for (auto &[key, members] : blocks) {
            std::sort(members.begin(), members.end(),
                      [](const BlockEntry &x, const BlockEntry &y) { return x.id < y.id; });
            for (std::size_t i = 0; i < std::min(cap, members.size()); ++i)
                for (std::size_t j = i + 1; j < members.size(); ++j)
                    if (members[j].is_new) want.insert({members[i].id, members[j].id});
        }
        const Pairs got = block_pairs(e, cap);
        EXPECT_EQ(got, Pairs(want.begin(), want.end())) << "round " << round;
    }
}

}  // namespace
