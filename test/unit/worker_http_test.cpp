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
#include <string>
#include <sys/socket.h>
#include <netinet/in.h>
#include <thread>
#include <unistd.h>

using namespace outreach::worker;

namespace {

std::atomic<int> g_requests{0};
std::atomic<int> g_connections{0};
std::atomic<int> g_dropped{0};

// Answers GET/POST /echo/<x> with "<x>:<body>", and /slow after two seconds; /drop closes the
// connection without an answer.
MHD_Result answer(void *, MHD_Connection *c, const char *url, const char *, const char *, const char *data, size_t *size, void **state)
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
    MHD_Response *r = MHD_create_response_from_buffer(text.size(), const_cast<char *>(text.data()), MHD_RESPMEM_MUST_COPY);
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
        d_ = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, nullptr, nullptr, &answer, nullptr,
                              MHD_OPTION_NOTIFY_COMPLETED, &done, nullptr, MHD_OPTION_NOTIFY_CONNECTION, &connected, nullptr,
                              MHD_OPTION_END);
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
    for (int i = 0; i < 20; ++i) window.push_back(post(server.url("/echo/" + std::to_string(i)), "body" + std::to_string(i)));
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
    EXPECT_FALSE(answers[0].request_may_have_left);   // never connected: safe to give to the backup
    EXPECT_TRUE(answers[1].transport_error);
    EXPECT_TRUE(answers[1].request_may_have_left);    // sent, then no answer in time: unknown
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
