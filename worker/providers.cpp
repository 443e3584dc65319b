#include "providers.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>

namespace outreach::worker {
namespace {

using json = nlohmann::json;

// What a failed transfer means: it never left (retry, or try the backup), or it may have (unknown).
SendOutcome transport_outcome(const HttpResponse &r)
{
    SendOutcome o;
    o.error_message = r.error;
    if (r.request_may_have_left) {
        o.outcome = "unknown";
        o.error_code = "transport";
    } else {
        o.outcome = "retry";
        o.error_code = "unreachable";
        o.never_left = true;
        o.retry_after_seconds = 30;
    }
    return o;
}

// A 5xx: 503 says the service did not take the request; others might have processed it.
SendOutcome server_error_outcome(const HttpResponse &r)
{
    SendOutcome o;
    o.error_code = "http_" + std::to_string(r.status);
    o.error_message = r.body.substr(0, 500);
    if (r.status == 503) {
        o.outcome = "retry";
        o.retry_after_seconds = retry_after_seconds(r, 60);
    } else {
        o.outcome = "unknown";
    }
    return o;
}

std::string digits_of(const std::string &e164)
{
    std::string out;
    for (char c : e164)
        if (c >= '0' && c <= '9') out.push_back(c);
    return out;
}

// The answers both providers give when they did not take the message: 429 (not processed, retry
// after Retry-After), 5xx (server_error_outcome) and 401/403 (our credentials are wrong: nothing
// was sent, keep the message queued). nullopt for any other status.
std::optional<SendOutcome> not_taken_outcome(const HttpResponse &r, const char *credentials_message)
{
    if (r.status >= 500) return server_error_outcome(r);
    SendOutcome o;
    if (r.status == 429) {
        o.outcome = "retry";
        o.error_code = "429";
        o.retry_after_seconds = retry_after_seconds(r, 60);
        return o;
    }
    if (r.status == 401 || r.status == 403) {
        o.outcome = "retry";
        o.error_code = "http_" + std::to_string(r.status);
        o.error_message = credentials_message;
        o.retry_after_seconds = 300;
        return o;
    }
    return std::nullopt;
}

}  // namespace

std::string form_encode(const std::string &s)
{
    static const char *hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string twilio_form_body(const SendRequest &q)
{
    std::string body = "To=" + form_encode(q.to_phone);
    if (!q.twilio_messaging_service_sid.empty())
        body += "&MessagingServiceSid=" + form_encode(q.twilio_messaging_service_sid);
    else
        body += "&From=" + form_encode(q.twilio_from);
    body += "&Body=" + form_encode(q.body);
    if (!q.status_callback_url.empty()) body += "&StatusCallback=" + form_encode(q.status_callback_url);
    return body;
}

std::string signalhouse_json_body(const SendRequest &q)
{
    json j = {{"senderPhoneNumber", digits_of(q.signalhouse_sender)},
              {"recipientPhoneNumber", json::array({digits_of(q.to_phone)})},
              {"messageBody", q.body},
              {"enableShortlink", false},
              {"filterLandlinesAndInactiveNumbers", true}};
    if (!q.status_callback_url.empty()) j["statusCallbackUrl"] = q.status_callback_url;
    return j.dump();
}

// Twilio: 201 with the message (sid); 4xx with {"code": ..., "message": ...}; 429 = not processed.
SendOutcome read_twilio_response(const HttpResponse &r)
{
    if (r.transport_error) return transport_outcome(r);
    SendOutcome o;
    o.http_status = static_cast<int>(r.status);
    const json body = json::parse(r.body, nullptr, false);
    if (r.status == 200 || r.status == 201) {
        if (body.is_object() && body.contains("sid") && body["sid"].is_string()) {
            o.provider_message_id = body["sid"].get<std::string>();
            if (body.contains("error_code") && !body["error_code"].is_null()) {
                o.outcome = "failed";
                o.error_code = body["error_code"].dump();
                o.error_message = body.value("error_message", std::string());
            } else {
                o.outcome = "sent";
            }
        } else {
            // accepted, but we cannot tell which message it made
            o.outcome = "unknown";
            o.error_code = "unreadable_response";
            o.error_message = r.body.substr(0, 500);
        }
        return o;
    }
    if (auto refused = not_taken_outcome(r, "Twilio refused the credentials")) {
        if (refused->error_code == "429" && body.is_object() && body.contains("code"))
            refused->error_code = body["code"].dump();
        return *refused;
    }
    o.outcome = "failed";
    o.error_code = body.is_object() && body.contains("code") ? body["code"].dump() : "http_" + std::to_string(r.status);
    o.error_message = body.is_object() ? body.value("message", std::string()) : r.body.substr(0, 500);
    return o;
}

// SignalHouse: acceptance is enqueuedCount, not the HTTP status: a blocked recipient
// (opt-out, moderation) still comes back as a 201 with the recipient FAILED.
SendOutcome read_signalhouse_response(const HttpResponse &r)
{
    if (r.transport_error) return transport_outcome(r);
    SendOutcome o;
    o.http_status = static_cast<int>(r.status);
    const json body = json::parse(r.body, nullptr, false);
    if (r.status == 200 || r.status == 201) {
        const json *first = nullptr;
        if (body.is_object() && body.contains("insertedMessages") && body["insertedMessages"].is_array() &&
            !body["insertedMessages"].empty())
            first = &body["insertedMessages"][0];
        const long enqueued = body.is_object() && body.contains("enqueuedCount") && body["enqueuedCount"].is_number()
                                  ? body["enqueuedCount"].get<long>()
                                  : -1;
        if (first && first->contains("_id") && (*first)["_id"].is_string())
            o.provider_message_id = (*first)["_id"].get<std::string>();
        if (enqueued >= 1) {
            o.outcome = "sent";
        } else if (enqueued == 0) {
            o.outcome = "failed";
            o.error_code = first && first->contains("errorCode") && (*first)["errorCode"].is_string()
                               ? (*first)["errorCode"].get<std::string>()
                               : "not_enqueued";
            o.error_message = "SignalHouse did not enqueue the message";
        } else {
            o.outcome = "unknown";
            o.error_code = "unreadable_response";
            o.error_message = r.body.substr(0, 500);
        }
        return o;
    }
    if (auto refused = not_taken_outcome(r, "SignalHouse refused the API key")) return *refused;
    o.outcome = "failed";
    o.error_code = "http_" + std::to_string(r.status);
    o.error_message = body.is_object() ? body.value("message", r.body.substr(0, 500)) : r.body.substr(0, 500);
    return o;
}

PreparedSend prepare_send(const std::string &provider, const ProviderSettings &s, const SendRequest &q,
                          std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout)
{
    PreparedSend p;
    p.provider = provider;
    p.sandbox = s.sandbox;
    p.sms_message_id = q.sms_message_id;
    HttpRequest &http = p.http;
    http.connect_timeout = connect_timeout;
    http.timeout = timeout;
    json recorded;
    if (provider == "twilio") {
        const std::string sid = s.sandbox ? "AC" + std::string(32, '0') : s.account_sid;
        http.url = s.base_url + "/2010-04-01/Accounts/" + sid + "/Messages.json";
        http.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
        http.body = twilio_form_body(q);
        http.basic_user = s.account_sid;
        http.basic_password = s.auth_token;
        recorded = {{"method", "POST"},
                    {"url", http.url},
                    {"content_type", "application/x-www-form-urlencoded"},
                    {"body", http.body}};
    } else {
        http.url = s.base_url + "/message/sms";
        http.headers = {"Content-Type: application/json", "Accept: application/json",
                        "Authorization: Bearer " + s.api_key};
        http.body = signalhouse_json_body(q);
        recorded = {{"method", "POST"},
                    {"url", http.url},
                    {"content_type", "application/json"},
                    {"body", json::parse(http.body)}};
    }
    p.request_json = recorded.dump();
    return p;
}

SendOutcome sandbox_outcome(const PreparedSend &p)
{
    SendOutcome o;
    o.outcome = "sent";
    o.sandbox = true;
    o.provider_message_id = "sandbox-" + p.provider + "-" + std::to_string(p.sms_message_id);
    o.provider = p.provider;
    o.request_json = p.request_json;
    return o;
}

SendOutcome read_send_response(const PreparedSend &p, const HttpResponse &r)
{
    SendOutcome o = p.provider == "twilio" ? read_twilio_response(r) : read_signalhouse_response(r);
    o.seconds = r.seconds;
    o.provider = p.provider;
    o.request_json = p.request_json;
    return o;
}

SendOutcome send_sms(const std::string &provider, const ProviderSettings &s, const SendRequest &q,
                     std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout)
{
    const PreparedSend p = prepare_send(provider, s, q, connect_timeout, timeout);
    if (p.sandbox) return sandbox_outcome(p);
    return read_send_response(p, http_perform(p.http));
}

}  // namespace outreach::worker
