// DigitDfa: parse the pattern into a small syntax tree, build a Thompson NFA from it (backwards,
// so a counted repeat is simply the child generated again), and determinize lazily.
#include "digit_dfa.hpp"

#include <algorithm>

namespace outreach {

namespace {

// States beyond which a DFA stops growing (its answers then come from RE2). The NANP patterns
// need a few thousand; the cap only bounds memory on pathological metadata.
constexpr std::size_t kMaxDfaStates = 200000;
constexpr std::size_t kMaxNfaStates = 200000;
constexpr int kMaxRepeat = 32;

struct Node {
    enum Kind { set, cat, alt, repeat } kind;
    std::uint16_t digits = 0;    // set
    std::vector<Node> children;  // cat, alt; repeat has one
    int min = 0, max = 0;        // repeat; max -1 = unbounded
};

}  // namespace

// Recursive-descent parser of the subset; any other syntax makes it fail.
class DigitRegexParser {
public:
    explicit DigitRegexParser(std::string_view p) : p_(p) {}

    bool parse(Node &out)
    {
        if (!alternation(out, 0)) return false;
        return pos_ == p_.size();
    }

    // Appends the states of `n` to dfa.nfa_, leading to state `next`; returns the entry state.
    static int generate(DigitDfa &dfa, const Node &n, int next)
    {
        if (dfa.nfa_.size() > kMaxNfaStates) return -1;
        switch (n.kind) {
        case Node::set: {
            dfa.nfa_.push_back({n.digits, next, {}});
            return static_cast<int>(dfa.nfa_.size() - 1);
        }
        case Node::cat: {
            int s = next;
            for (auto it = n.children.rbegin(); it != n.children.rend() && s >= 0; ++it) s = generate(dfa, *it, s);
            return s;
        }
        case Node::alt: {
            std::vector<int> entries;
            for (const Node &c : n.children) {
                int e = generate(dfa, c, next);
                if (e < 0) return -1;
                entries.push_back(e);
            }
            dfa.nfa_.push_back({0, -1, std::move(entries)});
            return static_cast<int>(dfa.nfa_.size() - 1);
        }
        case Node::repeat: {
            const Node &child = n.children.front();
            int s = next;
            if (n.max < 0) {
                // A loop state: either the child once more (back to the loop) or on.
                dfa.nfa_.push_back({0, -1, {}});
                int loop = static_cast<int>(dfa.nfa_.size() - 1);
                int body = generate(dfa, child, loop);
                if (body < 0) return -1;
                dfa.nfa_[static_cast<std::size_t>(loop)].eps = {body, next};
                s = loop;
            } else {
                for (int k = n.min; k < n.max; ++k) {  // optional copies
                    int body = generate(dfa, child, s);
                    if (body < 0) return -1;
                    dfa.nfa_.push_back({0, -1, {body, s}});
                    s = static_cast<int>(dfa.nfa_.size() - 1);
                }
            }
            for (int k = 0; k < n.min && s >= 0; ++k) s = generate(dfa, child, s);
            return s;
        }
        }
        return -1;
    }

private:
    bool more() const { return pos_ < p_.size(); }
    char peek() const { return p_[pos_]; }

    bool alternation(Node &out, int depth)
    {
        if (depth > 100) return false;
        out = Node{Node::alt, 0, {}, 0, 0};
        do {
            Node branch{Node::cat, 0, {}, 0, 0};
            if (!concatenation(branch, depth)) return false;
            out.children.push_back(std::move(branch));
        } while (more() && peek() == '|' && ++pos_);
        return true;
    }

    bool concatenation(Node &out, int depth)
    {
        while (more() && peek() != '|' && peek() != ')') {
            Node atom;
            if (!this->atom(atom, depth)) return false;
            if (!quantifiers(atom)) return false;
            out.children.push_back(std::move(atom));
        }
        return true;
    }

    bool atom(Node &out, int depth)
    {
        char c = peek();
        if (c >= '0' && c <= '9') {
            ++pos_;
            out = Node{Node::set, static_cast<std::uint16_t>(1u << (c - '0')), {}, 0, 0};
            return true;
        }
        if (c == '\\') {
            if (pos_ + 1 >= p_.size() || p_[pos_ + 1] != 'd') return false;
            pos_ += 2;
            out = Node{Node::set, 0x3FF, {}, 0, 0};
            return true;
        }
        if (c == '[') return klass(out);
        if (c == '(') {
            ++pos_;
            if (p_.substr(pos_, 2) == "?:")
                pos_ += 2;
            else if (more() && peek() == '?')
                return false;  // look-arounds and the like
            if (!alternation(out, depth + 1)) return false;
            if (!more() || peek() != ')') return false;
            ++pos_;
            return true;
        }
        return false;
    }

    bool klass(Node &out)
    {
        ++pos_;  // '['
        std::uint16_t set = 0;
        if (more() && peek() == '^') return false;
        while (more() && peek() != ']') {
            char lo = peek();
            if (lo == '\\' && pos_ + 1 < p_.size() && p_[pos_ + 1] == 'd') {
                set |= 0x3FF;
                pos_ += 2;
                continue;
            }
            if (lo < '0' || lo > '9') return false;
            ++pos_;
            char hi = lo;
            if (pos_ + 1 < p_.size() && peek() == '-' && p_[pos_ + 1] != ']') {
                hi = p_[pos_ + 1];
                if (hi < lo || hi > '9') return false;
                pos_ += 2;
            }
            for (char d = lo; d <= hi; ++d) set |= static_cast<std::uint16_t>(1u << (d - '0'));
        }
        if (!more()) return false;
        ++pos_;  // ']'
        out = Node{Node::set, set, {}, 0, 0};
        return true;
    }

    bool number(int &v)
    {
        if (!more() || peek() < '0' || peek() > '9') return false;
        v = 0;
        while (more() && peek() >= '0' && peek() <= '9') {
            v = v * 10 + (peek() - '0');
            if (v > kMaxRepeat) return false;
            ++pos_;
        }
        return true;
    }

    bool quantifiers(Node &atom)
    {
        while (more()) {
            int min, max;
            char c = peek();
            if (c == '?')
                min = 0, max = 1, ++pos_;
            else if (c == '*')
                min = 0, max = -1, ++pos_;
            else if (c == '+')
                min = 1, max = -1, ++pos_;
            else if (c == '{') {
                ++pos_;
                if (!number(min)) return false;
                max = min;
                if (more() && peek() == ',') {
                    ++pos_;
                    if (more() && peek() == '}')
                        max = -1;
                    else if (!number(max) || max < min)
                        return false;
                }
                if (!more() || peek() != '}') return false;
                ++pos_;
            } else {
                return true;
            }
            if (more() && (peek() == '?' || peek() == '+') && c != '{') return false;  // lazy/possessive
            atom = Node{Node::repeat, 0, {std::move(atom)}, min, max};
        }
        return true;
    }

    std::string_view p_;
    std::size_t pos_ = 0;
};

std::unique_ptr<DigitDfa> DigitDfa::compile(std::string_view pattern)
{
    Node root;
    DigitRegexParser parser(pattern);
    if (pattern.empty() || !parser.parse(root)) return nullptr;
    auto dfa = std::unique_ptr<DigitDfa>(new DigitDfa());
    dfa->nfa_.push_back({0, -1, {}});  // the match state
    dfa->match_nfa_ = 0;
    dfa->start_nfa_ = DigitRegexParser::generate(*dfa, root, dfa->match_nfa_);
    if (dfa->start_nfa_ < 0) return nullptr;
    dfa->start_ = dfa->state_for({dfa->start_nfa_});
    return dfa;
}

// Adds every state reachable by epsilon moves, keeping the set sorted.
void DigitDfa::closure(std::vector<int> &set) const
{
    std::vector<int> stack(set.begin(), set.end());
    std::vector<bool> seen(nfa_.size(), false);
    for (int s : set) seen[static_cast<std::size_t>(s)] = true;
    while (!stack.empty()) {
        int s = stack.back();
        stack.pop_back();
        for (int e : nfa_[static_cast<std::size_t>(s)].eps)
            if (!seen[static_cast<std::size_t>(e)]) {
                seen[static_cast<std::size_t>(e)] = true;
                set.push_back(e);
                stack.push_back(e);
            }
    }
    // Only states that consume a digit or accept matter for the future: drop pure epsilon states
    // so that equivalent sets share one DFA state.
    std::vector<int> kept;
    for (int s : set) {
        const NfaState &n = nfa_[static_cast<std::size_t>(s)];
        if (n.digits != 0 || s == match_nfa_) kept.push_back(s);
    }
    std::sort(kept.begin(), kept.end());
    set.swap(kept);
}

int DigitDfa::state_for(std::vector<int> set) const
{
    closure(set);
    auto it = ids_.find(set);
    if (it != ids_.end()) return it->second;
    if (dfa_.size() >= kMaxDfaStates) return -1;
    DfaState st;
    st.accept = std::binary_search(set.begin(), set.end(), match_nfa_);
    st.next.fill(-1);
    st.nfa = set;
    int id = static_cast<int>(dfa_.size());
    dfa_.push_back(std::move(st));
    ids_.emplace(std::move(set), id);
    return id;
}

int DigitDfa::step(int state, int digit) const
{
    int &cached = dfa_[static_cast<std::size_t>(state)].next[static_cast<std::size_t>(digit)];
    if (cached >= 0) return cached;
    std::vector<int> moved;
    for (int s : dfa_[static_cast<std::size_t>(state)].nfa) {
        const NfaState &n = nfa_[static_cast<std::size_t>(s)];
        if (n.digits & (1u << digit)) moved.push_back(n.next);
    }
    int id = state_for(std::move(moved));
    // state_for may have grown dfa_: take the slot again before writing.
    if (id >= 0) dfa_[static_cast<std::size_t>(state)].next[static_cast<std::size_t>(digit)] = id;
    return id;
}

std::optional<bool> DigitDfa::full_match(std::string_view digits) const
{
    int s = start_;
    for (char c : digits) {
        if (c < '0' || c > '9' || s < 0) return std::nullopt;
        s = step(s, c - '0');
        if (s < 0) return std::nullopt;
        if (dfa_[static_cast<std::size_t>(s)].nfa.empty()) return false;  // dead state
    }
    return dfa_[static_cast<std::size_t>(s)].accept;
}

std::optional<bool> DigitDfa::prefix_match(std::string_view digits) const
{
    int s = start_;
    if (dfa_[static_cast<std::size_t>(s)].accept) return true;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        s = step(s, c - '0');
        if (s < 0) return std::nullopt;
        if (dfa_[static_cast<std::size_t>(s)].accept) return true;
        if (dfa_[static_cast<std::size_t>(s)].nfa.empty()) return false;
    }
    return false;
}

}  // namespace outreach
