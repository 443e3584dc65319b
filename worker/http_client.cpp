#include "http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <cctype>
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
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
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

HttpResponse http_perform(const HttpRequest &request)
{
    HttpResponse response;
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) {
        response.transport_error = true;
        response.error = "libcurl could not start a request";
        return response;
    }
    std::unique_ptr<curl_slist, ListDeleter> headers;
    for (const std::string &h : request.headers) headers.reset(curl_slist_append(headers.release(), h.c_str()));
    // no "Expect: 100-continue" round trip
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    CURL *c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "POST") {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
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
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
    const CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &response.seconds);
    if (rc != CURLE_OK) {
        response.transport_error = true;
        response.error = curl_easy_strerror(rc);
        // the request could only have left once the connection was up and the transfer began
        curl_off_t pretransfer = 0;
        curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
        response.request_may_have_left = pretransfer > 0 && rc != CURLE_COULDNT_CONNECT && rc != CURLE_COULDNT_RESOLVE_HOST &&
                                         rc != CURLE_COULDNT_RESOLVE_PROXY && rc != CURLE_SSL_CONNECT_ERROR;
    }
    return response;
}

}  // namespace outreach::worker
