// bench_inbound_load: an open-loop load of signed SignalHouse inbound webhooks (MESSAGE_RECEIVED)
// against outreachd, for bench/inbound. Request i is due at start + i / rate whatever happened to
// the ones before it, so a slow answer delays the requests behind it and that delay is counted
// (latency from when a request was due, not from when a free connection sent it: no coordinated
// omission). outreachd answers an inbound text only after outreach.receive_webhook_message has
// committed, so the answer's latency is the time to a stored, classified, prioritized inbox item.
//
// Usage: bench_inbound_load --url URL --secret S --rate R --seconds T --connections C
//                           --bodies FILE --phones FILE [--prefix ID]
//   FILE of bodies: the replies' texts, one per line (\n inside a text written as a backslash-n);
//   FILE of phones: the senders, one E.164 number per line. Message ids are PREFIX-<i>.
// Prints one JSON object: sent, statuses, achieved rate, and latency percentiles (ms) from due time
// and from send time.
#include "webhooks.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Slot {
    CURL *easy = nullptr;
    curl_slist *headers = nullptr;
    std::string body;
    Clock::time_point due, sent;
    bool busy = false;
};

std::vector<std::string> read_lines(const std::string &path)
{
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        std::string text;
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == 'n') {
                text += '\n';
                ++i;
            } else {
                text += line[i];
            }
        }
        if (!text.empty()) out.push_back(text);
    }
    return out;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size())))];
}

std::size_t discard(char *, std::size_t size, std::size_t n, void *) { return size * n; }

}  // namespace

int main(int argc, char **argv)
{
    std::map<std::string, std::string> arg = {{"--rate", "1000"}, {"--seconds", "60"}, {"--connections", "64"},
                                              {"--prefix", "bench"}};
    for (int i = 1; i + 1 < argc; i += 2) arg[argv[i]] = argv[i + 1];
    for (const char *need : {"--url", "--secret", "--bodies", "--phones"})
        if (!arg.count(need)) {
            std::fprintf(stderr, "usage: bench_inbound_load --url URL --secret S --bodies FILE --phones FILE "
                                 "[--rate R] [--seconds T] [--connections C] [--prefix ID]\n");
            return 2;
        }
    const double rate = std::stod(arg["--rate"]);
    const long total = std::lround(rate * std::stod(arg["--seconds"]));
    const int connections = std::stoi(arg["--connections"]);
    const std::vector<std::string> bodies = read_lines(arg["--bodies"]), phones = read_lines(arg["--phones"]);
    if (bodies.empty() || phones.empty()) {
        std::fprintf(stderr, "bench_inbound_load: no bodies or no phones\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(connections));
    std::vector<Slot> slots(static_cast<std::size_t>(connections));
    for (auto &s : slots) s.easy = curl_easy_init();

    std::vector<double> from_due, from_sent;
    from_due.reserve(static_cast<std::size_t>(total));
    from_sent.reserve(static_cast<std::size_t>(total));
    std::map<long, long> statuses;
    long next = 0, done = 0;
    const auto start = Clock::now();
    const auto period = std::chrono::duration<double>(1.0 / rate);
    auto due_of = [&](long i) { return start + std::chrono::duration_cast<Clock::duration>(period * i); };

    auto launch = [&](Slot &s, long i) {
        const std::string id = arg["--prefix"] + "-" + std::to_string(i);
        const std::string &from = phones[static_cast<std::size_t>(i) % phones.size()];
        const long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
        // SignalHouse MESSAGE_RECEIVED, as the provider sends it (numbers without the +)
        const json event = {{"event", "MESSAGE_RECEIVED"},
                            {"identifier", "evt-" + id},
                            {"timestamp", now_ms},
                            {"metaData",
                             {{"Message",
                               {{"_id", id},
                                {"senderPhoneNumber", from.substr(from[0] == '+' ? 1 : 0)},
                                {"recipientPhoneNumber", json::array({"12125550100"})},
                                {"messageBody", bodies[static_cast<std::size_t>(i) % bodies.size()]}}}}}};
        s.body = event.dump(-1, ' ', false, json::error_handler_t::replace);
        const std::string ts = std::to_string(now_ms);
        if (s.headers) curl_slist_free_all(s.headers);
        s.headers = nullptr;
        for (const std::string &h :
             {std::string("Content-Type: application/json"), "X-SignalHouse-Timestamp: " + ts,
              "X-SignalHouse-Delivery-Id: dlv-" + id,
              "X-SignalHouse-Signature: " + outreach::worker::signalhouse_signature(arg["--secret"], ts, s.body),
              std::string("Expect:")})
            s.headers = curl_slist_append(s.headers, h.c_str());
        curl_easy_setopt(s.easy, CURLOPT_URL, arg["--url"].c_str());
        curl_easy_setopt(s.easy, CURLOPT_HTTPHEADER, s.headers);
        curl_easy_setopt(s.easy, CURLOPT_POSTFIELDS, s.body.c_str());
        curl_easy_setopt(s.easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(s.body.size()));
        curl_easy_setopt(s.easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(s.easy, CURLOPT_TIMEOUT_MS, 30000L);
        curl_easy_setopt(s.easy, CURLOPT_PRIVATE, &s);
        s.due = due_of(i);
        s.sent = Clock::now();
        s.busy = true;
        curl_multi_add_handle(multi, s.easy);
    };

    while (done < total) {
        // start every request that is due, while a connection is free
        for (auto &s : slots) {
            if (next >= total || Clock::now() < due_of(next)) break;
            if (!s.busy) launch(s, next++);
        }
        int running = 0;
        curl_multi_perform(multi, &running);
        int left = 0;
        while (CURLMsg *m = curl_multi_info_read(multi, &left)) {
            if (m->msg != CURLMSG_DONE) continue;
            Slot *s = nullptr;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char **>(&s));
            long code = 0;
            if (m->data.result == CURLE_OK) curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            const auto now = Clock::now();
            from_due.push_back(std::chrono::duration<double, std::milli>(now - s->due).count());
            from_sent.push_back(std::chrono::duration<double, std::milli>(now - s->sent).count());
            ++statuses[code];
            ++done;
            curl_multi_remove_handle(multi, m->easy_handle);
            s->busy = false;
        }
        // wait for an answer or the next due time, whichever is first
        int wait_ms = 5;
        if (next < total) {
            const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(due_of(next) - Clock::now()).count();
            wait_ms = static_cast<int>(std::clamp<long long>(until, 0, 5));
        }
        curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    json st = json::object();
    for (const auto &[code, n] : statuses) st[std::to_string(code)] = n;
    const json out = {{"sent", total},
                      {"statuses", st},
                      {"seconds", seconds},
                      {"achieved_per_second", static_cast<double>(total) / seconds},
                      {"latency_ms_from_due",
                       {{"p50", percentile(from_due, 50)},
                        {"p90", percentile(from_due, 90)},
                        {"p99", percentile(from_due, 99)},
                        {"max", percentile(from_due, 100)}}},
                      {"latency_ms_from_sent",
                       {{"p50", percentile(from_sent, 50)},
                        {"p99", percentile(from_sent, 99)},
                        {"max", percentile(from_sent, 100)}}}};
    std::cout << out.dump() << "\n";
    for (auto &s : slots) {
        curl_easy_cleanup(s.easy);
        if (s.headers) curl_slist_free_all(s.headers);
    }
    curl_multi_cleanup(multi);
    return 0;
}
