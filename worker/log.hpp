// Structured logs of outreachd: one event per line on stderr, `time level event key=value ...`.
// Values are quoted when they contain spaces or quotes. Secrets never reach a log: callers pass
// only what may be read by anyone who reads the logs (phone numbers are shown masked).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace outreach::worker {

enum class Level { Debug, Info, Warn, Error };

// Sets the lowest level that is written (from OUTREACH_LOG_LEVEL: debug, info, warn, error).
void set_log_level(Level level);
Level parse_log_level(std::string_view name, Level fallback);

// Writes one event line, thread-safe.
void log_event(Level level, std::string_view event,
               std::initializer_list<std::pair<std::string_view, std::string>> fields = {});

// A phone number as logs show it: the last four digits only (+1******0199).
std::string mask_phone(std::string_view e164);

}  // namespace outreach::worker
