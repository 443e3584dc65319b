// Time zones from the shipped reference data (see extension/data/README.md for sources and
// licences). The CSV files are embedded byte for byte by extension/data/embed.sh and parsed once
// per process on first use into compact lookup tables.
#include "geo.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <unordered_map>

#include "address.hpp"
#include "phone.hpp"

namespace outreach::embedded {
extern const char us_zip_csv[];
extern const std::size_t us_zip_csv_len;
extern const char us_zip_tz_alternates_csv[];
extern const std::size_t us_zip_tz_alternates_csv_len;
extern const char nanp_area_codes_csv[];
extern const std::size_t nanp_area_codes_csv_len;
extern const char nanp_area_code_tz_alternates_csv[];
extern const std::size_t nanp_area_code_tz_alternates_csv_len;
}  // namespace outreach::embedded

namespace outreach {
namespace {

using ZoneId = std::uint16_t;

// Zones of one piece of evidence: the primary first, then alternates, no duplicates.
using ZoneList = std::vector<ZoneId>;

void add_zone(ZoneList &list, ZoneId z)
{
    if (std::find(list.begin(), list.end(), z) == list.end()) list.push_back(z);
}

// Splits CSV text (no quoting, as the shipped files are) into rows of fields, skipping the header.
template <typename F>
void for_each_row(std::string_view csv, F &&f)
{
    bool header = true;
    while (!csv.empty()) {
        std::size_t nl = csv.find('\n');
        std::string_view line = csv.substr(0, nl);
        csv = nl == std::string_view::npos ? std::string_view() : csv.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (header) {
            header = false;
            continue;
        }
        if (line.empty()) continue;
        std::array<std::string_view, 6> fields{};
        std::size_t count = 0;
        while (count < fields.size()) {
            std::size_t comma = line.find(',');
            fields[count++] = line.substr(0, comma);
            if (comma == std::string_view::npos) break;
            line.remove_prefix(comma + 1);
        }
        f(fields, count);
    }
}

int parse_int(std::string_view s)
{
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return s.empty() ? -1 : v;
}

class GeoData {
public:
    GeoData()
    {
        zip_zones_.resize(100000);
        for_each_row(std::string_view(embedded::us_zip_csv, embedded::us_zip_csv_len),
                     [&](const auto &f, std::size_t n) {
                         int zip = n >= 5 ? parse_int(f[0]) : -1;
                         if (zip < 0 || zip >= 100000) return;
                         ZoneId z = intern(f[4]);
                         add_zone(zip_zones_[zip], z);
                         zip_state_[zip] = std::string(f[1]);
                         state_counts_[std::string(f[1])][z]++;
                         prefix_counts_[zip / 100][z]++;
                     });
        for_each_row(std::string_view(embedded::us_zip_tz_alternates_csv, embedded::us_zip_tz_alternates_csv_len),
                     [&](const auto &f, std::size_t n) {
                         int zip = n >= 2 ? parse_int(f[0]) : -1;
                         if (zip < 0 || zip >= 100000 || zip_zones_[zip].empty()) return;
                         ZoneId z = intern(f[1]);
                         add_zone(zip_zones_[zip], z);
                         prefix_alternates_[zip / 100].push_back(z);
                         state_alternates_[zip_state_[zip]].push_back(z);
                     });
        for_each_row(std::string_view(embedded::nanp_area_codes_csv, embedded::nanp_area_codes_csv_len),
                     [&](const auto &f, std::size_t n) {
                         int npa = n >= 3 ? parse_int(f[0]) : -1;
                         if (npa < 200 || npa > 999) return;
                         add_zone(npa_zones_[npa], intern(f[2]));
                     });
        for_each_row(std::string_view(embedded::nanp_area_code_tz_alternates_csv,
                                      embedded::nanp_area_code_tz_alternates_csv_len),
                     [&](const auto &f, std::size_t n) {
                         int npa = n >= 2 ? parse_int(f[0]) : -1;
                         if (npa < 200 || npa > 999 || npa_zones_[npa].empty()) return;
                         add_zone(npa_zones_[npa], intern(f[1]));
                     });
        // A state's (or ZIP prefix's) zones: the zone of most of its ZIPs first, then every other
        // zone seen in it, primary or alternate.
        for (auto &[state, counts] : state_counts_) state_zones_[state] = by_count(counts, state_alternates_[state]);
        for (auto &[prefix, counts] : prefix_counts_)
            prefix_zones_[prefix] = by_count(counts, prefix_alternates_[prefix]);
        for (ZoneList &zones : zip_zones_) sort_alternates(zones);
        for (ZoneList &zones : npa_zones_) sort_alternates(zones);
        for (auto &[state, zones] : state_zones_) sort_alternates(zones);
        for (auto &[prefix, zones] : prefix_zones_) sort_alternates(zones);
        zip_state_.clear();
        state_counts_.clear();
        prefix_counts_.clear();
        state_alternates_.clear();
        prefix_alternates_.clear();
    }

    // Zones of the best evidence: ZIP; an unknown ZIP's three-digit prefix (PO-box and
    // single-firm ZIPs have no ZCTA but share their sectional center's area); state; area code.
    const ZoneList *lookup(std::string_view state, std::string_view zip, std::string_view phone) const
    {
        if (!zip.empty()) {
            if (std::optional<std::string> z = normalize_zip(zip)) {
                int code = parse_int(*z);
                if (code >= 0 && !zip_zones_[code].empty()) return &zip_zones_[code];
                auto it = prefix_zones_.find(code / 100);
                if (it != prefix_zones_.end()) return &it->second;
            }
        }
        if (!state.empty()) {
            if (std::optional<std::string> s = normalize_state(state)) {
                auto it = state_zones_.find(*s);
                if (it != state_zones_.end()) return &it->second;
            }
        }
        if (!phone.empty()) {
            Result<std::optional<std::string>> e164 = normalize_phone(phone, "US");
            if (e164.ok() && e164.value() && e164.value()->size() == 12 && e164.value()->compare(0, 2, "+1") == 0) {
                int npa = parse_int(std::string_view(*e164.value()).substr(2, 3));
                if (npa >= 200 && npa <= 999 && !npa_zones_[npa].empty()) return &npa_zones_[npa];
            }
        }
        return nullptr;
    }

    const std::string &name(ZoneId z) const { return names_[z]; }

private:
    ZoneId intern(std::string_view name)
    {
        auto it = ids_.find(std::string(name));
        if (it != ids_.end()) return it->second;
        ZoneId id = static_cast<ZoneId>(names_.size());
        names_.emplace_back(name);
        ids_.emplace(std::string(name), id);
        return id;
    }

    // Every list reads: primary zone, then the alternates in alphabetical order.
    void sort_alternates(ZoneList &zones) const
    {
        if (zones.size() > 2)
            std::sort(zones.begin() + 1, zones.end(), [&](ZoneId a, ZoneId b) { return names_[a] < names_[b]; });
    }

    // The zone used by most ZIPs first (ties by name), then the other zones and the extras.
    ZoneList by_count(const std::map<ZoneId, int> &counts, const ZoneList &extra) const
    {
        std::vector<std::pair<int, ZoneId>> v;
        for (auto [z, c] : counts) v.emplace_back(c, z);
        std::sort(v.begin(), v.end(), [&](const auto &a, const auto &b) {
            return a.first != b.first ? a.first > b.first : names_[a.second] < names_[b.second];
        });
        ZoneList out;
        for (auto [c, z] : v) add_zone(out, z);
        for (ZoneId z : extra) add_zone(out, z);
        return out;
    }

    std::vector<std::string> names_;
    std::unordered_map<std::string, ZoneId> ids_;
    std::vector<ZoneList> zip_zones_;
    std::array<ZoneList, 1000> npa_zones_;
    std::map<std::string, std::map<ZoneId, int>> state_counts_;
    std::map<int, std::map<ZoneId, int>> prefix_counts_;
    std::map<int, ZoneList> prefix_alternates_;
    std::map<std::string, ZoneList> state_alternates_;
    std::unordered_map<int, std::string> zip_state_;
    std::unordered_map<std::string, ZoneList> state_zones_;
    std::unordered_map<int, ZoneList> prefix_zones_;
};

const GeoData &geo()
{
    static const GeoData data;
    return data;
}

}  // namespace

std::optional<std::string> timezone_for(std::string_view state, std::string_view zip, std::string_view phone)
{
    const ZoneList *zones = geo().lookup(state, zip, phone);
    if (zones == nullptr || zones->empty()) return std::nullopt;
    return geo().name(zones->front());
}

std::vector<std::string> timezones_for(std::string_view state, std::string_view zip, std::string_view phone)
{
    std::vector<std::string> out;
    if (const ZoneList *zones = geo().lookup(state, zip, phone))
        for (ZoneId z : *zones) out.push_back(geo().name(z));
    return out;
}

std::optional<std::string_view> reference_csv(std::string_view name)
{
    if (name == "us_zip") return std::string_view(embedded::us_zip_csv, embedded::us_zip_csv_len);
    if (name == "us_zip_tz_alternates")
        return std::string_view(embedded::us_zip_tz_alternates_csv, embedded::us_zip_tz_alternates_csv_len);
    if (name == "nanp_area_codes")
        return std::string_view(embedded::nanp_area_codes_csv, embedded::nanp_area_codes_csv_len);
    if (name == "nanp_area_code_tz_alternates")
        return std::string_view(embedded::nanp_area_code_tz_alternates_csv,
                                embedded::nanp_area_code_tz_alternates_csv_len);
    return std::nullopt;
}

}  // namespace outreach
