#include "http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

namespace outreach::worker {
namespace {

size_t on_body(char *data, size_t size, size_t n, void *user)
{
    static_cast<std::string *>(user)->append(data, size * n);
    return size * n;
}

size_t on_header(char *data, size_t size, size_t n, void *user)
{
    std::string line(data, size * n);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string value = line.substr(colon + 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
            value.pop_back();
        value.erase(0, value.find_first_not_of(' '));
        (*static_cast<std::map<std::string, std::string> *>(user))[name] = value;
    }
    return size * n;
}

struct CurlDeleter {
    void operator()(CURL *c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
    void operator()(curl_slist *l) const { curl_slist_free_all(l); }
};

}  // namespace

int retry_after_seconds(const HttpResponse &r, int fallback)
{
    auto it = r.headers.find("retry-after");
    if (it == r.headers.end()) return fallback;
    char *end = nullptr;
    const long n = std::strtol(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || n < 1) return fallback;
    return static_cast<int>(std::min(n, 3600L));
}

void http_global_init() { curl_global_init(CURL_GLOBAL_DEFAULT); }

namespace {

// One transfer: the easy handle with its options, headers and the response it fills.
struct Transfer {
    std::unique_ptr<CURL, CurlDeleter> curl;
    std::unique_ptr<curl_slist, ListDeleter> headers;
    HttpResponse response;
    int sends = 0;  // how many times libcurl was about to send the request
};

// Called by libcurl once a connection is ready and just before the request goes out on it. When a
// kept-alive connection turns out dead before any answer, libcurl would send the same request
// again on a new connection; but the first may have been processed (a provider that closed after
// taking it), so a text would go out twice. The second attempt is refused: the transfer fails,
// and since it was about to be sent once, it is reported as having possibly left.
int on_before_send(void *user, char *, char *, int, int)
{
    auto *t = static_cast<Transfer *>(user);
    return ++t->sends > 1 ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

// Sets up `t` for `request`. False when libcurl could not make a handle.
bool prepare(Transfer &t, const HttpRequest &request)
{
    t.curl.reset(curl_easy_init());
    if (!t.curl) {
        t.response.transport_error = true;
        t.response.error = "libcurl could not start a request";
        return false;
    }
    for (const std::string &h : request.headers) t.headers.reset(curl_slist_append(t.headers.release(), h.c_str()));
    // no "Expect: 100-continue" round trip
    t.headers.reset(curl_slist_append(t.headers.release(), "Expect:"));
    CURL *c = t.curl.get();
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "POST") {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, t.headers.get());
    if (!request.basic_user.empty()) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, request.basic_user.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, request.basic_password.c_str());
    }
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t.response.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t.response.headers);
    curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_before_send);
    curl_easy_setopt(c, CURLOPT_PREREQDATA, static_cast<void *>(&t));
    return true;
}

// Reads the status and timing of a finished transfer, and for a failed one whether the request
// may have reached the other side: exactly when libcurl got as far as sending it (a connection
// that never came up, a name that did not resolve or a TLS handshake that failed sent nothing).
void finish(Transfer &t, CURLcode rc)
{
    CURL *c = t.curl.get();
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.response.status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &t.response.seconds);
    if (rc != CURLE_OK) {
        t.response.transport_error = true;
        t.response.error = t.sends > 1 ? "the connection died before an answer; the request is not sent again"
                                       : curl_easy_strerror(rc);
        t.response.request_may_have_left = t.sends > 0;
    }
}

}  // namespace

HttpResponse http_perform(const HttpRequest &request)
{
    Transfer t;
    if (!prepare(t, request)) return t.response;
    finish(t, curl_easy_perform(t.curl.get()));
    return t.response;
}

struct HttpPool::Impl {
    CURLM *multi = nullptr;
    ~Impl()
    {
        if (multi) curl_multi_cleanup(multi);
    }
};

HttpPool::HttpPool(int max_connections) : impl_(std::make_unique<Impl>())
{
    impl_->multi = curl_multi_init();
    if (impl_->multi) {
        // the multi handle keeps finished transfers' connections open for the next window
        curl_multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(std::max(4, max_connections * 2)));
        curl_multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(std::max(1, max_connections)));
    }
}

HttpPool::~HttpPool() = default;

std::vector<HttpResponse> HttpPool::perform_all(const std::vector<HttpRequest> &requests)
{
    std::vector<Transfer> transfers(requests.size());
    std::vector<HttpResponse> out(requests.size());
    if (!impl_->multi) {
        for (std::size_t i = 0; i < requests.size(); ++i) out[i] = http_perform(requests[i]);
        return out;
    }
    CURLM *m = impl_->multi;
    int added = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        if (!prepare(transfers[i], requests[i])) continue;
        curl_easy_setopt(transfers[i].curl.get(), CURLOPT_PRIVATE, static_cast<void *>(&transfers[i]));
        if (curl_multi_add_handle(m, transfers[i].curl.get()) != CURLM_OK) {
            transfers[i].response.transport_error = true;
            transfers[i].response.error = "libcurl could not add the request";
            transfers[i].curl.reset();
            continue;
        }
        ++added;
    }
    // every transfer carries its own timeouts, so this loop ends when the slowest one does
    int running = added;
    while (running > 0) {
        if (curl_multi_perform(m, &running) != CURLM_OK) break;
        int left = 0;
        while (CURLMsg *msg = curl_multi_info_read(m, &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            void *p = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
            finish(*static_cast<Transfer *>(p), msg->data.result);
            curl_multi_remove_handle(m, msg->easy_handle);
        }
        if (running > 0) curl_multi_poll(m, nullptr, 0, 100, nullptr);
    }
    // a transfer the loop could not finish (libcurl failed) is described as such
    for (std::size_t i = 0; i < transfers.size(); ++i) {
        Transfer &t = transfers[i];
        if (t.curl && t.response.status == 0 && !t.response.transport_error) {
            curl_multi_remove_handle(m, t.curl.get());
            t.response.transport_error = true;
            t.response.request_may_have_left = true;
            t.response.error = "the transfer did not finish";
        }
        out[i] = std::move(t.response);
    }
    return out;
}

}  // namespace outreach::worker
