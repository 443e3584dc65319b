#include "config.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace outreach::worker {
namespace {

// KEY=VALUE lines; # starts a comment line; surrounding spaces and one pair of quotes are dropped.
Result<std::map<std::string, std::string>> read_file(const std::string &path)
{
    std::ifstream in(path);
    if (!in) return Error{ErrorKind::invalid_argument, "cannot read config file " + path};
    std::map<std::string, std::string> values;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos)
            return Error{ErrorKind::invalid_argument, path + ":" + std::to_string(number) + ": expected KEY=VALUE"};
        std::string key = line.substr(first, eq - first);
        while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
        std::string value = line.substr(eq + 1);
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
        const auto v0 = value.find_first_not_of(" \t");
        value = v0 == std::string::npos ? "" : value.substr(v0);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        values[key] = value;
    }
    return values;
}

Result<long> parse_number(const std::string &key, const std::string &value, long lo, long hi)
{
    char *end = nullptr;
    errno = 0;
    const long n = std::strtol(value.c_str(), &end, 10);
    // the value is not repeated: a token pasted into the wrong setting must not reach the log
    if (value.empty() || *end != '\0' || errno != 0 || n < lo || n > hi)
        return Error{ErrorKind::invalid_argument,
                     key + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi)};
    return n;
}

bool all_of(const std::string &s, std::size_t from, std::size_t to, int (*pred)(int))
{
    for (std::size_t i = from; i < to; ++i)
        if (!pred(static_cast<unsigned char>(s[i]))) return false;
    return true;
}

int host_char(int c) { return std::isalnum(c) || c == '.' || c == '-'; }
int ipv6_char(int c) { return std::isxdigit(c) || c == ':'; }

// host:port or [v6]:port, port 0-65535; plain parsing (no regex on anything outside our control).
bool valid_listen(const std::string &s)
{
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    const std::size_t digits = s.size() - colon - 1;
    if (digits < 1 || digits > 5 || !all_of(s, colon + 1, s.size(), [](int c) { return std::isdigit(c); }))
        return false;
    if (std::stol(s.substr(colon + 1)) > 65535) return false;
    if (s.front() == '[') return colon >= 3 && s[colon - 1] == ']' && all_of(s, 1, colon - 1, ipv6_char);
    return all_of(s, 0, colon, host_char);
}

bool valid_twilio_sid(const std::string &s)
{
    return s.size() == 34 && s[0] == 'A' && s[1] == 'C' &&
           all_of(s, 2, s.size(), [](int c) { return std::isxdigit(c); });
}

bool valid_base_url(const std::string &s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

}  // namespace

bool Config::same_fixed_settings(const Config &other) const
{
    return dsn == other.dsn && http_listen == other.http_listen && worker_name == other.worker_name &&
           spool_dir == other.spool_dir;
}

std::string config_help()
{
    return "settings (environment, or KEY=VALUE lines in --config FILE; the environment wins):\n"
           "  OUTREACH_HTTP_LISTEN            host:port of /healthz, /metrics and webhooks (default 127.0.0.1:8080)\n"
           "  OUTREACH_PUBLIC_URL             base URL providers use to reach the webhooks (status callbacks)\n"
           "  OUTREACH_WORKER_NAME            this worker's name in claims (default host:pid)\n"
           "  OUTREACH_BATCH                  messages claimed at once (default 500)\n"
           "  OUTREACH_SEND_CONCURRENCY       texts started, sent and recorded together, as one window (default 64);\n"
           "                                  a crash leaves at most two windows of texts unknown\n"
           "  OUTREACH_POLL_MS                polling fallback when no NOTIFY arrives (default 1000)\n"
           "  OUTREACH_LEASE_SECONDS          how long a claimed send may take before it is unknown (default 120)\n"
           "  OUTREACH_HTTP_TIMEOUT_MS        provider request timeout (default 15000)\n"
           "  OUTREACH_LOG_LEVEL              debug, info, warn or error (default info)\n"
           "  OUTREACH_TWILIO_BASE_URL, OUTREACH_TWILIO_ACCOUNT_SID, OUTREACH_TWILIO_AUTH_TOKEN\n"
           "  OUTREACH_SIGNALHOUSE_BASE_URL, OUTREACH_SIGNALHOUSE_API_KEY, OUTREACH_SIGNALHOUSE_SIGNING_SECRET\n"
           "  OUTREACH_REALESTATEAPI_BASE_URL, OUTREACH_REALESTATEAPI_API_KEY   (SkipTrace enrichment)\n"
           "  OUTREACH_APOLLO_BASE_URL, OUTREACH_APOLLO_API_KEY                 (people and organization enrichment)\n"
           "  OUTREACH_ENRICHMENT_BATCH       enrichment jobs claimed at once (default 10)\n"
           "  OUTREACH_ANTHROPIC_BASE_URL, OUTREACH_ANTHROPIC_API_KEY  (a model's second look at unsure reply labels)\n"
           "  OUTREACH_ANTHROPIC_MODEL        model name (default claude-haiku-4-5)\n"
           "  OUTREACH_ANTHROPIC_MAX_TOKENS   longest answer (default 200)\n"
           "  OUTREACH_CLASSIFICATION_BATCH   classification jobs claimed at once (default 10)\n"
           "  OUTREACH_MODEL_TIMEOUT_MS       model request timeout (default 30000)\n"
           "  OUTREACH_HTTP_MAX_CONNECTIONS   open HTTP connections at once (default 2000)\n"
           "  OUTREACH_HTTP_MAX_CONNECTIONS_PER_IP  of them from one address (default 64; 0 = no limit, e.g. behind a proxy)\n"
           "  OUTREACH_HTTP_REQUEST_DEADLINE_MS  time for a whole HTTP request before the connection is closed (default 10000)\n"
           "  OUTREACH_WEBHOOK_MAX_BODY_BYTES largest webhook body accepted (default 65536)\n"
           "  OUTREACH_WEBHOOK_DB_CONNECTIONS database connections that store webhooks (default 2)\n"
           "  OUTREACH_WEBHOOK_REJECTIONS_BURST, OUTREACH_WEBHOOK_REJECTIONS_PER_MINUTE\n"
           "                                  rejected webhooks stored per sender address and team: at once, then per\n"
           "                                  minute (defaults 10 and 30); beyond that they get 429 and are not stored\n"
           "  OUTREACH_SPOOL_DIR              where verified webhooks wait, fsynced, while PostgreSQL is unreachable\n"
           "                                  (default $STATE_DIRECTORY/spool, else /var/lib/outreachd/spool, with a\n"
           "                                  directory per database under it); one directory per database\n"
           "  PGHOST, PGPORT, PGDATABASE, PGUSER, ... (libpq), or --dsn\n"
           "A provider without credentials runs in sandbox mode: it records what it would send and touches no network.\n";
}

Result<Config> load_config(const std::string &file, const std::function<const char *(const char *)> &getenv)
{
    std::map<std::string, std::string> values;
    if (!file.empty()) {
        auto read = read_file(file);
        if (!read.ok()) return read.error();
        values = std::move(read.value());
    }
    auto get = [&](const char *key) -> std::optional<std::string> {
        if (const char *v = getenv(key)) return std::string(v);
        if (auto it = values.find(key); it != values.end()) return it->second;
        return std::nullopt;
    };
    Config c;
    c.config_file = file;
    if (auto v = get("OUTREACH_HTTP_LISTEN")) c.http_listen = *v;
    if (!valid_listen(c.http_listen))
        return Error{ErrorKind::invalid_argument, "OUTREACH_HTTP_LISTEN must be host:port or [v6-address]:port"};
    if (auto v = get("OUTREACH_PUBLIC_URL")) c.public_url = *v;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    if (!c.public_url.empty() && !valid_base_url(c.public_url))
        return Error{ErrorKind::invalid_argument, "OUTREACH_PUBLIC_URL must start with http:// or https://"};
    if (auto v = get("OUTREACH_WORKER_NAME")) c.worker_name = *v;
    if (c.worker_name.empty()) {
        char host[256] = {0};
        gethostname(host, sizeof host - 1);
        c.worker_name = std::string(host) + ":" + std::to_string(getpid());
    }
    struct NumberSetting {
        const char *key;
        long lo, hi;
        std::function<void(long)> set;
    };
    const NumberSetting numbers[] = {
        {"OUTREACH_BATCH", 1, 10000, [&](long n) { c.batch = static_cast<int>(n); }},
        {"OUTREACH_SEND_CONCURRENCY", 1, 256, [&](long n) { c.send_concurrency = static_cast<int>(n); }},
        {"OUTREACH_ENRICHMENT_BATCH", 1, 1000, [&](long n) { c.enrichment_batch = static_cast<int>(n); }},
        {"OUTREACH_CLASSIFICATION_BATCH", 1, 1000, [&](long n) { c.classification_batch = static_cast<int>(n); }},
        {"OUTREACH_ANTHROPIC_MAX_TOKENS", 16, 4096, [&](long n) { c.anthropic.max_tokens = static_cast<int>(n); }},
        {"OUTREACH_MODEL_TIMEOUT_MS", 100, 600000, [&](long n) { c.model_timeout = std::chrono::milliseconds(n); }},
        {"OUTREACH_POLL_MS", 10, 600000, [&](long n) { c.poll_interval = std::chrono::milliseconds(n); }},
        {"OUTREACH_LEASE_SECONDS", 5, 86400, [&](long n) { c.lease = std::chrono::seconds(n); }},
        {"OUTREACH_HTTP_TIMEOUT_MS", 100, 600000, [&](long n) { c.request_timeout = std::chrono::milliseconds(n); }},
        {"OUTREACH_CONNECT_TIMEOUT_MS", 100, 600000, [&](long n) { c.connect_timeout = std::chrono::milliseconds(n); }},
        {"OUTREACH_HTTP_MAX_CONNECTIONS", 16, 100000, [&](long n) { c.http_max_connections = static_cast<int>(n); }},
        {"OUTREACH_HTTP_MAX_CONNECTIONS_PER_IP", 0, 100000,
         [&](long n) { c.http_max_connections_per_ip = static_cast<int>(n); }},
        {"OUTREACH_HTTP_REQUEST_DEADLINE_MS", 500, 120000,
         [&](long n) { c.http_request_deadline = std::chrono::milliseconds(n); }},
        {"OUTREACH_WEBHOOK_MAX_BODY_BYTES", 1024, 1 << 20,
         [&](long n) { c.webhook_max_body = static_cast<std::size_t>(n); }},
        {"OUTREACH_WEBHOOK_DB_CONNECTIONS", 1, 32, [&](long n) { c.webhook_db_connections = static_cast<int>(n); }},
        {"OUTREACH_WEBHOOK_REJECTIONS_BURST", 0, 10000,
         [&](long n) { c.webhook_rejections_burst = static_cast<int>(n); }},
        {"OUTREACH_WEBHOOK_REJECTIONS_PER_MINUTE", 0, 100000,
         [&](long n) { c.webhook_rejections_per_minute = static_cast<int>(n); }},
    };
    for (const auto &s : numbers)
        if (auto v = get(s.key)) {
            auto n = parse_number(s.key, *v, s.lo, s.hi);
            if (!n.ok()) return n.error();
            s.set(n.value());
        }
    if (std::chrono::duration_cast<std::chrono::milliseconds>(c.lease) <= c.request_timeout + c.connect_timeout)
        return Error{ErrorKind::invalid_argument,
                     "OUTREACH_LEASE_SECONDS must be longer than the provider connect and request timeouts"};
    if (auto v = get("OUTREACH_SPOOL_DIR"); v && !v->empty()) {
        c.spool_dir = *v;
        c.spool_dir_default = false;
        if (c.spool_dir.front() != '/')
            return Error{ErrorKind::invalid_argument, "OUTREACH_SPOOL_DIR must be an absolute path"};
    } else if (const char *state = getenv("STATE_DIRECTORY"); state && *state == '/') {
        // systemd may list several state directories, separated by colons: the first is ours
        const std::string first(state, std::strcspn(state, ":"));
        c.spool_dir = first + "/spool";
    } else {
        c.spool_dir = "/var/lib/outreachd/spool";
    }
    if (auto v = get("OUTREACH_LOG_LEVEL")) c.log_level = *v;
    if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error")
        return Error{ErrorKind::invalid_argument, "OUTREACH_LOG_LEVEL must be debug, info, warn or error"};

    c.twilio.base_url = get("OUTREACH_TWILIO_BASE_URL").value_or("https://api.twilio.com");
    c.twilio.account_sid = get("OUTREACH_TWILIO_ACCOUNT_SID").value_or("");
    c.twilio.auth_token = get("OUTREACH_TWILIO_AUTH_TOKEN").value_or("");
    c.signalhouse.base_url = get("OUTREACH_SIGNALHOUSE_BASE_URL").value_or("https://v2.signalhouse.io");
    c.signalhouse.api_key = get("OUTREACH_SIGNALHOUSE_API_KEY").value_or("");
    c.signalhouse.signing_secret = get("OUTREACH_SIGNALHOUSE_SIGNING_SECRET").value_or("");
    c.realestateapi.base_url = get("OUTREACH_REALESTATEAPI_BASE_URL").value_or("https://api.realestateapi.com");
    c.realestateapi.api_key = get("OUTREACH_REALESTATEAPI_API_KEY").value_or("");
    c.apollo.base_url = get("OUTREACH_APOLLO_BASE_URL").value_or("https://api.apollo.io");
    c.apollo.api_key = get("OUTREACH_APOLLO_API_KEY").value_or("");
    c.realestateapi.sandbox = c.realestateapi.api_key.empty();
    c.apollo.sandbox = c.apollo.api_key.empty();
    c.anthropic.base_url = get("OUTREACH_ANTHROPIC_BASE_URL").value_or("https://api.anthropic.com");
    while (!c.anthropic.base_url.empty() && c.anthropic.base_url.back() == '/') c.anthropic.base_url.pop_back();
    if (!valid_base_url(c.anthropic.base_url))
        return Error{ErrorKind::invalid_argument, "OUTREACH_ANTHROPIC_BASE_URL must start with http:// or https://"};
    c.anthropic.api_key = get("OUTREACH_ANTHROPIC_API_KEY").value_or("");
    c.anthropic.sandbox = c.anthropic.api_key.empty();
    // a model call must fit in a classification job's lease too (when a model is asked at all)
    if (!c.anthropic.sandbox &&
        std::chrono::duration_cast<std::chrono::milliseconds>(c.lease) <= c.model_timeout + c.connect_timeout)
        return Error{ErrorKind::invalid_argument,
                     "OUTREACH_LEASE_SECONDS must be longer than the model's connect and request timeouts "
                     "(OUTREACH_MODEL_TIMEOUT_MS)"};
    if (auto v = get("OUTREACH_ANTHROPIC_MODEL"); v && !v->empty()) c.anthropic.model = *v;
    if (c.anthropic.model.size() > 200 || c.anthropic.model.find_first_of(" \t\r\n\"") != std::string::npos)
        return Error{ErrorKind::invalid_argument, "OUTREACH_ANTHROPIC_MODEL must be a model name (no spaces or quotes)"};
    const std::pair<const char *, ProviderSettings *> providers[] = {
        {"OUTREACH_TWILIO_BASE_URL", &c.twilio},
        {"OUTREACH_SIGNALHOUSE_BASE_URL", &c.signalhouse},
        {"OUTREACH_REALESTATEAPI_BASE_URL", &c.realestateapi},
        {"OUTREACH_APOLLO_BASE_URL", &c.apollo}};
    for (const auto &[key, p] : providers) {
        while (!p->base_url.empty() && p->base_url.back() == '/') p->base_url.pop_back();
        if (!valid_base_url(p->base_url))
            return Error{ErrorKind::invalid_argument, std::string(key) + " must start with http:// or https://"};
    }
    if (!c.twilio.account_sid.empty() && !valid_twilio_sid(c.twilio.account_sid))
        return Error{ErrorKind::invalid_argument,
                     "OUTREACH_TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits"};
    if (c.twilio.account_sid.empty() != c.twilio.auth_token.empty())
        return Error{
            ErrorKind::invalid_argument,
            "Twilio needs both OUTREACH_TWILIO_ACCOUNT_SID and OUTREACH_TWILIO_AUTH_TOKEN, or neither (sandbox)"};
    c.twilio.sandbox = c.twilio.account_sid.empty();
    c.signalhouse.sandbox = c.signalhouse.api_key.empty();
    return c;
}

}  // namespace outreach::worker
