// libFuzzer target for what outreachd reads from strangers and from its own disk: any bytes as a
// Twilio form body (parse_form, form_well_formed, twilio_kind, parse_twilio_inbound), as a
// SignalHouse JSON body (signalhouse_kind, parse_signalhouse_inbound), and as a spool file
// (scan_spool: a torn or corrupted file is read, never crashed on). Nothing may crash, and the
// answers keep their shape: a message has an id and a sender and at most max_media media items, a
// refusal has a reason and a detail, and the spool's records and skipped stretches lie inside the
// input, in order, each record's checksum verified.
#include "inbound.hpp"
#include "spool.hpp"
#include "webhooks.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace outreach::worker;

void check(bool ok)
{
    if (!ok) __builtin_trap();
}

void check_parse(const InboundParse &p)
{
    if (p.message) {
        check(p.reason.empty());
        check(!p.message->provider_message_id.empty());
        check(!p.message->from.empty());
        check(p.message->media.is_array() && p.message->media.size() <= static_cast<std::size_t>(max_media));
    } else {
        check(p.reason == "missing_field" || p.reason == "malformed");
        check(!p.detail.empty());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string in(reinterpret_cast<const char *>(data), size);

    const auto form = parse_form(in);
    (void)form_well_formed(in);
    if (twilio_kind(form) == WebhookKind::inbound) check_parse(parse_twilio_inbound(form));

    const nlohmann::json event = nlohmann::json::parse(
        in, [](int depth, nlohmann::json::parse_event_t, nlohmann::json &) { return depth <= 32; }, false);
    if (signalhouse_kind(event) == WebhookKind::inbound) check_parse(parse_signalhouse_inbound(event));

    const SpoolScan scan = scan_spool(in);
    std::size_t at = 0;
    for (const auto &r : scan.records) {
        check(r.offset >= at + spool_header_bytes && r.offset + r.length <= scan.end);
        check(encode_spool_record(std::string_view(in).substr(r.offset, r.length)) ==
              std::string_view(in).substr(r.offset - spool_header_bytes, r.length + spool_header_bytes));
        at = r.offset + r.length;
    }
    for (const auto &s : scan.skipped) check(s.length > 0 && s.offset + s.length <= scan.end);
    check(scan.end + scan.torn_tail == in.size());
    (void)spooled_request(in);
    return 0;
}
