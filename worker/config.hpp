// Configuration of `outreachd run`: the environment (OUTREACH_* names) over an optional file of
// the same KEY=VALUE lines. Credentials live only here, in memory: nothing logs them, and a
// provider without credentials runs in sandbox mode (records what it would send, no network).
#pragma once

#include "anthropic.hpp"
#include "core/result.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace outreach::worker {

struct ProviderSettings {
    std::string base_url;
    std::string account_sid;     // Twilio
    std::string auth_token;      // Twilio (also the webhook signing key)
    std::string api_key;         // SignalHouse
    std::string signing_secret;  // SignalHouse webhooks
    bool sandbox = true;         // no credentials: no network
};

struct Config {
    std::string dsn;  // libpq conninfo; empty = PG* environment
    std::string http_listen = "127.0.0.1:8080";
    std::string public_url;  // how providers reach our webhooks (StatusCallback); empty = none
    std::string worker_name;
    int batch = 500;
    int send_concurrency = 64;  // texts per window: started together, sent at once, recorded together
    std::chrono::milliseconds poll_interval{1000};
    std::chrono::seconds lease{120};
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds request_timeout{15000};
    std::string log_level = "info";
    ProviderSettings twilio;
    ProviderSettings signalhouse;
    ProviderSettings realestateapi;  // SkipTrace
    ProviderSettings apollo;         // people and organization enrichment
    int enrichment_batch = 10;
    AnthropicSettings anthropic;  // the model that takes a second look at replies the rules are unsure of
    int classification_batch = 10;
    std::chrono::milliseconds model_timeout{30000};  // a model answers in seconds, not milliseconds
    std::string config_file;

    // The HTTP side (webhooks, /healthz, /metrics): every request is bounded in size and time.
    int http_max_connections = 2000;       // open connections at once (more wait in the kernel's backlog)
    int http_max_connections_per_ip = 64;  // 0 = no limit (behind a proxy every client has its address)
    std::chrono::milliseconds http_request_deadline{
        10000};                                // a whole request, first byte to last, or the connection is closed
    std::size_t webhook_max_body = 64 * 1024;  // providers send a few KB
    int webhook_db_connections = 2;            // database connections for webhooks (health has its own)
    int webhook_rejections_burst = 10;         // rejected requests stored per sender and team at once...
    int webhook_rejections_per_minute = 30;    // ...and refilled at this rate; beyond, 429 and not stored
    // Where verified webhooks wait while PostgreSQL cannot be reached (OUTREACH_SPOOL_DIR); by default
    // $STATE_DIRECTORY/spool (systemd's StateDirectory=) or /var/lib/outreachd/spool.
    std::string spool_dir;
    bool spool_dir_default = true;  // not configured: a directory that cannot be used disables the spool

    // Settings that a SIGHUP cannot change (a restart can).
    bool same_fixed_settings(const Config &other) const;
};

// Reads the configuration: `file` (if not empty) then the environment through `getenv`.
// Errors name the key and what it must be, never the value given (it may be a secret in the wrong place).
Result<Config> load_config(const std::string &file, const std::function<const char *(const char *)> &getenv);

// The names of every setting, for `outreachd run --help`.
std::string config_help();

}  // namespace outreach::worker
