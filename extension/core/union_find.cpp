// Connected components by union-find (see union_find.hpp).
#include "union_find.hpp"

#include <algorithm>
#include <stdexcept>

#include "interrupt.hpp"

namespace outreach {

namespace {

// Union-find over the ids of the edges (compressed by sorting), with optional cannot-link lists.
class Forest {
public:
    Forest(const std::vector<std::int64_t> &from, const std::vector<std::int64_t> &to)
    {
        ids_.reserve(from.size() * 2);
        ids_.insert(ids_.end(), from.begin(), from.end());
        ids_.insert(ids_.end(), to.begin(), to.end());
        std::sort(ids_.begin(), ids_.end());
        ids_.erase(std::unique(ids_.begin(), ids_.end()), ids_.end());
        parent_.resize(ids_.size());
        for (std::size_t i = 0; i < parent_.size(); ++i) parent_[i] = i;
    }

    // Index of an id, or npos when it is in no edge.
    std::size_t index_of(std::int64_t id) const
    {
        const auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
        return it != ids_.end() && *it == id ? static_cast<std::size_t>(it - ids_.begin()) : npos;
    }

    std::size_t find(std::size_t i)
    {
        while (parent_[i] != i) {
            parent_[i] = parent_[parent_[i]];
            i = parent_[i];
        }
        return i;
    }

    void forbid(std::size_t a, std::size_t b)
    {
        if (cannot_.empty()) cannot_.resize(ids_.size());
        cannot_[a].push_back(b);
        cannot_[b].push_back(a);
    }

    // Joins the components of a and b unless a forbidden pair would end up together. The
    // smaller index becomes the root (so a root is its component's smallest id); the cannot
    // lists move to it, the shorter one scanned for the check and appended to the longer one
    // (small to large: each index moves O(log n) times, however the unions come).
    bool unite(std::size_t a, std::size_t b)
    {
        a = find(a);
        b = find(b);
        if (a == b) return true;
        if (!cannot_.empty()) {
            const std::size_t small = cannot_[a].size() <= cannot_[b].size() ? a : b;
            const std::size_t other = small == a ? b : a;
            for (std::size_t c : cannot_[small])
                if (find(c) == other) return false;
        }
        if (b < a) std::swap(a, b);
        parent_[b] = a;
        if (!cannot_.empty() && !cannot_[b].empty()) {
            if (cannot_[a].size() < cannot_[b].size()) std::swap(cannot_[a], cannot_[b]);
            cannot_[a].insert(cannot_[a].end(), cannot_[b].begin(), cannot_[b].end());
            cannot_[b].clear();
            cannot_[b].shrink_to_fit();
        }
        return true;
    }

    std::vector<std::pair<std::int64_t, std::int64_t>> components()
    {
        std::vector<std::pair<std::int64_t, std::int64_t>> out;
        out.reserve(ids_.size());
        for (std::size_t i = 0; i < ids_.size(); ++i) out.emplace_back(ids_[i], ids_[find(i)]);
        return out;
    }

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

private:
    std::vector<std::int64_t> ids_;
    std::vector<std::size_t> parent_;
    std::vector<std::vector<std::size_t>> cannot_;  // per root: indexes it must not join
};

}  // namespace

std::vector<std::pair<std::int64_t, std::int64_t>> connected_components(const std::vector<std::int64_t> &from,
                                                                        const std::vector<std::int64_t> &to)
{
    if (from.size() != to.size())
        throw std::invalid_argument("connected_components: the two edge arrays differ in length");
    Forest forest(from, to);
    InterruptTicker ticker;
    for (std::size_t e = 0; e < from.size(); ++e) {
        ticker.tick();
        forest.unite(forest.index_of(from[e]), forest.index_of(to[e]));
    }
    return forest.components();
}

ConstrainedComponents connected_components(const std::vector<std::int64_t> &from, const std::vector<std::int64_t> &to,
                                           const std::vector<std::int64_t> &cannot_a,
                                           const std::vector<std::int64_t> &cannot_b)
{
    if (from.size() != to.size())
        throw std::invalid_argument("connected_components: the two edge arrays differ in length");
    if (cannot_a.size() != cannot_b.size())
        throw std::invalid_argument("connected_components: the two cannot-link arrays differ in length");
    Forest forest(from, to);
    for (std::size_t k = 0; k < cannot_a.size(); ++k) {
        const std::size_t a = forest.index_of(cannot_a[k]);
        const std::size_t b = forest.index_of(cannot_b[k]);
        if (a != Forest::npos && b != Forest::npos && a != b) forest.forbid(a, b);
    }
    ConstrainedComponents out;
    out.edge_used.resize(from.size());
    InterruptTicker ticker;
    for (std::size_t e = 0; e < from.size(); ++e) {
        ticker.tick();
        out.edge_used[e] = forest.unite(forest.index_of(from[e]), forest.index_of(to[e]));
    }
    out.components = forest.components();
    return out;
}

}  // namespace outreach
