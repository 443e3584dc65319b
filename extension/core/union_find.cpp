// Connected components by union-find (see union_find.hpp).
#include "union_find.hpp"

#include <algorithm>
#include <stdexcept>

namespace outreach {

std::vector<std::pair<std::int64_t, std::int64_t>> connected_components(const std::vector<std::int64_t> &from,
                                                                        const std::vector<std::int64_t> &to)
{
    if (from.size() != to.size())
        throw std::invalid_argument("connected_components: the two edge arrays differ in length");

    std::vector<std::int64_t> ids;
    ids.reserve(from.size() * 2);
    ids.insert(ids.end(), from.begin(), from.end());
    ids.insert(ids.end(), to.begin(), to.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const auto index_of = [&](std::int64_t id) {
        return static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
    };

    // parent[i] <= i always (the smaller index wins a union), so a root is its component's
    // smallest index and therefore its smallest id.
    std::vector<std::size_t> parent(ids.size());
    for (std::size_t i = 0; i < parent.size(); ++i)
        parent[i] = i;
    const auto find = [&](std::size_t i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    };
    for (std::size_t e = 0; e < from.size(); ++e) {
        std::size_t a = find(index_of(from[e]));
        std::size_t b = find(index_of(to[e]));
        if (a == b)
            continue;
        if (b < a)
            std::swap(a, b);
        parent[b] = a;
    }

    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    out.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        out.emplace_back(ids[i], ids[find(i)]);
    return out;
}

}  // namespace outreach
