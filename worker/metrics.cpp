#include "metrics.hpp"

#include <sstream>

namespace outreach::worker {

void Metrics::add(const std::string &name, const std::map<std::string, std::string> &labels, double value)
{
    std::string rendered;
    for (const auto &[k, v] : labels) {
        rendered += rendered.empty() ? "{" : ",";
        rendered += k + "=\"";
        for (char c : v) {
            if (c == '"' || c == '\\') rendered.push_back('\\');
            rendered.push_back(c == '\n' ? ' ' : c);
        }
        rendered += "\"";
    }
    if (!rendered.empty()) rendered += "}";
    std::lock_guard<std::mutex> lock(mutex_);
    series_[name][rendered] += value;
}

std::string Metrics::render(const std::string &extra) const
{
    std::ostringstream out;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[name, values] : series_) {
        out << "# TYPE " << name
            << (name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0 ? " counter" : " untyped") << "\n";
        for (const auto &[labels, v] : values) out << name << labels << " " << v << "\n";
    }
    out << extra;
    return out.str();
}

Metrics &metrics()
{
    static Metrics m;
    return m;
}

}  // namespace outreach::worker
