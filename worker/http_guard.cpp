#include "http_guard.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace outreach::worker {

bool valid_team(std::string_view team)
{
    if (team.empty() || team.size() > 63 || !std::isalnum(static_cast<unsigned char>(team[0]))) return false;
    return std::all_of(team.begin(), team.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c < 0x80 && (std::isalnum(c) || c == '_' || c == '.' || c == ':' || c == '-');
    });
}

Route route_of(std::string_view path)
{
    Route r;
    if (path == "/healthz")
        r.kind = Route::Kind::healthz;
    else if (path == "/metrics")
        r.kind = Route::Kind::metrics;
    else {
        constexpr std::string_view prefix = "/webhooks/";
        if (path.substr(0, prefix.size()) != prefix) return r;
        const std::string_view rest = path.substr(prefix.size());
        const auto slash = rest.find('/');
        if (slash == std::string_view::npos) return r;
        const std::string_view provider = rest.substr(0, slash);
        const std::string_view team = rest.substr(slash + 1);
        if ((provider != "twilio" && provider != "signalhouse") || !valid_team(team)) return r;
        r.kind = Route::Kind::webhook;
        r.provider = provider;
        r.team = team;
    }
    return r;
}

std::string toggle_default_port(const std::string &url)
{
    std::string scheme;
    if (url.rfind("https://", 0) == 0)
        scheme = "https";
    else if (url.rfind("http://", 0) == 0)
        scheme = "http";
    else
        return url;
    const std::size_t host_start = scheme.size() + 3;
    const std::size_t host_end = std::min(url.find('/', host_start), url.size());
    const std::string_view authority(url.data() + host_start, host_end - host_start);
    const std::string def = scheme == "https" ? "443" : "80";
    const auto colon = authority.find(':');
    if (authority.empty() || colon == 0) return url;
    if (colon == std::string_view::npos) return url.substr(0, host_end) + ":" + def + url.substr(host_end);
    const std::string_view port = authority.substr(colon + 1);
    if (port != def) return url;  // another port (or none that parses): signed as it is
    return url.substr(0, host_start + colon) + url.substr(host_end);
}

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (1-4), or 0 when the byte there starts none
// (Unicode Table 3-7). NUL counts as not storable.
std::size_t utf8_sequence(std::string_view s, std::size_t i)
{
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c == 0) return 0;
    if (c < 0x80) return 1;
    const std::size_t left = s.size() - i;
    const auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
        return b(k) >= lo && b(k) <= hi;
    };
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(i + 1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3) return 0;
        const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;  // no overlong, no surrogates
        return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4) return 0;
        const unsigned char lo = c == 0xF0 ? 0x90 : 0x80,
                            hi = c == 0xF4 ? 0x8F : 0xBF;  // no overlong, nothing past U+10FFFF
        return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    }
    return 0;
}

}  // namespace

bool is_storable_text(std::string_view s)
{
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_sequence(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string escape_unstorable(std::string_view s)
{
    static const char *digits = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_sequence(s, i);
        if (n == 0) {
            const auto c = static_cast<unsigned char>(s[i]);
            out += "\\x";
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 15]);
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max)
{
    if (s.size() <= max) return s;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // back to a character's first byte
    return s.substr(0, end);
}

bool storable_header(std::string_view name)
{
    static constexpr std::array<std::string_view, 11> allowed = {"host",
                                                                 "user-agent",
                                                                 "content-type",
                                                                 "content-length",
                                                                 "accept",
                                                                 "x-forwarded-for",
                                                                 "x-forwarded-proto",
                                                                 "x-real-ip",
                                                                 "x-home-region",
                                                                 "x-signalhouse-timestamp",
                                                                 "x-signalhouse-delivery-id"};
    if (name.size() > 64) return false;
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::find(allowed.begin(), allowed.end(), lower) != allowed.end();
}

std::string hex_lower(std::string_view raw)
{
    static const char *digits = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size() * 2);
    for (unsigned char c : raw) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::string sha256_hex(std::string_view data)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char *>(data.data()), data.size(), digest);
    return hex_lower(std::string_view(reinterpret_cast<const char *>(digest), sizeof digest));
}

RateLimiter::Verdict RateLimiter::take(const std::string &key, int burst, int per_minute, Clock::time_point now)
{
    const double capacity = std::max(0, burst);
    const double per_second = std::max(0, per_minute) / 60.0;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_keys_) {
            // forget the buckets that are full again: they hold no memory of anything
            for (auto b = buckets_.begin(); b != buckets_.end();) {
                const double seconds = std::chrono::duration<double>(now - b->second.at).count();
                if (b->second.tokens + seconds * per_second >= capacity)
                    b = buckets_.erase(b);
                else
                    ++b;
            }
            if (buckets_.size() >= max_keys_) return Verdict::limited;
        }
        it = buckets_.emplace(key, Bucket{capacity, now}).first;
    }
    Bucket &b = it->second;
    const double seconds = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(capacity, b.tokens + std::max(0.0, seconds) * per_second);
    b.at = now;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        b.limited = false;
        return Verdict::allowed;
    }
    const bool first = !b.limited;
    b.limited = true;
    return first ? Verdict::limited_first : Verdict::limited;
}

}  // namespace outreach::worker

namespace outreach::worker {

bool timestamp_fresh(std::string_view ms, long long now_ms, long long window_ms)
{
    // 15 digits reach the year 33658: enough for any clock, and far from overflowing
    if (ms.empty() || ms.size() > 15 || now_ms < 0 || window_ms < 0) return false;
    long long t = 0;
    for (char ch : ms) {
        if (ch < '0' || ch > '9') return false;
        t = t * 10 + (ch - '0');
    }
    return (t > now_ms ? t - now_ms : now_ms - t) <= window_ms;
}

bool TeamList::maybe_known(const std::string &team)
{
    std::lock_guard<std::mutex> lock(mutex_);
    return !have_ || teams_.count(team) > 0;
}

bool TeamList::known(const std::string &team, const Load &load)
{
    std::unique_lock<std::mutex> lock(mutex_);
    auto now = Clock::now();
    bool hit = teams_.count(team) > 0;
    const auto due = [&] { return !have_ || now - at_ > ttl_ || (!hit && now - tried_ > miss_reload_); };
    if (!due()) return hit;
    while (loading_) {
        // someone is loading: a team in the list goes on at once; a miss waits briefly for the
        // fresh list; with no list yet, the first load decides
        if (have_ && hit) return true;
        if (have_) {
            loaded_.wait_for(lock, miss_wait_, [&] { return !loading_; });
            return teams_.count(team) > 0;
        }
        loaded_.wait(lock, [&] { return !loading_; });
        if (have_) return teams_.count(team) > 0;
        now = Clock::now();  // that load failed: this caller tries, unless another began meanwhile
    }
    loading_ = true;
    tried_ = now;
    lock.unlock();
    std::vector<std::string> fresh;
    try {
        fresh = load();
    } catch (...) {
        lock.lock();
        loading_ = false;
        loaded_.notify_all();
        throw;
    }
    lock.lock();
    teams_ = std::unordered_set<std::string>(fresh.begin(), fresh.end());
    have_ = true;
    at_ = now;
    loading_ = false;
    loaded_.notify_all();
    return teams_.count(team) > 0;
}

}  // namespace outreach::worker
