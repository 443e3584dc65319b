// The HTTP side of outreachd: /healthz, /metrics, and the providers' delivery-status callbacks.
// Every callback is verified (Twilio: X-Twilio-Signature, HMAC-SHA1; SignalHouse:
// X-SignalHouse-Signature, HMAC-SHA256 over "timestamp.body"), stored raw by one SQL call
// (outreach.record_webhook, idempotent by event), and answered fast. A bad signature gets 401 and
// is stored as a rejection.
#pragma once

#include "config.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace outreach::worker {

// application/x-www-form-urlencoded into name -> values (in order).
std::map<std::string, std::vector<std::string>> parse_form(const std::string &body);

// base64(HMAC-SHA1(token, url + sorted name/value pairs)): the X-Twilio-Signature of a request.
std::string twilio_signature(const std::string &token, const std::string &url,
                             const std::map<std::string, std::vector<std::string>> &params);
// Whether `signature` matches for the URL as given or with its default port added or removed.
bool twilio_signature_valid(const std::string &token, const std::string &url,
                            const std::map<std::string, std::vector<std::string>> &params, const std::string &signature);
// hex(HMAC-SHA256(secret, timestamp + "." + body)): the X-SignalHouse-Signature.
std::string signalhouse_signature(const std::string &secret, const std::string &timestamp, const std::string &body);
bool constant_time_equal(const std::string &a, const std::string &b);

class HttpServer {
public:
    // Starts listening on config.http_listen with its own database connection.
    HttpServer(const Config &config, const std::string &dsn);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;
    // The settings a SIGHUP reloaded (secrets, public URL).
    void update_config(const Config &config);
    int port() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace outreach::worker
