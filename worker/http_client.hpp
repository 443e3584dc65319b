// One HTTP request with libcurl, and whether it can have reached the other side: the difference
// between "retry it" and "it may have been sent" is what keeps an SMS at-most-once.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace outreach::worker {

struct HttpRequest {
    std::string method = "POST";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    std::string basic_user, basic_password;  // HTTP Basic when basic_user is not empty
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds timeout{15000};
};

struct HttpResponse {
    long status = 0;  // 0 when no response arrived
    std::string body;
    std::map<std::string, std::string> headers;  // names lower-cased
    bool transport_error = false;                // no (complete) response
    bool request_may_have_left = false;          // the connection was up when it failed
    std::string error;                           // libcurl's reason, when transport_error
    double seconds = 0;
};

// Performs the request. Never throws for network problems: they are described in the response.
HttpResponse http_perform(const HttpRequest &request);

// Several requests at once over kept-alive connections (libcurl multi). One pool per thread; the
// connections it keeps open are reused by the next call.
class HttpPool {
public:
    explicit HttpPool(int max_connections);
    ~HttpPool();
    HttpPool(const HttpPool &) = delete;
    HttpPool &operator=(const HttpPool &) = delete;

    // Performs every request, concurrently; the responses in the requests' order. Never throws
    // for network problems: each response describes its own.
    std::vector<HttpResponse> perform_all(const std::vector<HttpRequest> &requests);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Seconds from a Retry-After header (the seconds form), clamped to [1, 3600]; `fallback` when
// there is none or it cannot be read.
int retry_after_seconds(const HttpResponse &response, int fallback);

// Process-wide libcurl setup; call once before any thread starts.
void http_global_init();

}  // namespace outreach::worker
