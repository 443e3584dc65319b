// connected_components: clusters of resolution decisions.
#include "core/union_find.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace {

using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;

TEST(ConnectedComponents, EmptyGraph) { EXPECT_TRUE(outreach::connected_components({}, {}).empty()); }

TEST(ConnectedComponents, ChainsJoinAndRootIsSmallestId)
{
    // 30-20-10 is one chain given out of order; 7 stands alone by a self-loop; 100-5 joins a
    // large id to a small one.
    const Pairs got = outreach::connected_components({30, 20, 7, 100}, {20, 10, 7, 5});
    const Pairs want = {{5, 5}, {7, 7}, {10, 10}, {20, 10}, {30, 10}, {100, 5}};
    EXPECT_EQ(got, want);
}

TEST(ConnectedComponents, RepeatedAndReversedEdges)
{
    const Pairs got = outreach::connected_components({1, 2, 2, 1}, {2, 1, 1, 2});
    EXPECT_EQ(got, (Pairs{{1, 1}, {2, 1}}));
}

TEST(ConnectedComponents, NegativeAndExtremeIds)
{
    const Pairs got = outreach::connected_components({INT64_MAX, -3}, {INT64_MIN, INT64_MAX});
    for (const auto &[id, root] : got)
        EXPECT_EQ(root, INT64_MIN) << id;
    EXPECT_EQ(got.size(), 3u);
}

TEST(ConnectedComponents, MismatchedArraysAreAnError)
{
    EXPECT_THROW(outreach::connected_components({1, 2}, {1}), std::invalid_argument);
}

// Against a simple reference (repeated relaxation until nothing changes) on random graphs.
TEST(ConnectedComponents, AgreesWithRelaxationOnRandomGraphs)
{
    std::mt19937_64 rng(42);
    for (int round = 0; round < 50; ++round) {
        const int nodes = 1 + static_cast<int>(rng() % 60);
        const int edges = static_cast<int>(rng() % 80);
        std::vector<std::int64_t> a, b;
        for (int e = 0; e < edges; ++e) {
            a.push_back(static_cast<std::int64_t>(rng() % nodes) * 7 - 50);
            b.push_back(static_cast<std::int64_t>(rng() % nodes) * 7 - 50);
        }
        std::map<std::int64_t, std::int64_t> label;
        for (int e = 0; e < edges; ++e) {
            label[a[e]] = a[e];
            label[b[e]] = b[e];
        }
        for (bool changed = true; changed;) {
            changed = false;
            for (int e = 0; e < edges; ++e) {
                const std::int64_t m = std::min(label[a[e]], label[b[e]]);
                for (std::int64_t id : {a[e], b[e]})
                    if (label[id] != m) {
                        label[id] = m;
                        changed = true;
                    }
            }
        }
        const Pairs got = outreach::connected_components(a, b);
        ASSERT_EQ(got.size(), label.size());
        for (const auto &[id, root] : got)
            EXPECT_EQ(root, label[id]) << "round " << round << " id " << id;
    }
}

}  // namespace
