// libFuzzer target for extension/core/values.cpp: any bytes go into parse_count and parse_money;
// nothing may crash, and the outputs must keep their documented shape.
#include "core/values.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

void check(bool ok)
{
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view in(reinterpret_cast<const char *>(data), size);

    if (const auto n = outreach::parse_count(in)) {
        check(*n >= 0);
        // the number written plainly reads back as itself
        check(outreach::parse_count(std::to_string(*n)) == n);
    }

    if (const auto m = outreach::parse_money(in)) {
        // a plain decimal: digits, at most one '.', no leading zeros, no trailing fractional zeros
        const std::string &s = *m;
        check(!s.empty() && s.size() <= 64);
        const std::size_t dot = s.find('.');
        check(dot == std::string::npos || (s.find('.', dot + 1) == std::string::npos && dot > 0 && dot + 1 < s.size()));
        for (char c : s) check((c >= '0' && c <= '9') || c == '.');
        check(s[0] != '0' || s.size() == 1 || s[1] == '.');
        if (dot != std::string::npos) check(s.back() != '0');
        check(outreach::parse_money(s) == m);
    }
    return 0;
}
