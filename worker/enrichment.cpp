#include "enrichment.hpp"

#include "providers.hpp"

#include <nlohmann/json.hpp>

namespace outreach::worker {
namespace {

using json = nlohmann::json;

}  // namespace

std::string apollo_query(const std::string &input_json)
{
    const json in = json::parse(input_json, nullptr, false);
    std::string q;
    for (const char *key : {"first_name", "last_name", "email", "organization_name", "domain"}) {
        if (!in.is_object() || !in.contains(key) || !in[key].is_string()) continue;
        q += (q.empty() ? "?" : "&") + std::string(key) + "=" + form_encode(in[key].get<std::string>());
    }
    return q;
}

EnrichmentCall call_enrichment(const std::string &kind, const ProviderSettings &s, const std::string &input_json,
                               std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout)
{
    HttpRequest http;
    http.connect_timeout = connect_timeout;
    http.timeout = timeout;
    http.headers = {"Content-Type: application/json", "Accept: application/json", "x-api-key: " + s.api_key};
    if (kind == "skiptrace") {
        http.url = s.base_url + "/v2/SkipTrace";
        // only the fields SkipTrace knows
        const json in = json::parse(input_json, nullptr, false);
        json body = json::object();
        for (const char *key : {"first_name", "last_name", "address", "city", "state", "zip"})
            if (in.is_object() && in.contains(key) && in[key].is_string()) body[key] = in[key];
        http.body = body.dump();
    } else {
        http.url = s.base_url + "/api/v1/people/match" + apollo_query(input_json);
        http.body = "{}";
    }
    EnrichmentCall call;
    if (s.sandbox) {
        call.sandbox = true;
        call.http_status = 204;
        call.response_json = json{{"sandbox", true}, {"would_send", {{"method", "POST"}, {"url", http.url},
                                                                     {"body", json::parse(http.body, nullptr, false)}}}}.dump();
        return call;
    }
    const HttpResponse r = http_perform(http);
    if (r.transport_error) {
        call.http_status = 0;
        call.error = r.error;
        return call;
    }
    call.http_status = static_cast<int>(r.status);
    call.retry_after_seconds = retry_after_seconds(r, 0);
    const json body = json::parse(r.body, nullptr, false);
    call.response_json = body.is_discarded() ? json{{"raw", r.body.substr(0, 100000)}}.dump() : body.dump();
    if (r.status >= 400) call.error = "HTTP " + std::to_string(r.status);
    return call;
}

}  // namespace outreach::worker
