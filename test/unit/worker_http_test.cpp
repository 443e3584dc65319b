// HttpPool: a window of requests at once over real loopback HTTP (a libmicrohttpd server started by
// the test). What matters for at-most-once sending is that every request gets its own answer, in
// order, and that a failure says truthfully whether the request may have reached the other side:
// a refused connection certainly never left (another provider may take it), a timeout after the
// request was sent may have (unknown, never re-sent).
#include "http_client.hpp"

#include <microhttpd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace outreach::worker;

namespace {

std::atomic<int> g_requests{0};
std::atomic<int> g_connections{0};
std::atomic<int> g_dropped{0};

// Answers GET/POST /echo/<x> with "<x>:<body>", and /slow after two seconds; /drop closes the
// connection without an answer.
MHD_Result answer(void *, MHD_Connection *c, const char *url, const char *, const char *, const char *data,
                  size_t *size, void **state)
{
    if (*state == nullptr) {
        *state = new std::string;
        return MHD_YES;
    }
    auto *body = static_cast<std::string *>(*state);
    if (*size > 0) {
        body->append(data, *size);
        *size = 0;
        return MHD_YES;
    }
    g_requests++;
    const std::string path = url;
    if (path == "/slow") std::this_thread::sleep_for(std::chrono::seconds(2));
    // the request was read, perhaps processed; the connection closes without an answer
    if (path == "/drop") {
        g_dropped++;
        return MHD_NO;
    }
    const std::string text = path.rfind("/echo/", 0) == 0 ? path.substr(6) + ":" + *body : "?";
    MHD_Response *r =
        MHD_create_response_from_buffer(text.size(), const_cast<char *>(text.data()), MHD_RESPMEM_MUST_COPY);
    const MHD_Result ok = MHD_queue_response(c, path.rfind("/echo/", 0) == 0 ? 200 : 404, r);
    MHD_destroy_response(r);
    return ok;
}

void done(void *, MHD_Connection *, void **state, MHD_RequestTerminationCode)
{
    delete static_cast<std::string *>(*state);
    *state = nullptr;
}

void connected(void *, MHD_Connection *, void **, MHD_ConnectionNotificationCode code)
{
    if (code == MHD_CONNECTION_NOTIFY_STARTED) g_connections++;
}

class LoopbackServer {
public:
    LoopbackServer()
    {
        d_ = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, nullptr, nullptr,
                              &answer, nullptr, MHD_OPTION_NOTIFY_COMPLETED, &done, nullptr,
                              MHD_OPTION_NOTIFY_CONNECTION, &connected, nullptr, MHD_OPTION_END);
        if (d_) port_ = MHD_get_daemon_info(d_, MHD_DAEMON_INFO_BIND_PORT)->port;
    }
    ~LoopbackServer()
    {
        if (d_) MHD_stop_daemon(d_);
    }
    std::string url(const std::string &path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    bool up() const { return d_ != nullptr; }

private:
    MHD_Daemon *d_ = nullptr;
    unsigned port_ = 0;
};

// A loopback port with nothing listening (bound, then closed).
unsigned closed_port()
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a);
    socklen_t n = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr *>(&a), &n);
    close(s);
    return ntohs(a.sin_port);
}

HttpRequest post(const std::string &url, const std::string &body)
{
    HttpRequest r;
    r.url = url;
    r.body = body;
    r.connect_timeout = std::chrono::milliseconds(1000);
    r.timeout = std::chrono::milliseconds(3000);
    return r;
}

}  // namespace

TEST(HttpPool, EveryRequestGetsItsOwnAnswerInOrder)
{
    LoopbackServer server;
    ASSERT_TRUE(server.up());
    HttpPool pool(8);
    std::vector<HttpRequest> window;
    for (int i = 0; i < 20; ++i)
        window.push_back(post(server.url("/echo/" + std::to_string(i)), "body" + std::to_string(i)));
    const int before = g_requests;
    const auto answers = pool.perform_all(window);
    ASSERT_EQ(answers.size(), 20u);
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(answers[i].status, 200) << i;
        EXPECT_FALSE(answers[i].transport_error) << i;
        EXPECT_EQ(answers[i].body, std::to_string(i) + ":body" + std::to_string(i));
    }
    EXPECT_EQ(g_requests - before, 20);
}

TEST(HttpPool, KeepsConnectionsForTheNextWindow)
{
    LoopbackServer server;
    ASSERT_TRUE(server.up());
    HttpPool pool(4);
    std::vector<HttpRequest> window;
    for (int i = 0; i < 4; ++i) window.push_back(post(server.url("/echo/" + std::to_string(i)), ""));
    const int before = g_connections;
    for (int round = 0; round < 5; ++round) {
        const auto answers = pool.perform_all(window);
        for (const auto &a : answers) ASSERT_EQ(a.status, 200);
    }
    // 20 requests over at most the 4 connections of the first window
    EXPECT_LE(g_connections - before, 4);
}

TEST(HttpPool, FailuresSayWhetherTheRequestMayHaveLeft)
{
    LoopbackServer server;
    ASSERT_TRUE(server.up());
    HttpPool pool(8);
    HttpRequest refused = post("http://127.0.0.1:" + std::to_string(closed_port()) + "/echo/x", "");
    HttpRequest slow = post(server.url("/slow"), "hello");
    slow.timeout = std::chrono::milliseconds(300);
    HttpRequest fine = post(server.url("/echo/ok"), "");
    const auto answers = pool.perform_all({refused, slow, fine});
    ASSERT_EQ(answers.size(), 3u);
    EXPECT_TRUE(answers[0].transport_error);
    EXPECT_FALSE(answers[0].request_may_have_left);  // never connected: safe to give to the backup
    EXPECT_TRUE(answers[1].transport_error);
    EXPECT_TRUE(answers[1].request_may_have_left);  // sent, then no answer in time: unknown
    EXPECT_EQ(answers[2].status, 200);
    EXPECT_EQ(answers[2].body, "ok:");
}

// A kept-alive connection that dies before answering: libcurl would send the request again on a
// new connection. It must not: the first may have been processed.
TEST(HttpPool, ARequestIsNeverSentTwice)
{
    LoopbackServer server;
    ASSERT_TRUE(server.up());
    HttpPool pool(1);
    ASSERT_EQ(pool.perform_all({post(server.url("/echo/warm"), "")})[0].status, 200);  // the connection is now kept
    const int before = g_dropped;
    const auto answers = pool.perform_all({post(server.url("/drop"), "text")});
    EXPECT_EQ(g_dropped - before, 1);
    EXPECT_TRUE(answers[0].transport_error);
    EXPECT_TRUE(answers[0].request_may_have_left);
    // and the same through the one-request path on a fresh connection
    const HttpResponse single = http_perform(post(server.url("/drop"), "text"));
    EXPECT_EQ(g_dropped - before, 2);
    EXPECT_TRUE(single.transport_error);
    EXPECT_TRUE(single.request_may_have_left);
}

TEST(HttpPool, AnEmptyWindowIsNothing)
{
    HttpPool pool(2);
    EXPECT_TRUE(pool.perform_all({}).empty());
}

// ---- outreachd's own server (HttpServer) under hostile clients ----------------------------------
// No database here (the DSN points nowhere): what matters is that every request is answered or cut
// off within its limits, and that the server stays up. The database side is test/integration/http_hardening.sh.
#include "config.hpp"
#include "http_guard.hpp"
#include "webhooks.hpp"

#include <arpa/inet.h>
#include <mutex>
#include <poll.h>
#include <stdexcept>
#include <vector>

namespace {

const char *nowhere = "host=/nonexistent/outreach-test connect_timeout=1";

Config server_config()
{
    Config c;
    c.http_listen = "127.0.0.1:0";
    return c;
}

// A raw loopback connection from `source` (any 127.x.y.z is loopback on Linux).
int dial(int port, const char *source = nullptr)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (source) {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        inet_pton(AF_INET, source, &from.sin_addr);
        bind(s, reinterpret_cast<sockaddr *>(&from), sizeof from);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        close(s);
        return -1;
    }
    return s;
}

// Sends a whole request and reads until the server closes (or `wait` passes).
std::string round_trip(int port, const std::string &request,
                       std::chrono::milliseconds wait = std::chrono::milliseconds(5000), const char *source = nullptr)
{
    const int s = dial(port, source);
    if (s < 0) return "connect failed";
    timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    send(s, request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = recv(s, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
    close(s);
    return out;
}

std::string get(int port, const std::string &path, const std::string &extra_headers = "")
{
    return round_trip(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra_headers + "Connection: close\r\n\r\n");
}

std::string status_of(const std::string &response) { return response.substr(0, 12); }

// Whether the server closed s within `wait` (reads what it sends meanwhile).
bool closed_within(int s, std::chrono::milliseconds wait)
{
    const auto until = std::chrono::steady_clock::now() + wait;
    char buf[512];
    while (std::chrono::steady_clock::now() < until) {
        pollfd p{s, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) {
            const ssize_t n = recv(s, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
        }
    }
    return false;
}

}  // namespace

// The finding: this path ended outreachd with SIGSEGV (std::regex recursed once per character).
TEST(HttpServer, AVeryLongPathIsRefusedAndTheServerLives)
{
    HttpServer server(server_config(), nowhere);
    for (std::size_t n : {27000u, 5000u, 1100u}) {
        const std::string r = get(server.port(), "/webhooks/twilio/" + std::string(n, 'a'));
        EXPECT_EQ(status_of(r), "HTTP/1.1 414") << n << ": " << r.substr(0, 80);
    }
    // a team name just too long for a team: not found, without a look at the database
    EXPECT_EQ(status_of(get(server.port(), "/webhooks/twilio/" + std::string(64, 'a'))), "HTTP/1.1 404");
    EXPECT_EQ(status_of(get(server.port(), "/healthz")), "HTTP/1.1 503");
}

TEST(HttpServer, HealthzSaysWhatIsWrong)
{
    HttpServer server(server_config(), nowhere);
    const std::string r = get(server.port(), "/healthz");
    EXPECT_EQ(status_of(r), "HTTP/1.1 503");
    EXPECT_NE(r.find("\r\n\r\ndatabase unreachable: "), std::string::npos) << r;
    // /metrics still shows the counters, and says the database is down
    const std::string m = get(server.port(), "/metrics");
    EXPECT_EQ(status_of(m), "HTTP/1.1 200") << m;
    EXPECT_NE(m.find("outreach_database_up 0"), std::string::npos) << m;
}

TEST(HttpServer, HeadersAndBodiesAreCapped)
{
    HttpServer server(server_config(), nowhere);
    std::string pad;
    for (int i = 0; i < 10; ++i) pad += "X-Pad-" + std::to_string(i) + ": " + std::string(900, 'p') + "\r\n";
    EXPECT_EQ(status_of(get(server.port(), "/healthz", pad)), "HTTP/1.1 431");
    // far past the connection's memory: libmicrohttpd refuses it itself
    EXPECT_EQ(status_of(get(server.port(), "/healthz", pad + pad + pad)).substr(0, 10), "HTTP/1.1 4");
    // a body past the webhook cap is refused from its Content-Length, before it is read
    const auto t0 = std::chrono::steady_clock::now();
    const int s = dial(server.port());
    ASSERT_GE(s, 0);
    const std::string head = "POST /webhooks/signalhouse/acme HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n";
    send(s, head.data(), head.size(), MSG_NOSIGNAL);
    char buf[256] = {0};
    timeval tv{3, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const ssize_t n = recv(s, buf, sizeof buf - 1, 0);
    close(s);
    ASSERT_GT(n, 12);
    EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 413");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    // ... and a chunked one (no length) when it passes the cap
    std::string chunked =
        "POST /webhooks/twilio/acme HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 80; ++i) chunked += "400\r\n" + std::string(1024, 'a') + "\r\n";
    chunked += "0\r\n\r\n";
    EXPECT_EQ(status_of(round_trip(server.port(), chunked)), "HTTP/1.1 413");
    EXPECT_EQ(status_of(get(server.port(), "/webhooks/twilio/acme")), "HTTP/1.1 405");
    EXPECT_EQ(status_of(get(server.port(), "/nothing/here")), "HTTP/1.1 404");
}

// libmicrohttpd's own timeout counts idle time only: a byte now and then kept a connection (and a
// thread) forever. The deadline covers the whole request.
TEST(HttpServer, ASlowClientIsCutOffAtTheDeadline)
{
    Config c = server_config();
    c.http_request_deadline = std::chrono::milliseconds(1000);
    HttpServer server(c, nowhere);
    const int s = dial(server.port());
    ASSERT_GE(s, 0);
    const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    const auto t0 = std::chrono::steady_clock::now();
    bool closed = false;
    for (std::size_t i = 0; i < 40 && !closed; ++i) {  // one byte every 100 ms: never idle
        send(s, head.data() + (i % head.size()), 1, MSG_NOSIGNAL);
        closed = closed_within(s, std::chrono::milliseconds(100));
    }
    close(s);
    EXPECT_TRUE(closed);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2500));
}

// Hundreds of slow clients: an event-driven server holds them without a thread each, and the
// health check is still answered.
TEST(HttpServer, ManySlowClientsDoNotStarveHealthz)
{
    Config c = server_config();
    c.http_max_connections_per_ip = 0;
    HttpServer server(c, nowhere);
    std::vector<int> slow;
    for (int i = 0; i < 400; ++i) {
        const int s = dial(server.port());
        ASSERT_GE(s, 0) << i;
        send(s, "G", 1, MSG_NOSIGNAL);
        slow.push_back(s);
    }
    for (int round = 0; round < 3; ++round) {
        for (int s : slow) send(s, "E", 1, MSG_NOSIGNAL);
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_EQ(status_of(get(server.port(), "/healthz")), "HTTP/1.1 503");  // answered (no database here)
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    }
    for (int s : slow) close(s);
}

// /metrics and /healthz used to share one database session: scrapes of a database that does not
// answer (2 s connect timeout each) held /healthz behind all of them.
TEST(HttpServer, SlowScrapesDoNotHoldHealthz)
{
    // a "database" that accepts connections and never says a word
    const int hole = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(hole, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    ASSERT_EQ(listen(hole, 64), 0);
    socklen_t len = sizeof a;
    getsockname(hole, reinterpret_cast<sockaddr *>(&a), &len);
    const std::string dsn =
        "hostaddr=127.0.0.1 port=" + std::to_string(ntohs(a.sin_port)) + " sslmode=disable gssencmode=disable";
    {
        HttpServer server(server_config(), dsn);
        std::vector<std::thread> scrapes;
        for (int i = 0; i < 3; ++i)
            scrapes.emplace_back([&] {
                round_trip(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                           std::chrono::milliseconds(15000));
            });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const auto t0 = std::chrono::steady_clock::now();
        const std::string r = round_trip(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                         std::chrono::milliseconds(15000));
        const auto took = std::chrono::steady_clock::now() - t0;
        EXPECT_EQ(status_of(r), "HTTP/1.1 503") << r;
        EXPECT_NE(r.find("database unreachable"), std::string::npos) << r;
        // its own connect timeout (2 s), not the scrapes' 6 s before it
        EXPECT_LT(took, std::chrono::milliseconds(4500));
        for (auto &t : scrapes) t.join();
    }
    close(hole);
}

TEST(HttpServer, OneAddressGetsOnlyItsShareOfConnections)
{
    Config c = server_config();
    c.http_max_connections_per_ip = 8;
    HttpServer server(c, nowhere);
    std::vector<int> held;
    for (int i = 0; i < 8; ++i) held.push_back(dial(server.port(), "127.0.0.2"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int extra = dial(server.port(), "127.0.0.2");
    EXPECT_TRUE(extra < 0 || closed_within(extra, std::chrono::milliseconds(1000)));
    if (extra >= 0) close(extra);
    // another address is served meanwhile
    EXPECT_EQ(status_of(round_trip(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                   std::chrono::milliseconds(3000), "127.0.0.3")),
              "HTTP/1.1 503");
    for (int s : held) close(s);
}

// ---- the parsing behind it -------------------------------------------------------------------------
TEST(HttpGuard, RoutesByPlainParsing)
{
    EXPECT_EQ(route_of("/healthz").kind, Route::Kind::healthz);
    EXPECT_EQ(route_of("/metrics").kind, Route::Kind::metrics);
    const Route r = route_of("/webhooks/signalhouse/acme-1.b:c_d");
    EXPECT_EQ(r.kind, Route::Kind::webhook);
    EXPECT_EQ(r.provider, "signalhouse");
    EXPECT_EQ(r.team, "acme-1.b:c_d");
    for (const char *bad :
         {"/webhooks/twilio/", "/webhooks/twilio", "/webhooks/other/acme", "/webhooks/twilio/a/b",
          "/webhooks/twilio/-a", "/webhooks/twilio/a%20b", "/healthz/", "/webhooks/twilio/\xc3\xa9t\xc3\xa9"})
        EXPECT_EQ(route_of(bad).kind, Route::Kind::not_found) << bad;
    // a megabyte of team: refused in linear time, no recursion
    EXPECT_EQ(route_of("/webhooks/twilio/" + std::string(1 << 20, 'a')).kind, Route::Kind::not_found);
    EXPECT_TRUE(valid_team(std::string(63, 'a')));
    EXPECT_FALSE(valid_team(std::string(64, 'a')));
}

TEST(HttpGuard, DefaultPortToggles)
{
    EXPECT_EQ(toggle_default_port("https://h.example/a/b?x=1"), "https://h.example:443/a/b?x=1");
    EXPECT_EQ(toggle_default_port("https://h.example:443/a"), "https://h.example/a");
    EXPECT_EQ(toggle_default_port("http://h:80"), "http://h");
    EXPECT_EQ(toggle_default_port("http://h"), "http://h:80");
    EXPECT_EQ(toggle_default_port("http://h:8080/a"), "http://h:8080/a");
    EXPECT_EQ(toggle_default_port("ftp://h/a"), "ftp://h/a");
    const std::string huge = "https://h/" + std::string(1 << 20, '/');
    EXPECT_EQ(toggle_default_port(huge).size(), huge.size() + 4);
}

TEST(HttpGuard, TextThatPostgresCanStore)
{
    EXPECT_TRUE(is_storable_text("plain, caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80"));
    for (const std::string &bad : {std::string("a\xff"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                                   std::string("\xf4\x90\x80\x80"), std::string("\xe2\x82"), std::string("a\0b", 3)})
        EXPECT_FALSE(is_storable_text(bad)) << bad.size();
    EXPECT_EQ(escape_unstorable(std::string("ok \xff caf\xc3\xa9 \0!", 13)), "ok \\xff caf\xc3\xa9 \\x00!");
    EXPECT_TRUE(is_storable_text(escape_unstorable("\xe2\x82 \xed\xa0\x80")));
    // a prefix never ends inside a character
    EXPECT_EQ(utf8_prefix("ab\xe2\x82\xac", 4), "ab");
    EXPECT_EQ(utf8_prefix("ab\xe2\x82\xac", 5), "ab\xe2\x82\xac");
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HttpGuard, OnlyHarmlessHeadersAreStored)
{
    for (const char *ok : {"Host", "User-Agent", "content-type", "X-SignalHouse-Delivery-Id", "X-SIGNALHOUSE-TIMESTAMP",
                           "X-Forwarded-For"})
        EXPECT_TRUE(storable_header(ok)) << ok;
    for (const char *secret :
         {"Authorization", "Cookie", "X-Api-Key", "X-Twilio-Signature", "X-SignalHouse-Signature", "X-Auth-Token",
          "Proxy-Authorization", "X-Client-Secret", "I-Twilio-Idempotency-Token", "X-Anything-Else"})
        EXPECT_FALSE(storable_header(secret)) << secret;
}

TEST(HttpGuard, RejectionsAreRateLimitedPerKey)
{
    RateLimiter limiter(3);
    auto t = RateLimiter::Clock::now();
    // a burst of 2, then one a minute
    EXPECT_EQ(limiter.take("a", 2, 1, t), RateLimiter::Verdict::allowed);
    EXPECT_EQ(limiter.take("a", 2, 1, t), RateLimiter::Verdict::allowed);
    EXPECT_EQ(limiter.take("a", 2, 1, t), RateLimiter::Verdict::limited_first);
    EXPECT_EQ(limiter.take("a", 2, 1, t), RateLimiter::Verdict::limited);
    EXPECT_EQ(limiter.take("b", 2, 1, t), RateLimiter::Verdict::allowed);  // another sender is not affected
    t += std::chrono::seconds(61);
    EXPECT_EQ(limiter.take("a", 2, 1, t), RateLimiter::Verdict::allowed);
    EXPECT_EQ(limiter.take("a", 2, 1, t), RateLimiter::Verdict::limited_first);
    // the table of keys is bounded: full buckets are forgotten to make room, else a new key gets nothing
    EXPECT_EQ(limiter.take("c", 2, 1, t), RateLimiter::Verdict::allowed);
    EXPECT_EQ(limiter.take("d", 2, 1, t), RateLimiter::Verdict::allowed);  // b had refilled: forgotten
    EXPECT_EQ(limiter.take("e", 2, 1, t), RateLimiter::Verdict::limited);
    // a burst of 0 stores no rejection at all
    RateLimiter none;
    EXPECT_NE(none.take("a", 0, 60, t), RateLimiter::Verdict::allowed);
}

// A signed SignalHouse timestamp: llabs(now - ms) overflowed for one near LLONG_MIN.
TEST(HttpGuard, SignedTimestampsAreComparedWithinBounds)
{
    const long long now = 1767225600000;  // 2026-01-01
    const long long window = 5 * 60 * 1000;
    EXPECT_TRUE(timestamp_fresh(std::to_string(now), now, window));
    EXPECT_TRUE(timestamp_fresh(std::to_string(now - window), now, window));
    EXPECT_TRUE(timestamp_fresh(std::to_string(now + window), now, window));
    EXPECT_FALSE(timestamp_fresh(std::to_string(now - window - 1), now, window));
    EXPECT_FALSE(timestamp_fresh(std::to_string(now + window + 1), now, window));
    for (const char *hostile :
         {"-9223372036854775808", "9223372036854775807", "99999999999999999999999", "-1", "+1767225600000",
          " 1767225600000", "1767225600000 ", "1767225600000.5", "0x1", "", "1767225600000\n"})
        EXPECT_FALSE(timestamp_fresh(hostile, now, window)) << hostile;
    EXPECT_FALSE(timestamp_fresh("0", now, window));
    EXPECT_TRUE(timestamp_fresh("0", 0, window));
}

// The team list is asked from the database outside its lock: a slow refresh holds only the
// webhook that runs it; the others answer from the list they have.
TEST(HttpGuard, TeamListRefreshesWithoutHoldingOthers)
{
    using namespace std::chrono_literals;
    TeamList teams(0ms, 0ms, 200ms);  // every call finds the list old: refreshes all the time
    std::atomic<int> loads{0};
    EXPECT_TRUE(teams.known("a", [&] {
        ++loads;
        return std::vector<std::string>{"a", "b"};
    }));
    EXPECT_FALSE(teams.known("z", [&] {
        ++loads;
        return std::vector<std::string>{"a", "b"};
    }));
    EXPECT_EQ(loads.load(), 2);

    // a refresh that takes its time
    std::mutex gate;
    std::unique_lock<std::mutex> closed(gate);
    std::atomic<bool> slow_started{false};
    std::thread refresher([&] {
        EXPECT_TRUE(teams.known("c", [&] {
            slow_started = true;
            std::lock_guard<std::mutex> wait(gate);
            return std::vector<std::string>{"a", "b", "c"};
        }));
    });
    while (!slow_started) std::this_thread::sleep_for(1ms);
    const auto t0 = std::chrono::steady_clock::now();
    std::atomic<int> during{0};
    // a known team goes on at once, without a second load
    EXPECT_TRUE(teams.known("a", [&] {
        ++during;
        return std::vector<std::string>{};
    }));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
    // a miss waits briefly for the load under way, then answers from the list it has
    EXPECT_FALSE(teams.known("c", [&] {
        ++during;
        return std::vector<std::string>{};
    }));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1000ms);
    EXPECT_EQ(during.load(), 0);
    closed.unlock();
    refresher.join();
    EXPECT_TRUE(teams.known("c", [] { return std::vector<std::string>{"a", "b", "c"}; }));

    // a failed load leaves the list and the next caller loads
    EXPECT_THROW(teams.known("a", []() -> std::vector<std::string> { throw std::runtime_error("database gone"); }),
                 std::runtime_error);
    EXPECT_TRUE(teams.known("b", [] { return std::vector<std::string>{"b"}; }));

    // one load at a time, however many ask
    std::atomic<int> inside{0}, most{0};
    std::vector<std::thread> many;
    for (int i = 0; i < 8; ++i)
        many.emplace_back([&] {
            for (int k = 0; k < 20; ++k)
                teams.known(k % 2 ? "b" : "nope", [&] {
                    const int n = ++inside;
                    int m = most.load();
                    while (n > m && !most.compare_exchange_weak(m, n)) {}
                    std::this_thread::sleep_for(1ms);
                    --inside;
                    return std::vector<std::string>{"b"};
                });
        });
    for (auto &t : many) t.join();
    EXPECT_EQ(most.load(), 1);
}

// A token pasted into the wrong setting must not reach the log through the error that refuses it.
TEST(RunConfig, ErrorsNameTheSettingNeverTheValue)
{
    const std::string secret = "tok-SECRET-123";
    for (const char *key : {"OUTREACH_BATCH", "OUTREACH_LOG_LEVEL", "OUTREACH_HTTP_LISTEN", "OUTREACH_TWILIO_BASE_URL",
                            "OUTREACH_POLL_MS", "OUTREACH_TWILIO_ACCOUNT_SID", "OUTREACH_WEBHOOK_MAX_BODY_BYTES",
                            "OUTREACH_HTTP_REQUEST_DEADLINE_MS", "OUTREACH_SPOOL_DIR"}) {
        auto c = load_config("", [&](const char *k) -> const char * {
            if (std::string(k) == key) return secret.c_str();
            return std::string(k) == "OUTREACH_TWILIO_AUTH_TOKEN" ? "t" : nullptr;
        });
        ASSERT_FALSE(c.ok()) << key;
        EXPECT_NE(c.error().message.find(key), std::string::npos) << c.error().message;
        EXPECT_EQ(c.error().message.find(secret), std::string::npos) << c.error().message;
    }
    // the HTTP limits load, with their defaults
    auto d = load_config("", [](const char *) -> const char * { return nullptr; });
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d.value().webhook_max_body, 64u * 1024);
    EXPECT_EQ(d.value().http_max_connections_per_ip, 64);
}

// The spool directory: configured (absolute), systemd's state directory, or /var/lib/outreachd.
TEST(RunConfig, SpoolDirectory)
{
    const auto with = [](std::map<std::string, const char *> env) {
        return load_config("", [env](const char *k) -> const char * {
            const auto it = env.find(k);
            return it == env.end() ? nullptr : it->second;
        });
    };
    auto d = with({});
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d.value().spool_dir, "/var/lib/outreachd/spool");
    EXPECT_TRUE(d.value().spool_dir_default);
    auto sd = with({{"STATE_DIRECTORY", "/var/lib/od:/var/lib/other"}});
    ASSERT_TRUE(sd.ok());
    EXPECT_EQ(sd.value().spool_dir, "/var/lib/od/spool");
    auto set = with({{"OUTREACH_SPOOL_DIR", "/srv/spool"}, {"STATE_DIRECTORY", "/var/lib/od"}});
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(set.value().spool_dir, "/srv/spool");
    EXPECT_FALSE(set.value().spool_dir_default);
    EXPECT_FALSE(with({{"OUTREACH_SPOOL_DIR", "spool"}}).ok());
}
