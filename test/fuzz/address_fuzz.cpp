// libFuzzer target for the address normalizers (extension/core/address.cpp). Beyond "does not
// crash" (ASan/UBSan do that part) it checks the promises callers rely on:
//  - normalize_street: a non-empty line of upper-case ASCII letters, digits and '#', '-', '/'
//    separated by single spaces, and idempotent (normalizing the result changes nothing);
//  - normalize_zip: exactly five digits, not starting with 000, and a fixed point;
//  - normalize_state: two upper-case letters, and a fixed point.
// Build: clang++ -std=c++20 -g -fsanitize=fuzzer,address,undefined -I extension
//        extension/core/address.cpp test/fuzz/address_fuzz.cpp -licuuc -o address_fuzz
#include "core/address.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

// Upper-case ASCII words of [A-Z0-9#/-] separated by single spaces, no space at either end.
bool well_formed_street(std::string_view s)
{
    if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
    char prev = 0;
    for (char c : s) {
        const bool ok =
            (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '#' || c == '-' || c == '/' || c == ' ';
        if (!ok || (c == ' ' && prev == ' ')) return false;
        prev = c;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view in(reinterpret_cast<const char *>(data), size);

    if (const auto street = outreach::normalize_street(in)) {
        if (!well_formed_street(*street)) __builtin_trap();
        const auto again = outreach::normalize_street(*street);
        if (!again || *again != *street) __builtin_trap();
    }

    if (const auto zip = outreach::normalize_zip(in)) {
        if (zip->size() != 5) __builtin_trap();
        for (char c : *zip)
            if (c < '0' || c > '9') __builtin_trap();
        if (zip->compare(0, 3, "000") == 0) __builtin_trap();
        const auto again = outreach::normalize_zip(*zip);
        if (!again || *again != *zip) __builtin_trap();
    }

    if (const auto state = outreach::normalize_state(in)) {
        if (state->size() != 2) __builtin_trap();
        for (char c : *state)
            if (c < 'A' || c > 'Z') __builtin_trap();
        const auto again = outreach::normalize_state(*state);
        if (!again || *again != *state) __builtin_trap();
    }
    return 0;
}
