// The SMS providers as outreachd speaks to them (Twilio Programmable Messaging, SignalHouse): the
// exact request of each, and the reading of its answer as one of four outcomes that
// outreach.complete_send understands. A provider without credentials is a sandbox: it builds the
// same request, records it, and touches no network.
#pragma once

#include "config.hpp"
#include "http_client.hpp"

#include <optional>
#include <string>

namespace outreach::worker {

struct SendRequest {
    std::string team_id;
    long long sms_message_id = 0;
    std::string to_phone;  // E.164
    std::string body;
    std::string signalhouse_sender;            // digits
    std::string twilio_from;                   // E.164
    std::string twilio_messaging_service_sid;  // MG...
    std::string status_callback_url;           // empty: none
};

struct SendOutcome {
    std::string outcome;  // sent, failed, retry, unknown
    std::string provider;
    std::string provider_message_id;
    std::string error_code;
    std::string error_message;
    std::string request_json;  // what was (or would have been) sent, without credentials
    bool sandbox = false;
    bool never_left = false;  // certainly not received: another provider may take it
    int retry_after_seconds = 60;
    int http_status = 0;
    double seconds = 0;
};

// A text's request to one provider, built but not performed: outreachd performs a window of them
// at once (HttpPool). A sandbox provider's request is only recorded.
struct PreparedSend {
    std::string provider;
    long long sms_message_id = 0;
    HttpRequest http;
    std::string request_json;  // what goes (or would go) out, without credentials
    bool sandbox = false;
};

PreparedSend prepare_send(const std::string &provider, const ProviderSettings &settings, const SendRequest &request,
                          std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout);
// What a sandbox provider answers: sent, with a made-up id, nothing touched.
SendOutcome sandbox_outcome(const PreparedSend &prepared);
// The provider's answer (or the transport failure) as an outcome.
SendOutcome read_send_response(const PreparedSend &prepared, const HttpResponse &response);

// Sends through "twilio" or "signalhouse" with these settings (prepare, perform, read).
SendOutcome send_sms(const std::string &provider, const ProviderSettings &settings, const SendRequest &request,
                     std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout);

// The pieces, exposed for unit tests.
std::string twilio_form_body(const SendRequest &request);
std::string signalhouse_json_body(const SendRequest &request);
SendOutcome read_twilio_response(const HttpResponse &response);
SendOutcome read_signalhouse_response(const HttpResponse &response);
std::string form_encode(const std::string &s);

}  // namespace outreach::worker
