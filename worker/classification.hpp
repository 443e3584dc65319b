// The replies' work that outreachd does off the webhook's path. Classification jobs: a model's
// second look at a reply the rules were unsure of; the database builds the prompt and judges the
// answer (outreach.claim_classifications, outreach.complete_classification), this side only carries
// the request to the Anthropic Messages API and the answer back, at least once. E-mail captures:
// the addresses a reply gave, imported as rows of the person (outreach.capture_pending_reply_emails).
#pragma once

#include "config.hpp"
#include "http_client.hpp"
#include "libpq.hpp"

#include <optional>
#include <string>

namespace outreach::worker {

// One turn: claims up to config.classification_batch due jobs (as of `at`, or now), asks the model
// for all of them at once over `pool` (a batch takes one request's time, well inside the lease) and
// hands every answer to SQL. Returns how many jobs were claimed.
int run_classification(libpq::Connection &db, HttpPool &pool, const Config &config,
                       const std::optional<std::string> &at);

// Imports the e-mails of up to config.classification_batch replies. Returns how many replies.
int run_email_captures(libpq::Connection &db, const Config &config);

}  // namespace outreach::worker
