// libFuzzer target for extension/core/similarity.cpp. The input is split in two at the first NUL
// byte (or in the middle when there is none); all three similarity functions are called both
// ways. Traps when a score is NaN or outside [0, 1], when f(a, b) and f(b, a) differ by more than
// 1e-9, or when f(x, x) is not 1 for an x with a non-empty key (for jaro_winkler: any x).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/names.hpp"
#include "core/similarity.hpp"

namespace {

using SimFn = double (*)(std::string_view, std::string_view);

void check_score(double s)
{
    if (std::isnan(s) || s < 0.0 || s > 1.0) __builtin_trap();
}

// Range and symmetry of f on (a, b).
void check_pair(SimFn f, std::string_view a, std::string_view b)
{
    const double ab = f(a, b), ba = f(b, a);
    check_score(ab);
    check_score(ba);
    if (std::fabs(ab - ba) > 1e-9) __builtin_trap();
}

// f(x, x) is exactly 1 when x has a key (`has_key`), and a valid score otherwise.
void check_self(SimFn f, std::string_view x, bool has_key)
{
    const double s = f(x, x);
    check_score(s);
    if (has_key && s != 1.0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = reinterpret_cast<const char *>(data);
    const void *nul = std::memchr(p, 0, size);
    const size_t cut = nul ? static_cast<size_t>(static_cast<const char *>(nul) - p) : size / 2;
    const std::string_view a(p, cut);
    const size_t b_start = nul ? cut + 1 : cut;
    const std::string_view b(p + b_start, size - b_start);

    check_pair(&outreach::jaro_winkler, a, b);
    check_pair(&outreach::name_similarity, a, b);
    check_pair(&outreach::business_similarity, a, b);

    for (std::string_view x : {a, b}) {
        check_self(&outreach::jaro_winkler, x, true);
        check_self(&outreach::name_similarity, x, outreach::name_key(x).has_value());
        check_self(&outreach::business_similarity, x, outreach::normalize_business_name(x).has_value());
    }
    return 0;
}
