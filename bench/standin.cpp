// bench_standin: a loopback SignalHouse stand-in that answers at once, for bench/send.
//
// The test stand-in (test/integration/provider_standin.py) checks every request in detail and can
// be told to fail; it answers about a thousand requests a second, which would measure Python, not
// outreachd. This one speaks the same documented wire format (SignalHouse: POST /message/sms,
// Bearer key, JSON body with senderPhoneNumber, recipientPhoneNumber[] and messageBody; a 201 with
// insertedMessages[], enqueuedCount, failedCount), checks the parts a sender could get wrong, and
// counts what it received so the benchmark can show that no text reached it twice:
//   GET /_stats -> {"requests": N, "recipients": N, "duplicates": N, "rejected": N, "connections": N}
// Usage: bench_standin --port P (0 = any) --api-key KEY; prints "LISTENING <port>" when ready.
#include <microhttpd.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unistd.h>
#include <unordered_set>

namespace {

using json = nlohmann::json;

std::string g_key;
std::atomic<long> g_requests{0}, g_rejected{0}, g_duplicates{0}, g_next_id{1}, g_connections{0};
std::mutex g_seen_mutex;
std::unordered_set<std::string> g_seen;  // recipient + body: a text that arrives twice is a duplicate
volatile std::sig_atomic_t g_stop = 0;

struct Upload {
    std::string body;
};

MHD_Result reply(MHD_Connection *c, unsigned status, const std::string &body)
{
    MHD_Response *r =
        MHD_create_response_from_buffer(body.size(), const_cast<char *>(body.data()), MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    const MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

MHD_Result refuse(MHD_Connection *c, unsigned status, const std::string &message)
{
    g_rejected++;
    return reply(c, status, json{{"status", status}, {"message", message}}.dump());
}

bool digits_only(const std::string &s, std::size_t min_len)
{
    if (s.size() < min_len) return false;
    for (char ch : s)
        if (ch < '0' || ch > '9') return false;
    return true;
}

MHD_Result send_sms(MHD_Connection *c, const std::string &raw)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!auth || std::string(auth) != "Bearer " + g_key) return refuse(c, 401, "invalid API key");
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!type || std::strncmp(type, "application/json", 16) != 0)
        return refuse(c, 400, "Content-Type must be application/json");
    const json body = json::parse(raw, nullptr, false);
    if (!body.is_object() || !body.contains("senderPhoneNumber") || !body["senderPhoneNumber"].is_string() ||
        !digits_only(body["senderPhoneNumber"].get<std::string>(), 5) || !body.contains("recipientPhoneNumber") ||
        !body["recipientPhoneNumber"].is_array() || body["recipientPhoneNumber"].empty() ||
        !body.contains("messageBody") || !body["messageBody"].is_string() ||
        body["messageBody"].get<std::string>().empty())
        return refuse(
            c, 400, "senderPhoneNumber (digits), recipientPhoneNumber (array of digits) and messageBody are required");
    json inserted = json::array();
    for (const json &r : body["recipientPhoneNumber"]) {
        if (!r.is_string() || !digits_only(r.get<std::string>(), 10))
            return refuse(c, 400, "recipientPhoneNumber must hold digits");
        {
            std::lock_guard<std::mutex> lock(g_seen_mutex);
            if (!g_seen.insert(r.get<std::string>() + "\n" + body["messageBody"].get<std::string>()).second)
                g_duplicates++;
        }
        char id[32];
        std::snprintf(id, sizeof id, "%024lx", g_next_id++);
        inserted.push_back({{"_id", id}, {"status", "ENQUEUED"}, {"errorCode", nullptr}, {"recipientPhoneNumber", r}});
    }
    const std::size_t n = inserted.size();
    return reply(c, 201,
                 json{{"insertedMessages", inserted},
                      {"requestedRecipientCount", n},
                      {"enqueuedCount", n},
                      {"failedCount", 0},
                      {"dncBlockedNumbers", json::array()}}
                     .dump());
}

MHD_Result on_request(void *, MHD_Connection *c, const char *url, const char *method, const char *, const char *data,
                      size_t *size, void **state)
{
    if (*state == nullptr) {
        *state = new Upload;
        return MHD_YES;
    }
    auto *up = static_cast<Upload *>(*state);
    if (*size > 0) {
        up->body.append(data, *size);
        *size = 0;
        return MHD_YES;
    }
    const std::string path = url, verb = method;
    if (verb == "GET" && path == "/_stats") {
        std::size_t recipients = 0;
        {
            std::lock_guard<std::mutex> lock(g_seen_mutex);
            recipients = g_seen.size();
        }
        return reply(c, 200,
                     json{{"requests", g_requests.load()},
                          {"recipients", recipients},
                          {"duplicates", g_duplicates.load()},
                          {"rejected", g_rejected.load()},
                          {"connections", g_connections.load()}}
                         .dump());
    }
    g_requests++;
    if (verb == "POST" && path == "/message/sms") return send_sms(c, up->body);
    return refuse(c, 404, "no such endpoint");
}

void on_done(void *, MHD_Connection *, void **state, MHD_RequestTerminationCode)
{
    delete static_cast<Upload *>(*state);
    *state = nullptr;
}

void on_connection(void *, MHD_Connection *, void **, MHD_ConnectionNotificationCode code)
{
    if (code == MHD_CONNECTION_NOTIFY_STARTED) g_connections++;
}

void on_signal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char **argv)
{
    unsigned port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--port")
            port = static_cast<unsigned>(std::stoul(argv[i + 1]));
        else if (a == "--api-key")
            g_key = argv[i + 1];
    }
    if (g_key.empty()) {
        std::fprintf(stderr, "usage: bench_standin --port P --api-key KEY\n");
        return 2;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    // Two epoll threads: cheaper per request than a thread per connection. (A single epoll thread
    // left a few of 128 simultaneous keep-alive requests unanswered in libmicrohttpd 0.9.75.)
    MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, static_cast<uint16_t>(port), nullptr, nullptr,
                         &on_request, nullptr, MHD_OPTION_NOTIFY_COMPLETED, &on_done, nullptr,
                         MHD_OPTION_NOTIFY_CONNECTION, &on_connection, nullptr, MHD_OPTION_CONNECTION_LIMIT, 1000u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_END);
    if (!d) {
        std::fprintf(stderr, "bench_standin: cannot listen on port %u\n", port);
        return 1;
    }
    const MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    std::printf("LISTENING %u\n", info ? info->port : port);
    std::fflush(stdout);
    while (!g_stop) pause();
    MHD_stop_daemon(d);
    return 0;
}
