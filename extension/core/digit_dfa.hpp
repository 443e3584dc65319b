// A lazily determinized automaton for the digit-only regular expressions of libphonenumber's
// metadata (national number patterns, leading digits). Those patterns use a small subset of regex
// syntax: digits, [classes] with ranges, \d, groups (?:...) and (...), alternation, and the
// quantifiers ?, *, +, {n}, {n,}, {n,m}. Over the ten-letter alphabet 0-9 such a pattern becomes
// a DFA whose states are built on first use and cached, so matching a ten-digit number is ten
// table look-ups instead of a general regex engine call.
#pragma once
#include "no_postgres.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace outreach {

class DigitDfa {
public:
    // nullptr when the pattern uses syntax outside the subset (the caller then uses RE2).
    static std::unique_ptr<DigitDfa> compile(std::string_view pattern);

    // Whether the whole of `digits` matches. nullopt when the input holds a non-digit or the
    // automaton grew past its state budget (the caller then asks RE2).
    std::optional<bool> full_match(std::string_view digits) const;

    // Whether some prefix of `digits` matches (an anchored search, as leading_digits are used).
    std::optional<bool> prefix_match(std::string_view digits) const;

private:
    struct NfaState {
        std::uint16_t digits = 0;  // set of digits this state consumes; 0 for an epsilon state
        int next = -1;             // after consuming a digit
        std::vector<int> eps;      // epsilon moves
    };
    struct DfaState {
        std::vector<int> nfa;  // sorted set of NFA states
        bool accept = false;
        std::array<int, 10> next;  // -1: not computed yet
    };

    int state_for(std::vector<int> set) const;
    int step(int state, int digit) const;
    void closure(std::vector<int> &set) const;

    std::vector<NfaState> nfa_;
    int start_nfa_ = 0;
    int match_nfa_ = 0;
    mutable std::vector<DfaState> dfa_;
    mutable std::map<std::vector<int>, int> ids_;
    int start_ = 0;

    friend class DigitRegexParser;
};

}  // namespace outreach
