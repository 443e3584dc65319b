// libFuzzer target for extension/core/replies.cpp: any bytes, with and without media, go through
// the classifier; nothing may crash, and the answer must keep its documented shape: one of the
// eight labels, a confidence in [0, 1], a rule name, STOP exactly when the consent is an opt-out,
// normalized e-mails and E.164 phones, a callback within the clock, and JSON that is an object.
#include "core/replies.hpp"

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
    using namespace outreach::replies;
    const std::string_view in(reinterpret_cast<const char *>(data), size);
    for (const bool media : {false, true}) {
        const Classification c = classify(in, media);
        const std::string label = label_name(c.label);
        check(!label.empty());
        check(c.confidence >= 0.0f && c.confidence <= 1.0f);
        check(!c.rule.empty());
        check((c.label == Label::Stop) == (c.consent == Consent::OptOut));
        for (const std::string &e : c.emails) {
            check(e.find('@') != std::string::npos && e.find('@') == e.rfind('@'));
            for (char ch : e) check(ch > 0x20 && ch < 0x7F && !(ch >= 'A' && ch <= 'Z'));
        }
        for (const std::string &p : c.phones) {
            check(p.size() >= 8 && p.size() <= 16 && p[0] == '+');
            for (std::size_t i = 1; i < p.size(); ++i) check(p[i] >= '0' && p[i] <= '9');
        }
        if (c.callback.weekday) check(*c.callback.weekday >= 1 && *c.callback.weekday <= 7);
        if (c.callback.hour) check(*c.callback.hour >= 0 && *c.callback.hour <= 23);
        if (c.callback.minute) check(*c.callback.minute >= 0 && *c.callback.minute <= 59);
        const std::string json = c.to_json();
        check(json.size() >= 2 && json.front() == '{' && json.back() == '}');
        // the same text classified again gives the same answer (no hidden state)
        const Classification again = classify(in, media);
        check(again.label == c.label && again.rule == c.rule && again.emails == c.emails && again.callback == c.callback);
    }
    return 0;
}
