// Fuzzing of timezone_for / timezones_for: the input is split into state, ZIP and phone at NUL
// bytes. The two functions must agree (the first zone of timezones_for is timezone_for), list no
// zone twice, and return only zone names from the shipped data.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/geo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    std::string_view in(reinterpret_cast<const char *>(data), size);
    std::string_view parts[3];
    for (int i = 0; i < 3; ++i) {
        std::size_t nul = in.find('\0');
        parts[i] = in.substr(0, nul);
        in = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);
    }
    auto zone = outreach::timezone_for(parts[0], parts[1], parts[2]);
    auto zones = outreach::timezones_for(parts[0], parts[1], parts[2]);
    if (zone.has_value() != !zones.empty()) __builtin_trap();
    if (zone && zones.front() != *zone) __builtin_trap();
    for (std::size_t i = 0; i < zones.size(); ++i) {
        if (zones[i].find('/') == std::string::npos) __builtin_trap();
        if (std::count(zones.begin(), zones.end(), zones[i]) != 1) __builtin_trap();
    }
    return 0;
}
