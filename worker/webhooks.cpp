#include "webhooks.hpp"

#include "log.hpp"
#include "metrics.hpp"
#include "pg.hpp"

#include <microhttpd.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <regex>
#include <stdexcept>

namespace outreach::worker {
namespace {

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
    HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<char *>(out), len);
}

std::string base64(const std::string &raw)
{
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), reinterpret_cast<const unsigned char *>(raw.data()),
                                  static_cast<int>(raw.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string hex(const std::string &raw)
{
    static const char *digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

// The URL with its default port added (if absent) or removed (if present).
std::string toggle_default_port(const std::string &url)
{
    static const std::regex parts(R"(^(https?)://([^/:]+)(:\d+)?(.*)$)");
    std::smatch m;
    if (!std::regex_match(url, m, parts)) return url;
    const std::string def = m[1] == "https" ? ":443" : ":80";
    if (m[3].matched) return m[3] == def ? std::string(m[1]) + "://" + std::string(m[2]) + std::string(m[4]) : url;
    return std::string(m[1]) + "://" + std::string(m[2]) + def + std::string(m[4]);
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
            params[url_decode(pair.substr(0, eq))].push_back(eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1)));
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
    return hex(hmac(EVP_sha256(), secret, timestamp + "." + body));
}

// ---- the server ---------------------------------------------------------------------------------
struct HttpServer::Impl {
    Config config;
    std::mutex config_mutex;
    std::string dsn;
    std::unique_ptr<pg::Connection> db;
    std::mutex db_mutex;
    MHD_Daemon *daemon = nullptr;
    int port = 0;

    // Runs f with a working connection, reconnecting once if the old one broke.
    template <typename F>
    auto with_db(F &&f) -> decltype(f(std::declval<pg::Connection &>()))
    {
        std::lock_guard<std::mutex> lock(db_mutex);
        for (int attempt = 0;; ++attempt) {
            try {
                if (!db) db = std::make_unique<pg::Connection>(dsn);
                return f(*db);
            } catch (const pg::Error &e) {
                if (db && PQstatus(db->raw()) == CONNECTION_OK) throw;  // an SQL error, not a lost connection
                db.reset();
                if (attempt >= 1) throw;
            }
        }
    }
};

namespace {

struct Request {
    std::string body;
    bool too_large = false;
};

constexpr std::size_t max_body = 1 << 20;

MHD_Result respond(MHD_Connection *c, unsigned status, const std::string &body, const char *type = "text/plain; charset=utf-8")
{
    MHD_Response *r = MHD_create_response_from_buffer(body.size(), const_cast<char *>(body.data()), MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    const MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

MHD_Result collect_header(void *cls, MHD_ValueKind, const char *key, const char *value)
{
    std::string name(key);
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (lower == "authorization" || lower == "cookie") return MHD_YES;  // never stored
    (*static_cast<json *>(cls))[name] = value ? value : "";
    return MHD_YES;
}

std::string header(MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    return v ? v : "";
}

bool valid_team(const std::string &team)
{
    static const std::regex pattern(R"(^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,62}$)");
    return std::regex_match(team, pattern);
}

// Stores the event (and applies it) in one SQL call; returns the state and whether it repeated.
std::pair<std::string, bool> record(HttpServer::Impl &s, const std::string &team, const std::string &provider, const std::string &key,
                                    const std::string &ref, const json &headers, const std::string &body, const json &params, bool valid)
{
    return s.with_db([&](pg::Connection &db) {
        auto r = db.exec("SELECT state, duplicate FROM outreach.record_webhook($1, $2, 'status', $3, $4, $5::jsonb, $6, $7::jsonb, $8)",
                         {team, provider, key, ref.empty() ? std::nullopt : std::optional<std::string>(ref), headers.dump(), body,
                          params.dump(), valid ? "true" : "false"});
        return std::make_pair(pg::value(r, 0, 0), pg::value(r, 0, 1) == "t");
    });
}

MHD_Result handle_twilio(HttpServer::Impl &s, MHD_Connection *c, const std::string &team, const std::string &path,
                         const std::string &body, const json &headers)
{
    std::string token, public_url;
    {
        std::lock_guard<std::mutex> lock(s.config_mutex);
        token = s.config.twilio.auth_token;
        public_url = s.config.public_url;
    }
    const auto form = parse_form(body);
    json params = json::object();
    for (const auto &[k, v] : form) params[k] = v.empty() ? "" : v.front();
    const std::string url = (public_url.empty() ? "http://" + header(c, "Host") : public_url) + path;
    const bool valid = twilio_signature_valid(token, url, form, header(c, "X-Twilio-Signature"));
    const std::string sid = params.value("MessageSid", std::string());
    const std::string status = params.value("MessageStatus", std::string());
    const std::string key = sid + ":" + status;
    auto [state, duplicate] = record(s, team, "twilio", key, sid, headers, body, params, valid);
    metrics().add("outreach_webhooks_total", {{"provider", "twilio"}, {"result", valid ? (duplicate ? "duplicate" : state) : "bad_signature"}});
    log_event(valid ? Level::Info : Level::Warn, "webhook", {{"provider", "twilio"}, {"team", team}, {"key", key}, {"state", state},
                                                               {"duplicate", duplicate ? "yes" : "no"}, {"signature", valid ? "valid" : "invalid"}});
    if (!valid) return respond(c, MHD_HTTP_UNAUTHORIZED, "invalid signature\n");
    return respond(c, MHD_HTTP_OK, "<Response/>", "text/xml");
}

MHD_Result handle_signalhouse(HttpServer::Impl &s, MHD_Connection *c, const std::string &team, const std::string &body, const json &headers)
{
    std::string secret;
    {
        std::lock_guard<std::mutex> lock(s.config_mutex);
        secret = s.config.signalhouse.signing_secret;
    }
    const std::string timestamp = header(c, "X-SignalHouse-Timestamp");
    const std::string signature = header(c, "X-SignalHouse-Signature");
    std::string delivery = header(c, "X-SignalHouse-Delivery-Id");
    bool valid = !secret.empty() && !signature.empty() && !timestamp.empty() &&
                 constant_time_equal(signalhouse_signature(secret, timestamp, body), signature);
    // a valid signature on an old timestamp is a replay
    if (valid) {
        char *end = nullptr;
        const long long ms = std::strtoll(timestamp.c_str(), &end, 10);
        const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        if (*end != '\0' || std::llabs(now - ms) > 5 * 60 * 1000) valid = false;
    }
    json params = json::parse(body, nullptr, false);
    if (!params.is_object()) params = json::object();
    std::string ref;
    for (const char *k : {"messageId", "identifier", "_id"})
        if (params.contains(k) && params[k].is_string()) {
            ref = params[k].get<std::string>();
            break;
        }
    if (ref.empty() && params.contains("metaData") && params["metaData"].is_object() && params["metaData"].contains("Message") &&
        params["metaData"]["Message"].is_object() && params["metaData"]["Message"].contains("_id"))
        ref = params["metaData"]["Message"]["_id"].is_string() ? params["metaData"]["Message"]["_id"].get<std::string>() : "";
    if (delivery.empty()) delivery = "body:" + signalhouse_signature("outreach", "0", body);  // no id: the content is the key
    auto [state, duplicate] = record(s, team, "signalhouse", delivery, ref, headers, body, params, valid);
    metrics().add("outreach_webhooks_total",
                  {{"provider", "signalhouse"}, {"result", valid ? (duplicate ? "duplicate" : state) : "bad_signature"}});
    log_event(valid ? Level::Info : Level::Warn, "webhook", {{"provider", "signalhouse"}, {"team", team}, {"key", delivery}, {"state", state},
                                                              {"duplicate", duplicate ? "yes" : "no"}, {"signature", valid ? "valid" : "invalid"}});
    if (!valid) return respond(c, MHD_HTTP_UNAUTHORIZED, "invalid signature\n");
    return respond(c, MHD_HTTP_OK, "{\"ok\":true}", "application/json");
}

MHD_Result handle(void *cls, MHD_Connection *c, const char *url, const char *method, const char *, const char *upload,
                  size_t *upload_size, void **con_cls)
{
    auto &s = *static_cast<HttpServer::Impl *>(cls);
    if (*con_cls == nullptr) {
        *con_cls = new Request();
        return MHD_YES;
    }
    auto *req = static_cast<Request *>(*con_cls);
    if (*upload_size != 0) {
        if (req->body.size() + *upload_size > max_body) req->too_large = true;
        else req->body.append(upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    const std::string path(url);
    const std::string verb(method);
    try {
        if (req->too_large) return respond(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n");
        if (verb == "GET" && path == "/healthz") {
            const bool up = s.with_db([](pg::Connection &db) { return pg::value(db.exec("SELECT 1"), 0, 0) == "1"; });
            return respond(c, up ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, up ? "ok\n" : "database unavailable\n");
        }
        if (verb == "GET" && path == "/metrics") {
            std::string extra = s.with_db([](pg::Connection &db) {
                auto r = db.exec("SELECT count(*) FILTER (WHERE state = 'queued' AND scheduled_at <= now()), "
                                 "count(*) FILTER (WHERE state = 'queued'), "
                                 "(SELECT count(*) FROM outreach.sms_messages WHERE state = 'unknown') FROM outreach.campaign_queue");
                return "# TYPE outreach_queue_due gauge\noutreach_queue_due " + pg::value(r, 0, 0) +
                       "\n# TYPE outreach_queue_depth gauge\noutreach_queue_depth " + pg::value(r, 0, 1) +
                       "\n# TYPE outreach_unknown_sends gauge\noutreach_unknown_sends " + pg::value(r, 0, 2) + "\n";
            });
            return respond(c, MHD_HTTP_OK, metrics().render(extra), "text/plain; version=0.0.4");
        }
        static const std::regex hook(R"(^/webhooks/(twilio|signalhouse)/([^/]+)$)");
        std::smatch m;
        if (std::regex_match(path, m, hook)) {
            if (verb != "POST") return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "POST only\n");
            const std::string team = m[2];
            if (!valid_team(team)) return respond(c, MHD_HTTP_NOT_FOUND, "no such team\n");
            json headers = json::object();
            MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &headers);
            return m[1] == "twilio" ? handle_twilio(s, c, team, path, req->body, headers)
                                    : handle_signalhouse(s, c, team, req->body, headers);
        }
        return respond(c, MHD_HTTP_NOT_FOUND, "not found\n");
    } catch (const std::exception &e) {
        log_event(Level::Error, "http_error", {{"path", path}, {"error", e.what()}});
        // a provider retries a 5xx: nothing is lost when storing failed
        return respond(c, MHD_HTTP_SERVICE_UNAVAILABLE, "temporarily unavailable\n");
    }
}

void completed(void *, MHD_Connection *, void **con_cls, MHD_RequestTerminationCode)
{
    delete static_cast<Request *>(*con_cls);
    *con_cls = nullptr;
}

}  // namespace

HttpServer::HttpServer(const Config &config, const std::string &dsn) : impl_(std::make_unique<Impl>())
{
    impl_->config = config;
    impl_->dsn = dsn;
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
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    if (found->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    impl_->daemon = MHD_start_daemon(flags, static_cast<uint16_t>(port), nullptr, nullptr, &handle, impl_.get(),
                                     MHD_OPTION_SOCK_ADDR, found->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, &completed, nullptr,
                                     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    freeaddrinfo(found);
    if (!impl_->daemon) throw std::runtime_error("cannot listen on " + config.http_listen);
    const MHD_DaemonInfo *info = MHD_get_daemon_info(impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
    impl_->port = info ? info->port : port;
}

HttpServer::~HttpServer()
{
    if (impl_->daemon) MHD_stop_daemon(impl_->daemon);
}

void HttpServer::update_config(const Config &config)
{
    std::lock_guard<std::mutex> lock(impl_->config_mutex);
    impl_->config = config;
}

int HttpServer::port() const { return impl_->port; }

}  // namespace outreach::worker
