#include "webhooks.hpp"

#include "db_workers.hpp"
#include "http_guard.hpp"
#include "inbound.hpp"
#include "libpq.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "spool.hpp"

#include <microhttpd.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace outreach::worker {
namespace {

// The default spool is one directory per database (a key of the connection settings under the
// default directory): a spooled STOP must be replayed into the database it was meant for,
// whichever daemon on the host replays it. A configured OUTREACH_SPOOL_DIR is used as it is.
std::string spool_dir_for(const Config &config, const std::string &dsn)
{
    if (!config.spool_dir_default) return config.spool_dir;
    std::string key = dsn;
    for (const char *name : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"}) {
        key += '|';
        if (const char *value = std::getenv(name)) key += value;
    }
    return config.spool_dir + "/" + sha256_hex(key).substr(0, 16);
}

using json = nlohmann::json;

std::string url_decode(const std::string &s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string hmac(const EVP_MD *md, const std::string &key, const std::string &data)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(data.data()),
         data.size(), out, &len);
    return std::string(reinterpret_cast<char *>(out), len);
}

std::string base64(const std::string &raw)
{
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                  reinterpret_cast<const unsigned char *>(raw.data()), static_cast<int>(raw.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

}  // namespace

std::map<std::string, std::vector<std::string>> parse_form(const std::string &body)
{
    std::map<std::string, std::vector<std::string>> params;
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string::npos) end = body.size();
        const std::string pair = body.substr(start, end - start);
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            params[url_decode(pair.substr(0, eq))].push_back(eq == std::string::npos ? ""
                                                                                     : url_decode(pair.substr(eq + 1)));
        }
        start = end + 1;
    }
    return params;
}

std::string twilio_signature(const std::string &token, const std::string &url,
                             const std::map<std::string, std::vector<std::string>> &params)
{
    std::string data = url;
    for (const auto &[name, values] : params) {  // std::map: names in byte order
        std::vector<std::string> sorted(values);
        std::sort(sorted.begin(), sorted.end());
        sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
        for (const std::string &v : sorted) data += name + v;
    }
    return base64(hmac(EVP_sha1(), token, data));
}

bool constant_time_equal(const std::string &a, const std::string &b)
{
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

bool twilio_signature_valid(const std::string &token, const std::string &url,
                            const std::map<std::string, std::vector<std::string>> &params, const std::string &signature)
{
    if (token.empty() || signature.empty()) return false;
    return constant_time_equal(twilio_signature(token, url, params), signature) ||
           constant_time_equal(twilio_signature(token, toggle_default_port(url), params), signature);
}

std::string signalhouse_signature(const std::string &secret, const std::string &timestamp, const std::string &body)
{
    return hex_lower(hmac(EVP_sha256(), secret, timestamp + "." + body));
}

// ---- the server ---------------------------------------------------------------------------------
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t max_path = 1024;              // our paths are short; a longer one is an attack or a mistake
constexpr std::size_t max_header_bytes = 8 * 1024;  // request line and headers together
constexpr std::size_t connection_memory =
    16 * 1024;  // per connection in libmicrohttpd: bigger request heads get 414/431 there
constexpr std::size_t rejected_body_kept = 2048;  // bytes of a rejected body kept for the operator
constexpr int health_statement_ms = 1000;
constexpr int webhook_statement_ms = 5000;  // SignalHouse gives up after 3 s and retries: longer is pointless
constexpr int webhook_lock_ms = 2000;
constexpr std::size_t webhook_queue = 256;  // webhooks waiting for a database connection
constexpr std::size_t health_queue = 256;
constexpr std::size_t metrics_queue = 64;
constexpr auto team_ttl = std::chrono::seconds(30);  // a new team's webhooks work within this
constexpr auto team_miss_reload = std::chrono::seconds(2);
constexpr auto team_miss_wait = std::chrono::milliseconds(500);  // for a list being loaded, on a miss
constexpr long long signalhouse_window_ms = 5 * 60 * 1000;       // a signed timestamp older than this is a replay
constexpr auto health_reuse = std::chrono::milliseconds(250);    // probes answer many /healthz at once
constexpr auto spool_nudge = std::chrono::seconds(2);            // how often a waiting spool tries the database
// how often an empty spool looks for the files of processes that died
constexpr auto spool_look = std::chrono::seconds(60);
// a record the database keeps refusing (other than with a 4xx, which is stored) is dropped after
constexpr int spool_record_attempts = 3;

struct Answer {
    unsigned status = MHD_HTTP_SERVICE_UNAVAILABLE;
    std::string body = "temporarily unavailable\n";
    std::string type = "text/plain; charset=utf-8";
    std::string retry_after;
};

Answer answer(unsigned status, std::string body, std::string type = "text/plain; charset=utf-8")
{
    return Answer{status, std::move(body), std::move(type), {}};
}

// One request, from its headers to its answer (libmicrohttpd's per-request context).
struct Request {
    Route route;
    std::string path;
    std::string body;
    bool too_large = false;
    bool answered_early = false;  // refused from its headers: the body is not read
    bool suspended = false;       // handed to a database pool, which writes the answer and resumes
    std::mutex mutex;
    std::optional<Answer> answer;
};

// What a webhook job needs, copied off the connection (or read back from the spool).
struct WebhookInput {
    std::string provider, team, path, host, remote, body;
    std::string twilio_signature, sh_signature, sh_timestamp;
    json headers = json::object();  // the storable ones
    std::string received_at;        // ISO 8601 UTC: when outreachd received it
    bool verified = false;          // replayed from the spool: its signature was verified when it came
};

// The current time as ISO 8601 UTC with milliseconds (what received_at holds).
std::string iso_now()
{
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return text;
}

// An open connection and when its current request began (the deadline counts from there).
struct Tracked {
    int fd;
    Clock::time_point since;
    bool cut = false;
};

}  // namespace

struct HttpServer::Impl {
    Config config;
    std::mutex config_mutex;
    std::string dsn;
    std::unique_ptr<DbWorkers> webhook_db;
    std::unique_ptr<DbWorkers> health_db;  // /healthz alone: a slow scrape never holds it
    std::unique_ptr<DbWorkers> metrics_db;
    RateLimiter rejections;
    TeamList teams{team_ttl, team_miss_reload, team_miss_wait};  // from outreach.webhook_team_ids()
    std::unique_ptr<Spool> spool;  // verified webhooks that came while the database was unreachable
    std::atomic<bool> replaying{false};
    std::atomic<int> replay_failures{0};  // of the record at the head of the spool
    Clock::time_point nudged_at{};

    std::mutex health_mutex;  // the last probe, shared by the /healthz requests that came meanwhile
    std::optional<Answer> health;
    Clock::time_point health_at{};

    std::mutex conns_mutex;
    std::unordered_map<MHD_Connection *, Tracked> conns;
    std::chrono::milliseconds deadline{10000};
    std::thread sweeper;
    std::mutex sweep_mutex;
    std::condition_variable sweep_wake;
    bool stopping = false;

    MHD_Daemon *daemon = nullptr;
    int port = 0;

    Config current()
    {
        std::lock_guard<std::mutex> lock(config_mutex);
        return config;
    }
};

namespace {

MHD_Result respond(MHD_Connection *c, const Answer &a)
{
    MHD_Response *r =
        MHD_create_response_from_buffer(a.body.size(), const_cast<char *>(a.body.data()), MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", a.type.c_str());
    if (!a.retry_after.empty()) MHD_add_response_header(r, "Retry-After", a.retry_after.c_str());
    const MHD_Result ret = MHD_queue_response(c, a.status, r);
    MHD_destroy_response(r);
    return ret;
}

std::string header(MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    return v ? v : "";
}

MHD_Result collect_header(void *cls, MHD_ValueKind, const char *key, const char *value)
{
    // only names that carry no credentials; values bounded and storable
    if (key && storable_header(key))
        (*static_cast<json *>(cls))[key] = escape_unstorable(utf8_prefix(value ? value : "", 256));
    return MHD_YES;
}

std::string remote_address(MHD_Connection *c)
{
    const MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr) return "";
    char text[INET6_ADDRSTRLEN] = {0};
    const sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(sa)->sin_addr, text, sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_addr, text, sizeof text);
    return text;
}

// A libpq message on one line.
std::string one_line(std::string s)
{
    for (char &ch : s)
        if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
    std::string out;
    for (char ch : s)
        if (!(ch == ' ' && !out.empty() && out.back() == ' ')) out.push_back(ch);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// ---- database jobs (on the pools' threads) ------------------------------------------------------

// What is wrong with the database, as /healthz says it.
std::string describe_database_error(const libpq::Error &e, int timeout_ms)
{
    const std::string &state = e.sqlstate();
    if (state.rfind("08", 0) == 0) return "database unreachable: " + one_line(e.what());
    if (state == "57014") return "database slow: no answer within " + std::to_string(timeout_ms) + " ms";
    if (state == "55P03") return "database slow: waited too long for a lock";
    return "database error: " + one_line(e.what());
}

Answer probe_health(HttpServer::Impl &s, DbSession &db)
{
    {
        std::lock_guard<std::mutex> lock(s.health_mutex);
        if (s.health && Clock::now() - s.health_at < health_reuse) return *s.health;
    }
    Answer a = answer(MHD_HTTP_OK, "ok\n");
    try {
        db.run([](libpq::Connection &c) { return c.exec("SELECT 1"); });
    } catch (const libpq::Error &e) {
        a = answer(MHD_HTTP_SERVICE_UNAVAILABLE, describe_database_error(e, health_statement_ms) + "\n");
    }
    std::lock_guard<std::mutex> lock(s.health_mutex);
    s.health = a;
    s.health_at = Clock::now();
    return a;
}

Answer render_metrics(HttpServer::Impl &s, DbSession &db)
{
    std::string extra;
    if (s.spool)
        extra += "# TYPE outreach_spool_depth gauge\noutreach_spool_depth " + std::to_string(s.spool->depth()) + "\n";
    extra += "# TYPE outreach_database_up gauge\n";
    try {
        // a SECURITY DEFINER function: the least-privilege worker role reads no table for it
        auto r = db.run([](libpq::Connection &c) {
            return c.exec("SELECT queue_due, queue_depth, unknown_sends FROM outreach.worker_gauges()");
        });
        extra += "outreach_database_up 1\n# TYPE outreach_queue_due gauge\noutreach_queue_due " +
                 libpq::value(r, 0, 0) + "\n# TYPE outreach_queue_depth gauge\noutreach_queue_depth " +
                 libpq::value(r, 0, 1) + "\n# TYPE outreach_unknown_sends gauge\noutreach_unknown_sends " +
                 libpq::value(r, 0, 2) + "\n";
    } catch (const libpq::Error &e) {
        // the counters are worth a scrape exactly when the database is in trouble
        extra += "outreach_database_up 0\n";
        log_event(Level::Debug, "metrics_gauges_failed", {{"error", one_line(e.what())}});
    }
    return answer(MHD_HTTP_OK, metrics().render(extra), "text/plain; version=0.0.4");
}

bool team_known(HttpServer::Impl &s, DbSession &db, const std::string &team)
{
    // the database is asked outside any lock: one slow refresh holds only its own webhook
    return s.teams.known(team, [&db] {
        auto r = db.run([](libpq::Connection &c) { return c.exec("SELECT * FROM outreach.webhook_team_ids()"); });
        std::vector<std::string> ids;
        for (int i = 0; i < PQntuples(r.get()); ++i) ids.push_back(libpq::value(r, i, 0));
        return ids;
    });
}

// NUL cannot be stored in jsonb: written as \x00 wherever it appears.
json scrub(const json &j)
{
    if (j.is_string()) {
        const auto &v = j.get_ref<const std::string &>();
        return v.find('\0') == std::string::npos ? j : json(escape_unstorable(v));
    }
    if (j.is_array()) {
        json out = json::array();
        for (const auto &e : j) out.push_back(scrub(e));
        return out;
    }
    if (j.is_object()) {
        json out = json::object();
        for (const auto &[k, v] : j.items())
            out[k.find('\0') == std::string::npos ? k : escape_unstorable(k)] = scrub(v);
        return out;
    }
    return j;
}

std::string dump(const json &j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A key or id fit for an index: a long one (never a provider's) is stood in for by its digest.
std::string bounded_key(const std::string &key) { return key.size() <= 255 ? key : "sha256:" + sha256_hex(key); }

// What a webhook request is, once read and (unless replayed from the spool) verified.
struct Verdict {
    std::string reason;  // empty: verified and readable; else why it is refused
    std::string detail;  // for a body that cannot be read: what is wrong, naming the field
    std::string key, ref;
    json params = json::object();
    WebhookKind kind = WebhookKind::status;
    std::optional<InboundMessage> inbound;
};

// Whether a refusal is about the body (400) rather than the signature (401).
bool body_refused(const std::string &reason)
{
    return reason == "invalid_utf8" || reason == "malformed" || reason == "missing_field";
}

Verdict verify_twilio(const WebhookInput &in, const std::string &token, const std::string &public_url)
{
    Verdict v;
    const auto form = parse_form(in.body);
    v.kind = twilio_kind(form);
    const std::string url = (public_url.empty() ? "http://" + in.host : public_url) + in.path;
    if (in.verified)
        ;  // replayed from the spool: verified when it came
    else if (token.empty())
        v.reason = "no_signing_key";
    else if (in.twilio_signature.empty())
        v.reason = "missing_signature";
    else if (!twilio_signature_valid(token, url, form, in.twilio_signature))
        v.reason = "bad_signature";
    if (!v.reason.empty()) return v;
    for (const auto &[k, vals] : form)
        v.params[escape_unstorable(k)] = vals.empty() ? "" : escape_unstorable(vals.front());
    const std::string sid = v.params.value("MessageSid", std::string());
    if (v.kind == WebhookKind::inbound) {
        if (!form_well_formed(in.body)) {
            v.reason = "malformed";
            v.detail = "the body is not well-formed form encoding";
            return v;
        }
        InboundParse p = parse_twilio_inbound(form);
        if (!p.message) {
            v.reason = p.reason;
            v.detail = p.detail;
            return v;
        }
        v.inbound = std::move(p.message);
        v.key = bounded_key(sid);  // one event per message: its MessageSid
    } else {
        v.key = bounded_key(sid + ":" + v.params.value("MessageStatus", std::string()));
    }
    v.ref = sid.size() <= 255 ? sid : "";
    return v;
}

Verdict verify_signalhouse(const WebhookInput &in, const std::string &secret)
{
    Verdict v;
    // nesting past 32 levels is nothing a provider sends: dropped rather than walked
    const json body = json::parse(
        in.body, [](int depth, json::parse_event_t, json &) { return depth <= 32; }, false);
    v.kind = signalhouse_kind(body);
    if (in.verified)
        ;  // replayed from the spool: verified when it came
    else if (secret.empty())
        v.reason = "no_signing_key";
    else if (in.sh_signature.empty() || in.sh_timestamp.empty())
        v.reason = "missing_signature";
    else if (!constant_time_equal(signalhouse_signature(secret, in.sh_timestamp, in.body), in.sh_signature))
        v.reason = "bad_signature";
    else {
        // a valid signature on an old timestamp is a replay
        const long long now =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        if (!timestamp_fresh(in.sh_timestamp, now, signalhouse_window_ms)) v.reason = "stale_timestamp";
    }
    if (!v.reason.empty()) return v;
    if (!body.is_object()) {
        v.reason = "malformed";
        v.detail = "the body is not a JSON object";
        return v;
    }
    v.params = scrub(body);
    if (v.kind == WebhookKind::inbound) {
        InboundParse p = parse_signalhouse_inbound(body);
        if (!p.message) {
            v.reason = p.reason;
            v.detail = p.detail;
            return v;
        }
        v.inbound = std::move(p.message);
        // one event per message: its id is inside the signed body, so a replay cannot change it
        v.key = bounded_key(v.inbound->provider_message_id);
        v.ref = v.inbound->provider_message_id.size() <= 255 ? v.inbound->provider_message_id : "";
        return v;
    }
    const json &p = v.params;
    for (const char *k : {"messageId", "identifier", "_id"})
        if (p.contains(k) && p[k].is_string()) {
            v.ref = p[k].get<std::string>();
            break;
        }
    if (v.ref.empty() && p.contains("metaData") && p["metaData"].is_object() && p["metaData"].contains("Message") &&
        p["metaData"]["Message"].is_object() && p["metaData"]["Message"].contains("_id") &&
        p["metaData"]["Message"]["_id"].is_string())
        v.ref = p["metaData"]["Message"]["_id"].get<std::string>();
    if (v.ref.size() > 255) v.ref.clear();
    // the event is what was signed: X-SignalHouse-Delivery-Id is not covered by the signature, so a
    // replay could carry any; the body's digest cannot change without breaking the signature
    v.key = "sha256:" + sha256_hex(in.body);
    return v;
}

Verdict verify(const WebhookInput &in, const Config &config)
{
    if (!is_storable_text(in.body)) {
        Verdict v;
        v.reason = "invalid_utf8";
        v.detail = "the body is not UTF-8 text";
        return v;
    }
    if (in.provider == "twilio") return verify_twilio(in, config.twilio.auth_token, config.public_url);
    return verify_signalhouse(in, config.signalhouse.signing_secret);
}

// The answer a provider expects for a webhook it may forget: Twilio TwiML that says nothing more.
Answer provider_ok(const std::string &provider)
{
    if (provider == "twilio") return answer(MHD_HTTP_OK, "<Response/>", "text/xml");
    return answer(MHD_HTTP_OK, "{\"ok\":true}", "application/json");
}

// The answer to a refused request: 400 for a body that cannot be read, 401 for a signature.
Answer refusal(const Verdict &v)
{
    if (body_refused(v.reason)) return answer(MHD_HTTP_BAD_REQUEST, (v.detail.empty() ? v.reason : v.detail) + "\n");
    return answer(MHD_HTTP_UNAUTHORIZED, "invalid signature\n");
}

// A refused request, stored bounded, and only so many per sender and team.
Answer store_rejection(HttpServer::Impl &s, DbSession &db, const WebhookInput &in, const Verdict &v,
                       const Config &config)
{
    const std::string &provider = in.provider;
    const auto limited = s.rejections.take(in.remote + " " + in.team, config.webhook_rejections_burst,
                                           config.webhook_rejections_per_minute, Clock::now());
    if (limited != RateLimiter::Verdict::allowed) {
        metrics().add("outreach_webhooks_total", {{"provider", provider}, {"result", "rate_limited"}});
        if (limited == RateLimiter::Verdict::limited_first)
            log_event(Level::Warn, "webhook_rejections_limited",
                      {{"provider", provider},
                       {"team", in.team},
                       {"from", in.remote},
                       {"note", "further rejections from this sender get 429 and are not stored"}});
        Answer a = answer(MHD_HTTP_TOO_MANY_REQUESTS, "too many rejected requests\n");
        const int per_minute = config.webhook_rejections_per_minute;
        a.retry_after = std::to_string(per_minute > 0 ? std::max(1, 60 / per_minute) : 60);
        return a;
    }
    const std::string kept(
        utf8_prefix(escape_unstorable(std::string_view(in.body).substr(0, rejected_body_kept)), rejected_body_kept));
    auto r = db.run([&](libpq::Connection &c) {
        return c.exec(
            "SELECT state, duplicate FROM outreach.record_webhook_rejection($1, $2, $3, $4, $5::jsonb, $6, $7, "
            "$8, $9::inet)",
            {in.team, provider, kind_name(v.kind), v.reason, dump(in.headers), kept, sha256_hex(in.body),
             std::to_string(in.body.size()), in.remote.empty() ? std::nullopt : std::optional<std::string>(in.remote)});
    });
    metrics().add("outreach_webhooks_total", {{"provider", provider}, {"result", v.reason}});
    log_event(Level::Warn, "webhook_rejected",
              {{"provider", provider},
               {"team", in.team},
               {"kind", kind_name(v.kind)},
               {"reason", v.reason},
               {"detail", v.detail},
               {"from", in.remote},
               {"repeat", libpq::value(r, 0, 1) == "t" ? "yes" : "no"}});
    return refusal(v);
}

// An inbound text: the raw request is stored first (once per provider message id), then one call,
// outreach.receive_webhook_message, runs outreach.receive_message and marks the stored event with
// what came of it. A message receive_message refuses (22023, 54000) stays stored, rejected with
// the reason, and is answered 400; a repeat of a received message is answered as the first was.
Answer receive_inbound(DbSession &db, const WebhookInput &in, const Verdict &v)
{
    const InboundMessage &m = *v.inbound;
    const auto stored = db.run([&](libpq::Connection &c) {
        return c.exec("SELECT webhook_id, duplicate FROM outreach.record_webhook($1, $2, 'inbound', $3, $4, $5::jsonb, "
                      "$6, $7::jsonb, true)",
                      {in.team, in.provider, v.key, v.ref.empty() ? std::nullopt : std::optional<std::string>(v.ref),
                       dump(in.headers), in.body, dump(v.params)});
    });
    const std::string webhook_id = libpq::value(stored, 0, 0);
    const auto r = db.run([&](libpq::Connection &c) {
        return c.exec(
            "SELECT state, outcome, inbox_item_id, unmatched_id, label, consent, duplicate "
            "FROM outreach.receive_webhook_message($1, $2::bigint, $3, $4, $5, $6, $7::timestamptz, $8::jsonb)",
            {in.team, webhook_id, m.provider_message_id, m.from, m.to, m.body,
             in.received_at.empty() ? std::nullopt : std::optional<std::string>(in.received_at), dump(m.media)});
    });
    const std::string state = libpq::value(r, 0, 0);
    const bool duplicate = libpq::value(r, 0, 6) == "t";
    const std::string result = state == "rejected" ? "invalid_message" : duplicate ? "duplicate" : "received";
    metrics().add("outreach_webhooks_total", {{"provider", in.provider}, {"result", result}});
    metrics().add("outreach_inbound_total", {{"provider", in.provider}, {"result", result}});
    if (state == "rejected") {
        log_event(Level::Warn, "inbound_refused",
                  {{"provider", in.provider},
                   {"team", in.team},
                   {"message", m.provider_message_id.substr(0, 64)},
                   {"reason", one_line(libpq::value(r, 0, 1))}});
        return answer(MHD_HTTP_BAD_REQUEST, "inbound message refused: " + one_line(libpq::value(r, 0, 1)) + "\n");
    }
    log_event(Level::Info, "inbound",
              {{"provider", in.provider},
               {"team", in.team},
               {"message", m.provider_message_id.substr(0, 64)},
               {"from", mask_phone(m.from)},
               {"inbox_item", libpq::value(r, 0, 2)},
               {"unmatched", libpq::value(r, 0, 3)},
               {"label", libpq::value(r, 0, 4)},
               {"consent", libpq::value(r, 0, 5)},
               {"duplicate", duplicate ? "yes" : "no"},
               {"spooled", in.verified ? "yes" : "no"}});
    return provider_ok(in.provider);
}

}  // namespace

int receive_stranded_inbound(libpq::Connection &db)
{
    const auto rows = db.exec("SELECT team_id, webhook_id, provider, body, received_at "
                              "FROM outreach.stranded_inbound_webhooks()");
    int received = 0;
    for (int i = 0; i < PQntuples(rows.get()); ++i) {
        const std::string team = libpq::value(rows, i, 0), id = libpq::value(rows, i, 1),
                          provider = libpq::value(rows, i, 2), body = libpq::value(rows, i, 3);
        // the body was verified and read when it came: it reads the same way now
        const InboundParse p = provider == "twilio" ? parse_twilio_inbound(parse_form(body))
                                                    : parse_signalhouse_inbound(json::parse(body, nullptr, false));
        if (!p.message) {
            log_event(Level::Error, "inbound_stranded_unreadable",
                      {{"team", team}, {"webhook", id}, {"reason", p.reason}, {"detail", p.detail}});
            continue;
        }
        const InboundMessage &m = *p.message;
        const auto r = db.exec(
            "SELECT state, label, consent FROM outreach.receive_webhook_message($1, $2::bigint, $3, $4, $5, $6, "
            "$7::timestamptz, $8::jsonb)",
            {team, id, m.provider_message_id, m.from, m.to, m.body, libpq::value(rows, i, 4), dump(m.media)});
        ++received;
        metrics().add("outreach_inbound_total", {{"provider", provider}, {"result", "stranded"}});
        log_event(Level::Warn, "inbound_stranded_received",
                  {{"team", team},
                   {"webhook", id},
                   {"message", m.provider_message_id.substr(0, 64)},
                   {"state", libpq::value(r, 0, 0)},
                   {"label", libpq::value(r, 0, 1)},
                   {"consent", libpq::value(r, 0, 2)}});
    }
    return received;
}

namespace {

// One webhook request against the database: the team, the signature, then the request stored
// (and, for an inbound text, received). Throws libpq::Error when the database fails.
Answer handle_webhook(HttpServer::Impl &s, DbSession &db, const WebhookInput &in)
{
    const std::string &provider = in.provider;
    // a team that does not exist: refused before anything is stored
    if (!team_known(s, db, in.team)) {
        metrics().add("outreach_webhooks_total", {{"provider", provider}, {"result", "unknown_team"}});
        log_event(Level::Debug, "webhook_unknown_team",
                  {{"provider", provider}, {"team", in.team}, {"from", in.remote}});
        return answer(MHD_HTTP_NOT_FOUND, "no such team\n");
    }
    const Config config = s.current();
    const Verdict v = verify(in, config);
    if (!v.reason.empty()) return store_rejection(s, db, in, v, config);
    if (v.kind == WebhookKind::inbound) return receive_inbound(db, in, v);

    auto r = db.run([&](libpq::Connection &c) {
        return c.exec(
            "SELECT state, duplicate FROM outreach.record_webhook($1, $2, 'status', $3, $4, $5::jsonb, $6, $7::jsonb, true)",
            {in.team, provider, v.key, v.ref.empty() ? std::nullopt : std::optional<std::string>(v.ref),
             dump(in.headers), in.body, dump(v.params)});
    });
    const std::string state = libpq::value(r, 0, 0);
    const bool duplicate = libpq::value(r, 0, 1) == "t";
    metrics().add("outreach_webhooks_total", {{"provider", provider}, {"result", duplicate ? "duplicate" : state}});
    log_event(Level::Info, "webhook",
              {{"provider", provider},
               {"team", in.team},
               {"key", v.key},
               {"state", state},
               {"duplicate", duplicate ? "yes" : "no"}});
    return provider_ok(provider);
}

// Whether a database error means PostgreSQL cannot be reached (rather than refusing a statement).
bool unreachable(const libpq::Error &e, const DbSession &db)
{
    const std::string &state = e.sqlstate();
    return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03" || !db.connected();
}

// PostgreSQL cannot be reached: a verified request is appended to the spool (fsynced) and answered
// as if stored; the run loop replays it once the database is back. What cannot be verified or read
// is refused as ever, but cannot be stored.
Answer spool_webhook(HttpServer::Impl &s, const WebhookInput &in, const libpq::Error &cause)
{
    const std::string &provider = in.provider;
    if (!s.spool) {
        log_event(Level::Error, "webhook_not_stored",
                  {{"provider", provider},
                   {"team", in.team},
                   {"error", one_line(cause.what())},
                   {"note", "the database is unreachable and there is no spool"}});
        Answer a;
        a.retry_after = "5";
        return a;
    }
    // the team as the database last listed it (any team, when it never answered)
    if (!s.teams.maybe_known(in.team)) {
        metrics().add("outreach_webhooks_total", {{"provider", provider}, {"result", "unknown_team"}});
        return answer(MHD_HTTP_NOT_FOUND, "no such team\n");
    }
    const Verdict v = verify(in, s.current());
    if (!v.reason.empty()) {
        metrics().add("outreach_webhooks_total", {{"provider", provider}, {"result", v.reason}});
        log_event(Level::Warn, "webhook_rejected",
                  {{"provider", provider},
                   {"team", in.team},
                   {"kind", kind_name(v.kind)},
                   {"reason", v.reason},
                   {"detail", v.detail},
                   {"from", in.remote},
                   {"stored", "no: the database is unreachable"}});
        return refusal(v);
    }
    SpooledRequest r;
    r.provider = provider;
    r.team = in.team;
    r.path = in.path;
    r.host = in.host;
    r.remote = in.remote;
    r.body = in.body;
    r.received_at = in.received_at;
    r.headers = in.headers;
    if (!s.spool->append(spool_payload(r))) {
        metrics().add("outreach_spool_total", {{"result", "failed"}});
        Answer a;
        a.retry_after = "5";
        return a;
    }
    metrics().add("outreach_webhooks_total", {{"provider", provider}, {"result", "spooled"}});
    metrics().add("outreach_spool_total", {{"result", "appended"}});
    log_event(Level::Warn, "webhook_spooled",
              {{"provider", provider},
               {"team", in.team},
               {"kind", kind_name(v.kind)},
               {"key", v.key.substr(0, 80)},
               {"depth", std::to_string(s.spool->depth())},
               {"error", one_line(cause.what())}});
    return provider_ok(provider);
}

Answer process_webhook(HttpServer::Impl &s, DbSession &db, const WebhookInput &in)
{
    try {
        return handle_webhook(s, db, in);
    } catch (const libpq::Error &e) {
        if (!unreachable(e, db)) throw;
        return spool_webhook(s, in, e);
    }
}

// Replays the spool through handle_webhook, in order, on a webhook connection. A record is done
// when the database took it (stored, received, or refused with a 4xx that is stored too); while the
// database is unreachable, or briefly busy, it waits for the next try.
void replay_spooled(HttpServer::Impl &s, DbSession &db)
{
    const std::size_t done = s.spool->replay([&](const std::string &payload) {
        const auto r = spooled_request(payload);
        if (!r) {
            metrics().add("outreach_spool_total", {{"result", "unreadable"}});
            log_event(Level::Error, "spool_record_unreadable", {{"bytes", std::to_string(payload.size())}});
            return Spool::Outcome::done;
        }
        WebhookInput in;
        in.provider = r->provider;
        in.team = r->team;
        in.path = r->path;
        in.host = r->host;
        in.remote = r->remote;
        in.body = r->body;
        in.headers = r->headers;
        in.received_at = r->received_at;
        in.verified = true;
        try {
            const Answer a = handle_webhook(s, db, in);
            s.replay_failures = 0;
            metrics().add("outreach_spool_total", {{"result", "replayed"}});
            log_event(a.status < 400 ? Level::Info : Level::Warn, "spool_replayed",
                      {{"provider", in.provider},
                       {"team", in.team},
                       {"received_at", in.received_at},
                       {"status", std::to_string(a.status)}});
            return Spool::Outcome::done;
        } catch (const libpq::Error &e) {
            if (unreachable(e, db)) return Spool::Outcome::retry_later;
            const std::string &state = e.sqlstate();
            // busy (timeouts, locks, deadlocks, resources): later; anything else a few times only
            const bool transient = state == "57014" || state == "55P03" || state == "40P01" || state == "40001" ||
                                   state.rfind("53", 0) == 0;
            if (transient || ++s.replay_failures < spool_record_attempts) {
                log_event(Level::Warn, "spool_replay_retry", {{"team", in.team}, {"error", one_line(e.what())}});
                return Spool::Outcome::retry_later;
            }
            s.replay_failures = 0;
            metrics().add("outreach_spool_total", {{"result", "dropped"}});
            log_event(Level::Error, "spool_record_dropped",
                      {{"provider", in.provider},
                       {"team", in.team},
                       {"received_at", in.received_at},
                       {"error", one_line(e.what())},
                       {"note", "refused " + std::to_string(spool_record_attempts) + " times"}});
            return Spool::Outcome::done;
        }
    });
    if (done > 0)
        log_event(Level::Info, "spool_replay",
                  {{"records", std::to_string(done)}, {"waiting", std::to_string(s.spool->depth())}});
}

// Queues a replay of the spool on a webhook connection, unless one is under way or (when not
// `look`ing for the files of processes that died since) nothing waits.
void start_replay(HttpServer::Impl &s, bool look = false)
{
    if (!s.spool || (!look && s.spool->depth() == 0) || s.replaying.exchange(true)) return;
    if (!s.webhook_db->submit([&s](DbSession &db) {
            try {
                replay_spooled(s, db);
            } catch (const std::exception &e) {
                log_event(Level::Error, "spool_replay_failed", {{"error", one_line(e.what())}});
            }
            s.replaying = false;
        }))
        s.replaying = false;
}

// ---- libmicrohttpd callbacks (on its event threads: nothing here waits) ---------------------------

void refuse_count(const char *reason) { metrics().add("outreach_http_refused_total", {{"reason", reason}}); }

// Hands the request to a database pool; the connection sleeps until the job resumes it.
MHD_Result offload(MHD_Connection *c, Request *req, DbWorkers &pool, std::function<Answer(DbSession &)> work)
{
    req->suspended = true;
    MHD_suspend_connection(c);
    const bool queued = pool.submit([c, req, work = std::move(work)](DbSession &db) {
        Answer a;
        try {
            a = work(db);
        } catch (const std::exception &e) {
            log_event(Level::Error, "http_error", {{"path", req->path.substr(0, 64)}, {"error", one_line(e.what())}});
            // a provider retries a 5xx: nothing is lost when storing failed
            a = Answer{};
        }
        {
            std::lock_guard<std::mutex> lock(req->mutex);
            req->answer = std::move(a);
        }
        MHD_resume_connection(c);  // the last touch of req and c here
    });
    if (!queued) {
        refuse_count("busy");
        Answer a;
        a.retry_after = "1";
        {
            std::lock_guard<std::mutex> lock(req->mutex);
            req->answer = std::move(a);
        }
        MHD_resume_connection(c);
    }
    return MHD_YES;
}

// The first call, with the headers: refuses what it can without reading the body.
std::optional<Answer> check_head(HttpServer::Impl &s, MHD_Connection *c, Request &req, const std::string &verb)
{
    if (req.path.size() > max_path) {
        refuse_count("path_too_long");
        return answer(MHD_HTTP_URI_TOO_LONG, "path too long\n");
    }
    const MHD_ConnectionInfo *head = MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (head && head->header_size > max_header_bytes) {
        refuse_count("headers_too_large");
        return answer(MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large\n");
    }
    req.route = route_of(req.path);
    switch (req.route.kind) {
    case Route::Kind::not_found: return answer(MHD_HTTP_NOT_FOUND, "not found\n");
    case Route::Kind::healthz:
    case Route::Kind::metrics:
        if (verb != "GET" && verb != "HEAD") return answer(MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
        return std::nullopt;
    case Route::Kind::webhook: {
        if (verb != "POST") return answer(MHD_HTTP_METHOD_NOT_ALLOWED, "POST only\n");
        const std::string length = header(c, "Content-Length");
        const std::size_t cap = s.current().webhook_max_body;
        if (!length.empty() && (length.size() > 12 || std::strtoull(length.c_str(), nullptr, 10) > cap)) {
            refuse_count("body_too_large");
            return answer(MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n");
        }
        return std::nullopt;
    }
    }
    return std::nullopt;
}

MHD_Result handle(void *cls, MHD_Connection *c, const char *url, const char *method, const char *, const char *upload,
                  size_t *upload_size, void **con_cls)
{
    auto &s = *static_cast<HttpServer::Impl *>(cls);
    auto *req = static_cast<Request *>(*con_cls);
    if (req == nullptr) {
        req = new Request();
        *con_cls = req;
        req->path = url ? url : "";
        if (auto refused = check_head(s, c, *req, method ? method : "")) {
            req->answered_early = true;
            return respond(c, *refused);
        }
        return MHD_YES;
    }
    if (req->answered_early) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (req->suspended) {
        std::lock_guard<std::mutex> lock(req->mutex);
        return req->answer ? respond(c, *req->answer) : MHD_NO;
    }
    if (*upload_size != 0) {
        // a body without Content-Length (chunked) is counted as it comes; past the cap it is dropped
        if (req->body.size() + *upload_size > s.current().webhook_max_body)
            req->too_large = true;
        else
            req->body.append(upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (req->too_large) {
        refuse_count("body_too_large");
        return respond(c, answer(MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n"));
    }
    switch (req->route.kind) {
    case Route::Kind::healthz:
        return offload(c, req, *s.health_db, [&s](DbSession &db) { return probe_health(s, db); });
    case Route::Kind::metrics:
        return offload(c, req, *s.metrics_db, [&s](DbSession &db) { return render_metrics(s, db); });
    case Route::Kind::webhook: {
        auto in = std::make_shared<WebhookInput>();
        in->provider = req->route.provider;
        in->team = req->route.team;
        in->path = req->path;
        in->host = header(c, "Host");
        in->remote = remote_address(c);
        in->body = std::move(req->body);
        in->twilio_signature = header(c, "X-Twilio-Signature");
        in->sh_signature = header(c, "X-SignalHouse-Signature");
        in->sh_timestamp = header(c, "X-SignalHouse-Timestamp");
        in->received_at = iso_now();
        MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &in->headers);
        return offload(c, req, *s.webhook_db, [&s, in](DbSession &db) { return process_webhook(s, db, *in); });
    }
    case Route::Kind::not_found: break;
    }
    return respond(c, answer(MHD_HTTP_NOT_FOUND, "not found\n"));
}

void completed(void *cls, MHD_Connection *c, void **con_cls, MHD_RequestTerminationCode)
{
    auto &s = *static_cast<HttpServer::Impl *>(cls);
    delete static_cast<Request *>(*con_cls);
    *con_cls = nullptr;
    // a kept-alive connection's next request gets a deadline of its own
    std::lock_guard<std::mutex> lock(s.conns_mutex);
    if (auto it = s.conns.find(c); it != s.conns.end()) it->second.since = Clock::now();
}

// Connections come and go: their sockets are tracked for the deadline. libmicrohttpd reports a
// close before it closes the socket, so a tracked descriptor is always still this connection's.
void connection_event(void *cls, MHD_Connection *c, void **, MHD_ConnectionNotificationCode code)
{
    auto &s = *static_cast<HttpServer::Impl *>(cls);
    std::lock_guard<std::mutex> lock(s.conns_mutex);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (info) s.conns[c] = Tracked{info->connect_fd, Clock::now()};
    } else {
        s.conns.erase(c);
    }
}

// Closes the connections whose request has taken longer than the deadline (slow senders keep a
// connection open forever otherwise: libmicrohttpd's own timeout only counts idle time). shutdown()
// wakes the event loop, which then closes the connection as if the client had gone.
void sweep(HttpServer::Impl &s)
{
    std::unique_lock<std::mutex> wait_lock(s.sweep_mutex);
    while (!s.stopping) {
        s.sweep_wake.wait_for(wait_lock, std::chrono::milliseconds(100));
        const auto now = Clock::now();
        int cut = 0;
        {
            std::lock_guard<std::mutex> lock(s.conns_mutex);
            for (auto &[conn, t] : s.conns)
                if (!t.cut && now - t.since > s.deadline) {
                    shutdown(t.fd, SHUT_RDWR);
                    t.cut = true;
                    ++cut;
                }
        }
        if (cut > 0) metrics().add("outreach_http_refused_total", {{"reason", "deadline"}}, cut);
        // a spool that waits tries the database now and then, whatever the run loop is doing; an
        // empty one looks for what another outreachd on this directory left when it died
        if (s.spool && now - s.nudged_at > (s.spool->depth() > 0 ? spool_nudge : spool_look)) {
            s.nudged_at = now;
            start_replay(s, true);
        }
    }
}

void mhd_log(void *, const char *fmt, va_list ap)
{
    char text[512];
    std::vsnprintf(text, sizeof text, fmt, ap);
    log_event(Level::Debug, "http_server", {{"message", one_line(text)}});
}

// More descriptors than the soft limit allows are there for the asking (the hard limit).
int usable_descriptors()
{
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
        getrlimit(RLIMIT_NOFILE, &lim);
    }
    return lim.rlim_cur > 1000000 ? 1000000 : static_cast<int>(lim.rlim_cur);
}

}  // namespace

HttpServer::HttpServer(const Config &config, const std::string &dsn) : impl_(std::make_unique<Impl>())
{
    Impl &s = *impl_;
    s.config = config;
    s.dsn = dsn;
    s.deadline = config.http_request_deadline;
    s.webhook_db = std::make_unique<DbWorkers>(DbSettings{"webhooks", dsn, 3, webhook_statement_ms, webhook_lock_ms},
                                               std::max(1, config.webhook_db_connections), webhook_queue);
    s.health_db = std::make_unique<DbWorkers>(
        DbSettings{"health", dsn, 2, health_statement_ms, health_statement_ms / 2}, 1, health_queue);
    s.metrics_db = std::make_unique<DbWorkers>(
        DbSettings{"metrics", dsn, 2, health_statement_ms, health_statement_ms / 2}, 1, metrics_queue);
    try {
        s.spool = std::make_unique<Spool>(spool_dir_for(config, dsn));
        if (s.spool->depth() > 0)
            log_event(Level::Warn, "spool_waiting",
                      {{"dir", s.spool->dir()}, {"records", std::to_string(s.spool->depth())}});
    } catch (const std::exception &e) {
        // a directory someone chose must work; the default may be out of reach of an unprivileged user
        if (!config.spool_dir_default) throw;
        log_event(
            Level::Warn, "spool_disabled",
            {{"dir", spool_dir_for(config, dsn)},
             {"error", e.what()},
             {"note", "set OUTREACH_SPOOL_DIR: without a spool, webhooks get 503 while PostgreSQL is unreachable"}});
    }

    const auto colon = config.http_listen.rfind(':');
    std::string host = config.http_listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    const int port = std::stoi(config.http_listen.substr(colon + 1));
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo *found = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
        throw std::runtime_error("cannot resolve OUTREACH_HTTP_LISTEN host " + host);
    // room for the database connections, the providers' and the log beside the HTTP clients
    const int limit = std::max(16, std::min(config.http_max_connections, usable_descriptors() - 256));
    if (limit < config.http_max_connections)
        log_event(Level::Warn, "http_connection_limit",
                  {{"limit", std::to_string(limit)}, {"note", "lowered to fit the open-file limit"}});
    const unsigned timeout_s = static_cast<unsigned>((config.http_request_deadline.count() + 999) / 1000);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (found->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    s.daemon = MHD_start_daemon(
        flags, static_cast<uint16_t>(port), nullptr, nullptr, &handle, &s, MHD_OPTION_SOCK_ADDR, found->ai_addr,
        MHD_OPTION_NOTIFY_COMPLETED, &completed, &s, MHD_OPTION_NOTIFY_CONNECTION, &connection_event, &s,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(limit),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<unsigned>(config.http_max_connections_per_ip),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory, MHD_OPTION_THREAD_POOL_SIZE, 2u,
        MHD_OPTION_EXTERNAL_LOGGER, &mhd_log, nullptr, MHD_OPTION_END);
    freeaddrinfo(found);
    if (!s.daemon) throw std::runtime_error("cannot listen on " + config.http_listen);
    const MHD_DaemonInfo *info = MHD_get_daemon_info(s.daemon, MHD_DAEMON_INFO_BIND_PORT);
    s.port = info ? info->port : port;
    s.sweeper = std::thread([&s] { sweep(s); });
}

HttpServer::~HttpServer()
{
    Impl &s = *impl_;
    // the pools answer what they hold (and refuse new work) while the server still runs to send it
    s.webhook_db->stop();
    s.health_db->stop();
    s.metrics_db->stop();
    {
        std::lock_guard<std::mutex> lock(s.sweep_mutex);
        s.stopping = true;
    }
    s.sweep_wake.notify_all();
    if (s.sweeper.joinable()) s.sweeper.join();
    if (s.daemon) MHD_stop_daemon(s.daemon);
}

void HttpServer::update_config(const Config &config)
{
    std::lock_guard<std::mutex> lock(impl_->config_mutex);
    // what a reload may change; connection limits and the deadline are the server's from its start
    impl_->config = config;
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::replay_spool() { start_replay(*impl_); }

std::size_t HttpServer::spool_depth() const { return impl_->spool ? impl_->spool->depth() : 0; }

}  // namespace outreach::worker
