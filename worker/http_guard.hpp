// What outreachd's HTTP side does with request data before it trusts any of it: routing by plain
// parsing (no regular expression ever runs on request data: std::regex recurses per character and
// a long path overflowed the stack), text checks before PostgreSQL sees a byte, which headers may
// be stored, and the token buckets that bound how many rejected webhooks are stored.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace outreach::worker {

// Where a request goes, from its path alone.
struct Route {
    enum class Kind { not_found, healthz, metrics, webhook };
    Kind kind = Kind::not_found;
    std::string provider;  // twilio | signalhouse (webhook)
    std::string team;      // a syntactically valid team id (webhook)
};
Route route_of(std::string_view path);

// A team id as outreach.teams allows it: 1-63 of [A-Za-z0-9_.:-], the first a letter or digit.
bool valid_team(std::string_view team);

// The URL with its default port added (if absent) or removed (if present); unchanged when it is
// not an http(s) URL. Twilio signs either form.
std::string toggle_default_port(const std::string &url);

// Whether PostgreSQL can store s as text: well-formed UTF-8 (no overlong forms, surrogates or
// code points past U+10FFFF) without NUL.
bool is_storable_text(std::string_view s);
// s with every byte that is not part of well-formed UTF-8, and NUL, written as \xNN: nothing is
// lost (the bytes are readable) and the result is storable text.
std::string escape_unstorable(std::string_view s);
// The longest prefix of s of at most max bytes that ends on a character boundary (s is UTF-8).
std::string_view utf8_prefix(std::string_view s, std::size_t max);

// Whether a request header may be stored with a webhook: an allowlist of names that carry no
// credentials (compared case-insensitively).
bool storable_header(std::string_view name);

// Bytes as lower-case hex.
std::string hex_lower(std::string_view raw);
// Lower-case hex of SHA-256.
std::string sha256_hex(std::string_view data);

// Whether a signed timestamp (Unix milliseconds as decimal digits, nothing else) lies within
// window_ms of now_ms. Anything else (a sign, spaces, more digits than a date needs) is not fresh;
// no arithmetic can overflow, whatever the sender wrote.
bool timestamp_fresh(std::string_view ms, long long now_ms, long long window_ms);

// The ids of the teams that exist, asked from the database (load) when old, and on a miss at most
// every miss_reload. One caller loads at a time, without the lock: the others answer from the list
// they have, except a miss, which waits up to miss_wait for the load under way (it may bring a new
// team). A load that throws leaves the list as it was and the error to its caller.
class TeamList {
public:
    using Clock = std::chrono::steady_clock;
    using Load = std::function<std::vector<std::string>()>;
    TeamList(Clock::duration ttl, Clock::duration miss_reload, Clock::duration miss_wait)
        : ttl_(ttl), miss_reload_(miss_reload), miss_wait_(miss_wait)
    {}
    bool known(const std::string &team, const Load &load);
    // Without asking the database (it cannot be reached): whether the team was in the last list,
    // or true when there never was one.
    bool maybe_known(const std::string &team);

private:
    const Clock::duration ttl_, miss_reload_, miss_wait_;
    std::mutex mutex_;
    std::condition_variable loaded_;
    std::unordered_set<std::string> teams_;
    bool have_ = false, loading_ = false;
    Clock::time_point at_{}, tried_{};
};

// Token buckets by key (sender address and team): a burst, then a steady rate. Keys are bounded:
// when the table is full, buckets that have refilled are forgotten, and a new key finds no token
// if that is not enough (storing nothing is the safe side).
class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;
    enum class Verdict { allowed, limited_first, limited };  // limited_first: the first refusal since the last token

    explicit RateLimiter(std::size_t max_keys = 10000) : max_keys_(max_keys) {}
    Verdict take(const std::string &key, int burst, int per_minute, Clock::time_point now);

private:
    struct Bucket {
        double tokens;
        Clock::time_point at;
        bool limited = false;
    };
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
    std::size_t max_keys_;
};

}  // namespace outreach::worker
