// connected_components: clusters of resolution decisions.
#include "core/union_find.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
    for (const auto &[id, root] : got) EXPECT_EQ(root, INT64_MIN) << id;
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
        for (const auto &[id, root] : got) EXPECT_EQ(root, label[id]) << "round " << round << " id " << id;
    }
}

}  // namespace

namespace {

using outreach::connected_components;

TEST(ConstrainedComponents, ACannotLinkStopsABridge)
{
    // 10 and 20 are known different; row 30 matches both (strongest to 10 first).
    const auto got = connected_components({30, 30}, {10, 20}, {10}, {20});
    EXPECT_EQ(got.components, (Pairs{{10, 10}, {20, 20}, {30, 10}}));
    EXPECT_EQ(got.edge_used, (std::vector<bool>{true, false}));
}

TEST(ConstrainedComponents, OrderDecidesWhichSideWins)
{
    const auto got = connected_components({30, 30}, {20, 10}, {10}, {20});
    EXPECT_EQ(got.components, (Pairs{{10, 10}, {20, 20}, {30, 20}}));
}

TEST(ConstrainedComponents, ForbiddenPairsTravelWithTheirComponents)
{
    // 1-2 joined, 3-4 joined, 2 and 4 forbidden: the edge 1-3 would put them together.
    const auto got = connected_components({1, 3, 1, 5}, {2, 4, 3, 4}, {2}, {4});
    EXPECT_EQ(got.edge_used, (std::vector<bool>{true, true, false, true}));
    EXPECT_EQ(got.components, (Pairs{{1, 1}, {2, 1}, {3, 3}, {4, 3}, {5, 3}}));
}

TEST(ConstrainedComponents, UnknownIdsAndSelfPairsAreIgnored)
{
    const auto got = connected_components({1}, {2}, {7, 1}, {8, 1});
    EXPECT_EQ(got.components, (Pairs{{1, 1}, {2, 1}}));
    EXPECT_THROW(connected_components({1}, {2}, {1}, {}), std::invalid_argument);
}

// With no constraints the result equals the plain components, and no edge is skipped.
TEST(ConstrainedComponents, WithoutConstraintsEqualsPlain)
{
    std::mt19937_64 rng(7);
    std::vector<std::int64_t> a, b;
    for (int e = 0; e < 200; ++e) {
        a.push_back(static_cast<std::int64_t>(rng() % 90));
        b.push_back(static_cast<std::int64_t>(rng() % 90));
    }
    const auto got = connected_components(a, b, {}, {});
    EXPECT_EQ(got.components, connected_components(a, b));
    EXPECT_EQ(std::count(got.edge_used.begin(), got.edge_used.end(), false), 0);
}

// Random graphs with random constraints: no component ever holds a forbidden pair, and every
// skipped edge really would have joined one.
TEST(ConstrainedComponents, NeverJoinsAForbiddenPair)
{
    std::mt19937_64 rng(11);
    for (int round = 0; round < 100; ++round) {
        std::vector<std::int64_t> a, b, ca, cb;
        const int nodes = 2 + static_cast<int>(rng() % 40);
        for (int e = 0; e < 60; ++e) {
            a.push_back(static_cast<std::int64_t>(rng() % nodes));
            b.push_back(static_cast<std::int64_t>(rng() % nodes));
        }
        for (int c = 0; c < 5; ++c) {
            ca.push_back(static_cast<std::int64_t>(rng() % nodes));
            cb.push_back(static_cast<std::int64_t>(rng() % nodes));
        }
        const auto got = connected_components(a, b, ca, cb);
        std::map<std::int64_t, std::int64_t> root(got.components.begin(), got.components.end());
        for (std::size_t c = 0; c < ca.size(); ++c)
            if (ca[c] != cb[c] && root.count(ca[c]) && root.count(cb[c]))
                EXPECT_NE(root[ca[c]], root[cb[c]]) << "round " << round;
        for (std::size_t e = 0; e < a.size(); ++e)
            if (got.edge_used[e]) EXPECT_EQ(root[a[e]], root[b[e]]);
    }
}

}  // namespace
