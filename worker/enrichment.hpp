// Enrichment requests of outreachd (providers.md §4 Apollo, §5 RealEstateAPI SkipTrace v2): one
// HTTP call per job, its answer handed back raw to outreach.complete_enrichment, which keeps it
// and resolves what it found. Jobs are at-least-once: a repeated call costs a credit, never data.
#pragma once

#include "config.hpp"
#include "http_client.hpp"

#include <string>

namespace outreach::worker {

struct EnrichmentCall {
    int http_status = 0;            // 0: no answer (transport error)
    std::string response_json;      // the body as JSON (a non-JSON body is wrapped as {"raw": ...})
    std::string error;
    int retry_after_seconds = 0;    // from Retry-After, 0 if none
    bool sandbox = false;
};

// The request of a job: kind "skiptrace" (RealEstateAPI) or "person" (Apollo), input = the job's
// request JSON. In sandbox mode (no key) nothing is sent; the result says what would have been.
EnrichmentCall call_enrichment(const std::string &kind, const ProviderSettings &settings, const std::string &input_json,
                               std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout);

// The Apollo query string for an input (parameters are declared `in: query`, providers.md §4).
std::string apollo_query(const std::string &input_json);

}  // namespace outreach::worker
