// Differential fuzzing of normalize_phone: for any input, the fast path must give exactly the
// answer of libphonenumber's plain Parse + IsValidNumber + Format(E164), and a valid answer is
// '+' and digits: a country code of 1-3 digits and a national number of 2-17 (libphonenumber's
// limits; its metadata has valid numbers longer than E.164's 15 digits, e.g. some German ones).
// A mismatch traps, and libFuzzer keeps the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/phone.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char *>(data), size);
    auto fast = outreach::normalize_phone(input, "US");
    auto reference = outreach::normalize_phone_reference(input, "US");
    if (!fast.ok() || !reference.ok()) __builtin_trap();
    if (fast.value() != reference.value()) __builtin_trap();
    if (const auto &e164 = fast.value()) {
        if (e164->size() < 4 || e164->size() > 21 || (*e164)[0] != '+') __builtin_trap();
        for (std::size_t i = 1; i < e164->size(); ++i)
            if ((*e164)[i] < '0' || (*e164)[i] > '9') __builtin_trap();
        // Normalizing the result again agrees with the library too. (It need not be the same
        // number: for Mexico the library reads "+52 1..." differently on a second pass.)
        auto again = outreach::normalize_phone(*e164, "US");
        auto again_reference = outreach::normalize_phone_reference(*e164, "US");
        if (!again.ok() || !again_reference.ok() || again.value() != again_reference.value()) __builtin_trap();
    }
    return 0;
}
