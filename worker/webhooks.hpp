// The HTTP side of outreachd: /healthz, /metrics, the providers' delivery-status callbacks and
// inbound texts (worker/inbound.hpp reads them; outreach.receive_message decides everything).
// Every callback is verified (Twilio: X-Twilio-Signature, HMAC-SHA1; SignalHouse:
// X-SignalHouse-Signature, HMAC-SHA256 over "timestamp.body"), stored raw by one SQL call
// (outreach.record_webhook, idempotent by event: SignalHouse's by the digest of the signed body),
// and answered fast. A request for a team that does not exist gets 404 and is not stored; a bad
// signature gets 401 and an invalid body 400, stored bounded (outreach.record_webhook_rejection)
// up to a rate per sender and team, beyond which they get 429 and are only counted. An inbound
// text is stored raw first (kind inbound, once per provider message id), then received by one call,
// outreach.receive_webhook_message. While PostgreSQL cannot be reached, a verified request is
// appended to the durable spool (worker/spool.hpp) and answered 200; it is replayed in order
// through the same path once the database is back.
//
// The server is event-driven (libmicrohttpd on epoll, suspend/resume): reading and writing never
// wait on the database. Database work runs on small pools of its own connections, one for
// webhooks and one for /healthz and /metrics, so a webhook waiting on a row lock does not hold up
// the health check. Every request is bounded: connections in all and per address, path and header
// sizes, the body, and a deadline for the whole request after which the connection is closed.
#pragma once

#include "libpq.hpp"

#include "config.hpp"

#include <cstddef>
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
                            const std::map<std::string, std::vector<std::string>> &params,
                            const std::string &signature);
// hex(HMAC-SHA256(secret, timestamp + "." + body)): the X-SignalHouse-Signature.
std::string signalhouse_signature(const std::string &secret, const std::string &timestamp, const std::string &body);

// Receives the inbound texts that were stored but never received (outreach.stranded_inbound_webhooks:
// the database or this process failed between the two calls), reading each raw body again. Returns
// how many were received.
int receive_stranded_inbound(libpq::Connection &db);
bool constant_time_equal(const std::string &a, const std::string &b);

class HttpServer {
public:
    // Starts listening on config.http_listen, with database connections of its own.
    HttpServer(const Config &config, const std::string &dsn);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;
    // The settings a SIGHUP reloaded (secrets, public URL).
    void update_config(const Config &config);
    int port() const;
    // Replays the spool (verified webhooks that came while PostgreSQL was unreachable) in order on a
    // webhook connection, unless a replay is under way or nothing waits. Returns at once.
    void replay_spool();
    std::size_t spool_depth() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace outreach::worker
