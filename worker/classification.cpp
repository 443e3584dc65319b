#include "classification.hpp"

#include "anthropic.hpp"
#include "log.hpp"
#include "metrics.hpp"

#include <vector>

namespace outreach::worker {
namespace {

std::optional<std::string> some(const std::string &s) { return s.empty() ? std::nullopt : std::optional(s); }

}  // namespace

int run_classification(libpq::Connection &db, HttpPool &pool, const Config &config,
                       const std::optional<std::string> &at)
{
    const auto jobs = db.exec("SELECT team_id, job_id, inbox_item_id, attempt, instructions, prompt "
                              "FROM outreach.claim_classifications($1, $2, $3::interval, coalesce($4::timestamptz, now()))",
                              {config.worker_name, std::to_string(config.classification_batch),
                               std::to_string(config.lease.count()) + " seconds", at});
    const int n = PQntuples(jobs.get());
    if (n == 0) return 0;
    std::vector<ModelCall> calls(static_cast<std::size_t>(n));
    if (config.anthropic.sandbox) {
        for (int i = 0; i < n; ++i)
            calls[static_cast<std::size_t>(i)] =
                call_messages(config.anthropic, libpq::value(jobs, i, 4), libpq::value(jobs, i, 5),
                              config.connect_timeout, config.model_timeout);
    } else {
        std::vector<HttpRequest> requests;
        for (int i = 0; i < n; ++i) {
            HttpRequest r = messages_request(config.anthropic, libpq::value(jobs, i, 4), libpq::value(jobs, i, 5));
            r.connect_timeout = config.connect_timeout;
            r.timeout = config.model_timeout;
            requests.push_back(std::move(r));
        }
        const std::vector<HttpResponse> answers = pool.perform_all(requests);
        for (int i = 0; i < n; ++i) calls[static_cast<std::size_t>(i)] = model_call_from(answers[static_cast<std::size_t>(i)]);
    }
    for (int i = 0; i < n; ++i) {
        const ModelCall &call = calls[static_cast<std::size_t>(i)];
        const std::string team = libpq::value(jobs, i, 0), job = libpq::value(jobs, i, 1);
        // the worker and attempt: an answer that comes after the job was claimed again is not taken
        const auto r = db.exec(
            "SELECT outreach.complete_classification($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12)",
            {team, job, call.http_status == 0 ? std::nullopt : std::optional(std::to_string(call.http_status)),
             some(call.response_json), some(call.error),
             call.retry_after_ms ? std::optional(std::to_string(*call.retry_after_ms)) : std::nullopt,
             call.should_retry ? std::optional<std::string>(*call.should_retry ? "true" : "false") : std::nullopt,
             some(call.request_id), call.sandbox ? std::nullopt : std::optional(std::to_string(call.latency_ms)),
             config.anthropic.model, config.worker_name, libpq::value(jobs, i, 3)});
        const std::string state = libpq::value(r, 0, 0);
        metrics().add("outreach_classification_total", {{"state", call.sandbox ? "sandbox" : state}});
        log_event(state == "failed" || state == "stale" ? Level::Warn : Level::Info, "classification",
                  {{"team", team},
                   {"job", job},
                   {"item", libpq::value(jobs, i, 2)},
                   {"attempt", libpq::value(jobs, i, 3)},
                   {"http", std::to_string(call.http_status)},
                   {"sandbox", call.sandbox ? "yes" : "no"},
                   {"request_id", call.request_id},
                   {"state", state},
                   {"error", call.error}});
    }
    return n;
}

int run_email_captures(libpq::Connection &db, const Config &config)
{
    const auto r =
        db.exec("SELECT outreach.capture_pending_reply_emails($1)", {std::to_string(config.classification_batch)});
    const int n = std::stoi(libpq::value(r, 0, 0));
    if (n > 0) {
        metrics().add("outreach_email_captures_total", {}, n);
        log_event(Level::Info, "emails_captured", {{"replies", std::to_string(n)}});
    }
    return n;
}

}  // namespace outreach::worker
