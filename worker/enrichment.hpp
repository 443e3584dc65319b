// Enrichment jobs of outreachd (Apollo People and Organization Enrichment, RealEstateAPI
// SkipTrace v2): one HTTP call per job, its answer handed back raw to
// outreach.complete_enrichment, which keeps it and resolves what it found. Jobs are
// at-least-once: a repeated call costs a credit, never data.
#pragma once

#include "config.hpp"
#include "http_client.hpp"
#include "libpq.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace outreach::worker {

struct EnrichmentCall {
    int http_status = 0;        // 0: no answer (transport error, or a kind this daemon does not know)
    std::string response_json;  // the body as JSON (a non-JSON body is wrapped as {"raw": ...})
    std::string error;
    int retry_after_seconds = 0;  // from Retry-After, 0 if none
    bool sandbox = false;
};

// The HTTP request of a job, without timeouts: kind "skiptrace" (RealEstateAPI POST /v2/SkipTrace),
// "person" (Apollo POST /api/v1/people/match) or "organization" (Apollo GET
// /api/v1/organizations/enrich); input = the job's request JSON. std::nullopt for another kind.
std::optional<HttpRequest> enrichment_request(const std::string &kind, const ProviderSettings &settings,
                                              const std::string &input_json);

// Performs a job's request. In sandbox mode (no key) nothing is sent; the result (HTTP 204) says
// what would have been.
EnrichmentCall call_enrichment(const std::string &kind, const ProviderSettings &settings, const std::string &input_json,
                               std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout);

// The Apollo People Enrichment query string for an input (Apollo declares its parameters `in: query`;
// a request body is ignored).
std::string apollo_query(const std::string &input_json);

// The Apollo Organization Enrichment query string: "?domain=" and the input's domain, URL-encoded
// (Apollo's form: GET /organizations/enrich?domain=apollo.io). An input without a domain gives
// an empty value, which Apollo refuses: the job fails instead of guessing.
std::string apollo_organization_query(const std::string &input_json);

// One turn of `outreachd run`'s enrichment loop: reaps jobs whose lease ran out, claims up to
// config.enrichment_batch due jobs (outreach.claim_enrichment, as of `at`, or now), calls each
// one's provider and hands the answer to outreach.complete_enrichment. Returns how many jobs were
// claimed, so the caller knows whether more may be due.
int run_enrichment(libpq::Connection &db, const Config &config, const std::optional<std::string> &at);

}  // namespace outreach::worker
