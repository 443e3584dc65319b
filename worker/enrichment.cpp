#include "enrichment.hpp"

#include "log.hpp"
#include "metrics.hpp"
#include "providers.hpp"

#include <nlohmann/json.hpp>

namespace outreach::worker {
namespace {

using json = nlohmann::json;

// A string member of a JSON object, or "" when the input is not an object or the member is not a string.
std::string string_member(const json &in, const char *key)
{
    if (!in.is_object() || !in.contains(key) || !in[key].is_string()) return {};
    return in[key].get<std::string>();
}

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

std::string apollo_organization_query(const std::string &input_json)
{
    return "?domain=" + form_encode(string_member(json::parse(input_json, nullptr, false), "domain"));
}

std::optional<HttpRequest> enrichment_request(const std::string &kind, const ProviderSettings &s,
                                              const std::string &input_json)
{
    HttpRequest http;
    if (kind == "skiptrace") {
        http.url = s.base_url + "/v2/SkipTrace";
        http.headers = {"Content-Type: application/json", "Accept: application/json", "x-api-key: " + s.api_key};
        // only the fields SkipTrace knows
        const json in = json::parse(input_json, nullptr, false);
        json body = json::object();
        for (const char *key : {"first_name", "last_name", "address", "city", "state", "zip"})
            if (in.is_object() && in.contains(key) && in[key].is_string()) body[key] = in[key];
        http.body = body.dump();
    } else if (kind == "person") {
        http.url = s.base_url + "/api/v1/people/match" + apollo_query(input_json);
        http.headers = {"Content-Type: application/json", "Accept: application/json", "x-api-key: " + s.api_key};
        http.body = "{}";
    } else if (kind == "organization") {
        // a lookup by domain: GET, the domain in the query string, no body (Apollo's documented request)
        http.method = "GET";
        http.url = s.base_url + "/api/v1/organizations/enrich" + apollo_organization_query(input_json);
        http.headers = {"Accept: application/json", "x-api-key: " + s.api_key};
    } else {
        return std::nullopt;
    }
    return http;
}

EnrichmentCall call_enrichment(const std::string &kind, const ProviderSettings &s, const std::string &input_json,
                               std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout)
{
    EnrichmentCall call;
    std::optional<HttpRequest> http = enrichment_request(kind, s, input_json);
    if (!http) {
        // a newer schema than this daemon: no answer, so the job waits (and retries) for one that knows it
        call.error = "outreachd does not know enrichment kind \"" + kind + "\"";
        return call;
    }
    http->connect_timeout = connect_timeout;
    http->timeout = timeout;
    if (s.sandbox) {
        call.sandbox = true;
        call.http_status = 204;
        json would_send = {{"method", http->method}, {"url", http->url}};
        if (http->method == "POST") would_send["body"] = json::parse(http->body, nullptr, false);
        call.response_json = json{{"sandbox", true}, {"would_send", would_send}}.dump();
        return call;
    }
    const HttpResponse r = http_perform(*http);
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

// Runs the due enrichment jobs (at-least-once). Returns how many were claimed.
int run_enrichment(libpq::Connection &db, const Config &config, const std::optional<std::string> &at)
{
    db.exec("SELECT outreach.reap_stale_enrichment(coalesce($1::timestamptz, now()))", {at});
    const auto jobs = db.exec("SELECT team_id, job_id, provider, kind, request::text, attempt "
                              "FROM outreach.claim_enrichment($1, $2, $3::interval, coalesce($4::timestamptz, now()))",
                              {config.worker_name, std::to_string(config.enrichment_batch),
                               std::to_string(config.lease.count()) + " seconds", at});
    const int n = PQntuples(jobs.get());
    for (int i = 0; i < n; ++i) {
        const std::string team = libpq::value(jobs, i, 0), job = libpq::value(jobs, i, 1),
                          provider = libpq::value(jobs, i, 2);
        const std::string kind = libpq::value(jobs, i, 3);
        const ProviderSettings &s = provider == "apollo" ? config.apollo : config.realestateapi;
        const EnrichmentCall call =
            call_enrichment(kind, s, libpq::value(jobs, i, 4), config.connect_timeout, config.request_timeout);
        const auto r = db.exec(
            "SELECT outreach.complete_enrichment($1, $2, $3, $4::jsonb, $5, $6)",
            {team, job,
             call.http_status == 0 ? std::nullopt : std::optional<std::string>(std::to_string(call.http_status)),
             call.response_json.empty() ? std::nullopt : std::optional<std::string>(call.response_json),
             call.error.empty() ? std::nullopt : std::optional<std::string>(call.error),
             call.retry_after_seconds > 0 ? std::optional<std::string>(std::to_string(call.retry_after_seconds))
                                          : std::nullopt});
        metrics().add("outreach_enrichment_total",
                      {{"provider", provider}, {"state", call.sandbox ? "sandbox" : libpq::value(r, 0, 0)}});
        log_event(call.http_status == 200 || call.sandbox ? Level::Info : Level::Warn, "enrichment",
                  {{"team", team},
                   {"job", job},
                   {"provider", provider},
                   {"http", std::to_string(call.http_status)},
                   {"sandbox", call.sandbox ? "yes" : "no"},
                   {"state", libpq::value(r, 0, 0)},
                   {"error", call.error}});
    }
    return n;
}

}  // namespace outreach::worker
