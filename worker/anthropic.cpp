#include "anthropic.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <ctime>

namespace outreach::worker {

using json = nlohmann::json;

HttpRequest messages_request(const AnthropicSettings &s, const std::string &system, const std::string &prompt)
{
    HttpRequest http;
    http.url = s.base_url + "/v1/messages";
    // the version header the API requires (providers.md §3: anthropic-version 2023-06-01)
    http.headers = {"content-type: application/json", "accept: application/json", "anthropic-version: 2023-06-01",
                    "x-api-key: " + s.api_key};
    const json body = {{"model", s.model},
                       {"max_tokens", s.max_tokens},
                       {"temperature", 0},
                       {"system", system},
                       {"messages", json::array({{{"role", "user"}, {"content", prompt}}})}};
    // replace invalid UTF-8 rather than throw: a reply is what a person typed
    http.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return http;
}

std::optional<int> anthropic_retry_after_ms(const HttpResponse &r, std::chrono::system_clock::time_point now)
{
    if (auto it = r.headers.find("retry-after-ms"); it != r.headers.end()) {
        char *end = nullptr;
        const double ms = std::strtod(it->second.c_str(), &end);
        if (end != it->second.c_str() && *end == '\0' && std::isfinite(ms) && ms >= 0 && ms < 1e9)
            return static_cast<int>(ms);
    }
    auto it = r.headers.find("retry-after");
    if (it == r.headers.end()) return std::nullopt;
    char *end = nullptr;
    const double seconds = std::strtod(it->second.c_str(), &end);
    if (end != it->second.c_str() && *end == '\0' && std::isfinite(seconds) && seconds >= 0 && seconds < 1e6)
        return static_cast<int>(seconds * 1000);
    // an HTTP date (RFC 9110: IMF-fixdate)
    std::tm tm{};
    if (strptime(it->second.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
    const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when - now).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, 3600 * 1000));
}

ModelCall call_messages(const AnthropicSettings &s, const std::string &system, const std::string &prompt,
                        std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout)
{
    ModelCall call;
    HttpRequest http = messages_request(s, system, prompt);
    http.connect_timeout = connect_timeout;
    http.timeout = timeout;
    if (s.sandbox) {
        call.sandbox = true;
        call.http_status = 204;
        call.response_json =
            json{{"sandbox", true}, {"would_send", {{"url", http.url}, {"body", json::parse(http.body, nullptr, false)}}}}
                .dump();
        return call;
    }
    return model_call_from(http_perform(http));
}

ModelCall model_call_from(const HttpResponse &r)
{
    ModelCall call;
    call.latency_ms = std::lround(r.seconds * 1000);
    if (r.transport_error) {
        call.error = r.error;
        return call;
    }
    call.http_status = static_cast<int>(r.status);
    if (auto it = r.headers.find("request-id"); it != r.headers.end()) call.request_id = it->second.substr(0, 200);
    if (auto it = r.headers.find("x-should-retry"); it != r.headers.end()) {
        if (it->second == "true") call.should_retry = true;
        if (it->second == "false") call.should_retry = false;
    }
    call.retry_after_ms = anthropic_retry_after_ms(r);
    const json body = json::parse(r.body, nullptr, false);
    call.response_json = body.is_discarded() ? json{{"raw", r.body.substr(0, 10000)}}.dump(-1, ' ', false,
                                                                                          json::error_handler_t::replace)
                                             : body.dump();
    return call;  // an error answer is read by SQL from the body (error.type, error.message)
}

}  // namespace outreach::worker
