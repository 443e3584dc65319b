// libFuzzer target for extension/core/names.cpp: any bytes go into all four normalizers (and the
// shared folding helper); nothing may crash, and the outputs must keep their documented shape.
#include "core/names.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

void check(bool ok)
{
    if (!ok) __builtin_trap();
}

// Tokens of [a-z0-9] (or non-ASCII letters) separated by single spaces, no upper-case ASCII.
void check_key_shape(const std::string &k)
{
    check(!k.empty());
    check(k.front() != ' ' && k.back() != ' ');
    check(k.find("  ") == std::string::npos);
    for (char c : k) {
        const auto u = static_cast<unsigned char>(c);
        check(!(c >= 'A' && c <= 'Z'));
        check(u >= 0x80 || c == ' ' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view in(reinterpret_cast<const char *>(data), size);

    if (const auto e = outreach::normalize_email(in)) {
        check(e->find('@') != std::string::npos && e->find('@') == e->rfind('@'));
        check(e->size() <= 254);
        for (char c : *e) check(c > 0x20 && c < 0x7F && !(c >= 'A' && c <= 'Z'));
        check(outreach::normalize_email(*e) == e);
    }

    if (const auto k = outreach::name_key(in)) {
        check_key_shape(*k);
        check(outreach::name_key(*k) == k);
    }

    if (const auto b = outreach::normalize_business_name(in)) {
        check_key_shape(*b);
        check(outreach::normalize_business_name(*b) == b);
    }

    if (const auto n = outreach::normalize_name(in)) {
        check(!n->empty() && n->front() != ' ' && n->back() != ' ');
        check(n->find("  ") == std::string::npos);
        check(outreach::normalize_name(*n) == n);
        check(outreach::name_key(*n).has_value());
    }

    (void)outreach::fold_to_ascii_lower(in);
    return 0;
}
