// The Anthropic Messages API (POST /v1/messages), as outreachd uses it: one request with a system
// prompt and one user turn, the answer handed back raw with what the provider said about retrying.
// The key goes in the x-api-key header and nowhere else.
#pragma once

#include "http_client.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace outreach::worker {

struct AnthropicSettings {
    std::string base_url = "https://api.anthropic.com";
    std::string api_key;  // empty: sandbox, nothing is sent
    std::string model = "claude-haiku-4-5";
    int max_tokens = 200;
    bool sandbox = true;
};

struct ModelCall {
    int http_status = 0;        // 0: no answer (transport error or timeout); 204: sandbox, nothing sent
    std::string response_json;  // the body as JSON (a non-JSON body is wrapped as {"raw": ...})
    std::string error;
    std::string request_id;                // the request-id response header
    std::optional<int> retry_after_ms;     // retry-after-ms, else retry-after (seconds or an HTTP date)
    std::optional<bool> should_retry;      // x-should-retry: true | false
    long latency_ms = 0;
    bool sandbox = false;
};

// The request: model, max_tokens, temperature 0, the system prompt and one user message.
HttpRequest messages_request(const AnthropicSettings &settings, const std::string &system, const std::string &prompt);

// The wait the provider asks for, in milliseconds: retry-after-ms, else retry-after as seconds
// (a decimal number) or an HTTP date. nullopt when neither is there or readable.
std::optional<int> anthropic_retry_after_ms(const HttpResponse &response,
                                            std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Reads a Messages answer (or its absence) into a call: status, body as JSON, request id, retry hints.
ModelCall model_call_from(const HttpResponse &response);

// Performs one Messages request. In sandbox mode nothing is sent and the call says what would have
// been (HTTP 204, the request body without the key).
ModelCall call_messages(const AnthropicSettings &settings, const std::string &system, const std::string &prompt,
                        std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout);

}  // namespace outreach::worker
