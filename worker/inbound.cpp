#include "inbound.hpp"

#include "http_guard.hpp"

#include <algorithm>
#include <cctype>

namespace outreach::worker {
namespace {

using json = nlohmann::json;

// The first value of a form parameter, if it is there.
const std::string *first(const FormParams &form, const char *name)
{
    const auto it = form.find(name);
    return it == form.end() || it->second.empty() ? nullptr : &it->second.front();
}

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// One name or value of a form, decoded ('+' is a space, %XX a byte); nullopt when a % is not an escape.
std::optional<std::string> form_decode(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%') {
            if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return std::nullopt;
            out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

InboundParse refuse(const char *reason, std::string detail)
{
    InboundParse p;
    p.reason = reason;
    p.detail = std::move(detail);
    return p;
}

// A string field of a JSON object: a string as it is, an integer as its digits (a phone number
// sent as a number), else nullopt.
std::optional<std::string> text_of(const json &object, const char *name)
{
    if (!object.is_object() || !object.contains(name)) return std::nullopt;
    const json &v = object[name];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_unsigned()) return std::to_string(v.get<unsigned long long>());
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    return std::nullopt;
}

}  // namespace

const char *kind_name(WebhookKind kind) { return kind == WebhookKind::inbound ? "inbound" : "status"; }

bool form_well_formed(std::string_view body)
{
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string_view::npos) end = body.size();
        const std::string_view pair = body.substr(start, end - start);
        const auto eq = pair.find('=');
        for (const std::string_view part :
             {pair.substr(0, eq), eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1)}) {
            const auto decoded = form_decode(part);
            if (!decoded || !is_storable_text(*decoded)) return false;
        }
        start = end + 1;
    }
    return true;
}

WebhookKind twilio_kind(const FormParams &form)
{
    if (const std::string *status = first(form, "MessageStatus"))
        return lower(*status) == "received" ? WebhookKind::inbound : WebhookKind::status;
    if (const std::string *sms = first(form, "SmsStatus"))
        return lower(*sms) == "received" ? WebhookKind::inbound : WebhookKind::status;
    return first(form, "Body") || first(form, "From") ? WebhookKind::inbound : WebhookKind::status;
}

InboundParse parse_twilio_inbound(const FormParams &form)
{
    InboundMessage m;
    for (const char *name : {"MessageSid", "From", "Body"}) {
        const std::string *v = first(form, name);
        if (!v) return refuse("missing_field", std::string("the inbound message has no ") + name);
        if (std::string(name) != "Body" && v->empty())
            return refuse("missing_field", std::string("the inbound message's ") + name + " is empty");
        if (!is_storable_text(*v)) return refuse("malformed", std::string(name) + " is not UTF-8 text");
    }
    m.provider_message_id = *first(form, "MessageSid");
    m.from = *first(form, "From");
    m.body = *first(form, "Body");
    if (const std::string *to = first(form, "To"); to && !to->empty() && is_storable_text(*to)) m.to = *to;
    int media = 0;
    if (const std::string *n = first(form, "NumMedia")) {
        if (n->empty() || n->size() > 2 ||
            !std::all_of(n->begin(), n->end(), [](char c) { return c >= '0' && c <= '9'; }))
            return refuse("malformed", "NumMedia must be a number of media items");
        media = std::stoi(*n);
        if (media > max_media)
            return refuse("malformed", "NumMedia " + *n + " is more than the " + std::to_string(max_media) +
                                           " items a message carries");
    }
    for (int i = 0; i < media; ++i) {
        const std::string url_name = "MediaUrl" + std::to_string(i);
        const std::string *url = first(form, url_name.c_str());
        if (!url || url->empty()) return refuse("missing_field", "the inbound message has no " + url_name);
        if (!is_storable_text(*url)) return refuse("malformed", url_name + " is not UTF-8 text");
        json item = {{"url", *url}};
        const std::string type_name = "MediaContentType" + std::to_string(i);
        if (const std::string *type = first(form, type_name.c_str()); type && is_storable_text(*type))
            item["content_type"] = *type;
        m.media.push_back(std::move(item));
    }
    InboundParse p;
    p.message = std::move(m);
    return p;
}

WebhookKind signalhouse_kind(const json &event)
{
    const auto name = text_of(event, "event");
    return name && *name == "MESSAGE_RECEIVED" ? WebhookKind::inbound : WebhookKind::status;
}

InboundParse parse_signalhouse_inbound(const json &event)
{
    if (!event.is_object() || !event.contains("metaData") || !event["metaData"].is_object())
        return refuse("missing_field", "the MESSAGE_RECEIVED event has no metaData object");
    const json &meta = event["metaData"];
    if (!meta.contains("Message") || !meta["Message"].is_object())
        return refuse("missing_field", "the MESSAGE_RECEIVED event has no metaData.Message object");
    const json &msg = meta["Message"];
    InboundMessage m;
    const auto id = text_of(msg, "_id");
    if (!id || id->empty()) return refuse("missing_field", "the inbound message has no metaData.Message._id");
    const auto from = text_of(msg, "senderPhoneNumber");
    if (!from || from->empty())
        return refuse("missing_field", "the inbound message has no metaData.Message.senderPhoneNumber");
    if (!msg.contains("messageBody") || !msg["messageBody"].is_string())
        return refuse("missing_field", "the inbound message has no metaData.Message.messageBody");
    m.provider_message_id = *id;
    m.from = *from;
    m.body = msg["messageBody"].get<std::string>();
    // a \u0000 escape decodes to NUL, which PostgreSQL cannot store
    for (const auto &[name, v] : {std::pair<const char *, const std::string *>{"_id", &m.provider_message_id},
                                  {"senderPhoneNumber", &m.from},
                                  {"messageBody", &m.body}})
        if (!is_storable_text(*v))
            return refuse("malformed", std::string("metaData.Message.") + name + " is not storable text");
    // SignalHouse writes the recipient as an array on sends; either form is read
    if (msg.contains("recipientPhoneNumber")) {
        const json &to = msg["recipientPhoneNumber"];
        if (to.is_array() && !to.empty()) {
            if (auto t = text_of(json{{"to", to.front()}}, "to")) m.to = *t;
        } else if (auto t = text_of(msg, "recipientPhoneNumber")) {
            m.to = *t;
        }
        if (m.to && m.to->empty()) m.to.reset();
    }
    for (const char *name : {"mediaUrls", "media"}) {
        if (!msg.contains(name) || !msg[name].is_array()) continue;
        for (const json &item : msg[name]) {
            if (static_cast<int>(m.media.size()) >= max_media) break;
            if (item.is_string()) {
                m.media.push_back({{"url", item.get<std::string>()}});
            } else if (auto url = text_of(item, "url")) {
                json entry = {{"url", *url}};
                if (auto type = text_of(item, "contentType")) entry["content_type"] = *type;
                m.media.push_back(std::move(entry));
            }
        }
        break;
    }
    InboundParse p;
    p.message = std::move(m);
    return p;
}

}  // namespace outreach::worker
