// Counters of outreachd, shown at /metrics in the Prometheus text format.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace outreach::worker {

class Metrics {
public:
    void add(const std::string &name, const std::map<std::string, std::string> &labels, double value = 1);
    // The text exposition; `extra` is appended (gauges read at scrape time).
    std::string render(const std::string &extra) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::map<std::string, double>> series_;  // name -> rendered labels -> value
};

Metrics &metrics();

}  // namespace outreach::worker
