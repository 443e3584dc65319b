#include "log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace outreach::worker {
namespace {

std::atomic<Level> g_level{Level::Info};
std::mutex g_write;

const char *level_name(Level level)
{
    switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
    }
    return "info";
}

// Appends a value, quoted (with \" and \\ escaped, newlines as \n) when it is not a bare word.
void append_value(std::string &line, std::string_view v)
{
    bool bare = !v.empty();
    for (char c : v)
        if (c == ' ' || c == '"' || c == '\\' || c == '=' || static_cast<unsigned char>(c) < 0x20) bare = false;
    if (bare) {
        line.append(v);
        return;
    }
    line.push_back('"');
    for (char c : v) {
        if (c == '"' || c == '\\') {
            line.push_back('\\');
            line.push_back(c);
        } else if (c == '\n') {
            line.append("\\n");
        } else if (static_cast<unsigned char>(c) < 0x20) {
            line.push_back(' ');
        } else {
            line.push_back(c);
        }
    }
    line.push_back('"');
}

}  // namespace

void set_log_level(Level level) { g_level = level; }

Level parse_log_level(std::string_view name, Level fallback)
{
    if (name == "debug") return Level::Debug;
    if (name == "info") return Level::Info;
    if (name == "warn" || name == "warning") return Level::Warn;
    if (name == "error") return Level::Error;
    return fallback;
}

void log_event(Level level, std::string_view event,
               std::initializer_list<std::pair<std::string_view, std::string>> fields)
{
    if (level < g_level.load()) return;
    const auto now = std::chrono::system_clock::now();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
    std::string line = std::string(stamp) + " level=" + level_name(level) + " event=";
    append_value(line, event);
    for (const auto &[key, value] : fields) {
        line.push_back(' ');
        line.append(key);
        line.push_back('=');
        append_value(line, value);
    }
    line.push_back('\n');
    std::lock_guard<std::mutex> lock(g_write);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

std::string mask_phone(std::string_view e164)
{
    if (e164.size() <= 4) return std::string(e164.size(), '*');
    std::string out(e164);
    for (std::size_t i = (out[0] == '+' ? 2 : 0); i + 4 < out.size(); ++i) out[i] = '*';
    return out;
}

}  // namespace outreach::worker
