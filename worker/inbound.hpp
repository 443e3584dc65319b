// Inbound texts as the providers deliver them, read into the fields outreach.receive_message takes:
// Twilio's form-encoded inbound webhook (MessageSid, From, To, Body, NumMedia, MediaUrl{N},
// MediaContentType{N}) and SignalHouse's MESSAGE_RECEIVED event (metaData.Message.{_id,
// senderPhoneNumber, recipientPhoneNumber, messageBody}). Pure parsing: no decision about the
// message is taken here (numbers are normalized, consent and matching decided in SQL); what cannot
// be read is refused with a reason (missing_field, malformed) and a message naming the field.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outreach::worker {

using FormParams = std::map<std::string, std::vector<std::string>>;

// What a webhook request is about: a delivery status of a text we sent, or a text someone sent us.
enum class WebhookKind { status, inbound };
const char *kind_name(WebhookKind kind);

// An inbound text, as outreach.receive_message takes it.
struct InboundMessage {
    std::string provider_message_id;
    std::string from;                                // as the provider wrote it; SQL normalizes it
    std::optional<std::string> to;                   // our number, when the provider says
    std::string body;                                // may be empty (an MMS with a picture only)
    nlohmann::json media = nlohmann::json::array();  // [{"url": ..., "content_type": ...}]
};

// An inbound request read: the message, or why it cannot be (reason missing_field or malformed,
// detail naming the field).
struct InboundParse {
    std::optional<InboundMessage> message;
    std::string reason;
    std::string detail;
};

// Whether a form body is well-formed application/x-www-form-urlencoded: every % starts an escape
// of two hex digits, and every decoded name and value is text PostgreSQL can store (UTF-8, no NUL).
bool form_well_formed(std::string_view body);

// Twilio: inbound when SmsStatus (or MessageStatus) is "received", or when there is no status at
// all but a Body or From; a status callback always carries MessageStatus (and an SmsStatus other
// than received).
WebhookKind twilio_kind(const FormParams &form);
InboundParse parse_twilio_inbound(const FormParams &form);

// SignalHouse: inbound when the event is MESSAGE_RECEIVED. `event` is the parsed body (a value
// that is not an object is a status, as before, or malformed for the caller to refuse).
WebhookKind signalhouse_kind(const nlohmann::json &event);
InboundParse parse_signalhouse_inbound(const nlohmann::json &event);

// At most this many media items are read from one message (Twilio sends up to 10).
inline constexpr int max_media = 10;

}  // namespace outreach::worker
