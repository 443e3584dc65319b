// bench/datagen: a deterministic generator of USDataBiz-shaped lead CSVs of any size, with the
// messiness of real purchased lists, and a truth file that says which rows are the same real
// person and the same real business. It feeds bench/import (speed) and bench/resolution_quality
// (pairwise precision/recall/F1 of person and business clusters), issue 4.
//
// Usage: bench_datagen --rows N [--seed S] --out FILE.csv [--truth FILE.csv]
//                      [--header camel|snake|title] [--bad-rows RATE] [--dup-rate RATE]
//                      [--crlf] [--data-dir DIR] [--quiet]
//
// The model: entities first, rows second. Businesses (a trade with its SIC/NAICS pair, a name, a
// real ZIP with its state, a street address, a main line in an area code of that state, size) and
// persons (Zipf-skewed given names and surnames, a personal e-mail, usually a mobile) are created
// as rows need them. A "lead" is one person at one business. Each row either introduces a new lead
// (a new owner with a new business, a new colleague at an existing business sharing its main line
// and info@ mailbox, a household member at the same home address, or a namesake elsewhere) or, with
// probability --dup-rate, repeats an earlier person with the variations real lists have
// (nicknames, typos, swapped names, other phone layouts, street abbreviations, ZIP damage, legal
// suffix changes, missing fields). Every row is rendered through a random "source style" (phone
// layout, street spelling, casing), so even first appearances vary. --bad-rows injects row-level
// defects an importer must reject (wrong column count, invalid UTF-8) and field-level defects it
// must import with a warning (unparseable revenue, invalid e-mail, invalid phone).
//
// Output: RFC 4180 CSV in UTF-8 (LF line ends, or CRLF with --crlf), header per --header, the 13
// mapped columns followed by two unmapped extras (website, yearsInBusiness). Truth file:
// row_number,person_id,business_id,is_bad_row,defect with row_number counting data rows from 1;
// defect is empty or one of column_count, utf8 (is_bad_row = 1), revenue, email, phone.
//
// Determinism: a seed gives the same bytes on any machine with the same libphonenumber metadata
// (asked which new area codes it knows). Defects draw from their own random stream, so one seed
// gives the same entities and clean rows at any --bad-rows; a shorter run is a prefix of a longer.
// Reference data: the copies of extension/data/us_zip.csv and nanp_area_codes.csv embedded in
// outreach_core, or the files in --data-dir.
//
// The logic lives in namespace outreach::datagen; `main` is left out when
// OUTREACH_DATAGEN_NO_MAIN is defined so that test/unit/datagen_test.cpp can include this file.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/geo.hpp"
#include "core/phone.hpp"

namespace outreach::datagen {

// ================================================================================================
// Randomness: xoshiro256** seeded by splitmix64. Our own, so a seed gives the same bytes with any
// standard library (std::uniform_*_distribution is implementation-defined).
// ================================================================================================
class Rng {
public:
    explicit Rng(std::uint64_t seed)
    {
        for (auto &word : s_) {
            seed += 0x9E3779B97F4A7C15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            word = z ^ (z >> 31);
        }
    }

    std::uint64_t next()
    {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, n); n > 0. Multiply-shift: the bias is far below anything we measure.
    std::uint32_t below(std::uint64_t n) { return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32); }
    // Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    bool chance(double p) { return unit() < p; }
    // Uniform in [lo, hi].
    int between(int lo, int hi) { return lo + static_cast<int>(below(static_cast<std::uint64_t>(hi - lo + 1))); }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

// Picks an index with probability proportional to its weight (cumulative table, binary search).
class Weighted {
public:
    void add(double w) { cum_.push_back((cum_.empty() ? 0.0 : cum_.back()) + w); }
    std::size_t size() const { return cum_.size(); }
    std::size_t pick(Rng &rng) const
    {
        const double x = rng.unit() * cum_.back();
        const auto it = std::upper_bound(cum_.begin(), cum_.end(), x);
        return std::min<std::size_t>(static_cast<std::size_t>(it - cum_.begin()), cum_.size() - 1);
    }

private:
    std::vector<double> cum_;
};

// Zipf-like weights over a list ordered by popularity: w(rank) = 1 / (rank + offset)^s.
Weighted zipf(std::size_t n, double offset, double s)
{
    Weighted w;
    for (std::size_t r = 0; r < n; ++r) w.add(1.0 / std::pow(static_cast<double>(r) + offset, s));
    return w;
}

// Picks from a small inline table of weights (they need not sum to 1).
template <std::size_t N>
std::size_t pick_weighted(Rng &rng, const double (&w)[N])
{
    double total = 0;
    for (double x : w) total += x;
    double x = rng.unit() * total;
    for (std::size_t i = 0; i < N; ++i) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return N - 1;
}

// ================================================================================================
// Small containers that keep a million entities cheap: an append-only string pool (no allocation
// per e-mail or name) and an open-addressing set of 64-bit keys for uniqueness checks.
// ================================================================================================
struct Str {
    std::uint64_t off = 0;
    std::uint32_t len = 0;
    bool empty() const { return len == 0; }
};

class Pool {
public:
    Str add(std::string_view s)
    {
        Str r{data_.size(), static_cast<std::uint32_t>(s.size())};
        data_.append(s);
        return r;
    }
    std::string_view get(Str s) const { return std::string_view(data_).substr(s.off, s.len); }

private:
    std::string data_;
};

class KeySet {
public:
    // Inserts `key`; false when it was already there.
    bool insert(std::uint64_t key)
    {
        if (key == 0) key = 0x9E3779B97F4A7C15ULL;  // 0 marks an empty slot
        if ((size_ + 1) * 2 > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
            if (slots_[i] == key) return false;
            if (slots_[i] == 0) {
                slots_[i] = key;
                ++size_;
                return true;
            }
        }
    }

private:
    static std::uint64_t mix(std::uint64_t x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDULL;
        x ^= x >> 33;
        return x;
    }
    void grow()
    {
        std::vector<std::uint64_t> old = std::move(slots_);
        slots_.assign(std::max<std::size_t>(1024, old.size() * 2), 0);
        size_ = 0;
        for (std::uint64_t k : old)
            if (k) insert(k);
    }
    std::vector<std::uint64_t> slots_;
    std::size_t size_ = 0;
};

// FNV-1a, salted so that different kinds of keys (e-mail, domain, name) never collide.
std::uint64_t hash_str(std::string_view s, std::uint64_t salt)
{
    std::uint64_t h = 0xCBF29CE484222325ULL ^ salt;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001B3ULL;
    }
    return h;
}

// ================================================================================================
// Text helpers. Every accented letter we emit is in Latin-1 (U+00C0..U+00FF, UTF-8 "C3 xx"), so
// case changes and accent folding need no ICU.
// ================================================================================================
// ASCII base letter of U+00C0 + i, i in [0, 64).
constexpr char kFold[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// In place: ASCII and Latin-1 letters to upper case (ß and ÿ stay).
void to_upper(std::string &s)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 'a' && c <= 'z') {
            s[i] = static_cast<char>(c - 32);
        } else if (c == 0xC3 && i + 1 < s.size()) {
            auto d = static_cast<unsigned char>(s[i + 1]);
            if (d >= 0xA0 && d <= 0xBE && d != 0xB7) s[i + 1] = static_cast<char>(d - 0x20);
            ++i;
        }
    }
}

// In place: ASCII and Latin-1 letters to lower case.
void to_lower(std::string &s)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 'A' && c <= 'Z') {
            s[i] = static_cast<char>(c + 32);
        } else if (c == 0xC3 && i + 1 < s.size()) {
            auto d = static_cast<unsigned char>(s[i + 1]);
            if (d >= 0x80 && d <= 0x9E && d != 0x97) s[i + 1] = static_cast<char>(d + 0x20);
            ++i;
        }
    }
}

// In place: Latin-1 letters lose their accents (José -> Jose), as ASCII-only systems export them.
void strip_accents(std::string &s)
{
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0xC3 && i + 1 < s.size()) {
            s[w++] = kFold[static_cast<unsigned char>(s[i + 1]) - 0x80];
            ++i;
        } else {
            s[w++] = s[i];
        }
    }
    s.resize(w);
}

bool has_non_ascii(std::string_view s)
{
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    return false;
}

// Appends `s` folded to [a-z0-9] only: the local part of an e-mail or a domain label.
void append_alnum_lower(std::string &out, std::string_view s)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0xC3 && i + 1 < s.size()) {
            char f = kFold[static_cast<unsigned char>(s[i + 1]) - 0x80];
            if (is_ascii_letter(f)) out += static_cast<char>(f | 0x20);
            ++i;
        } else if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c + 32);
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            out += static_cast<char>(c);
        }
    }
}

// A business name as a matching key sees it: [a-z0-9] only, "&" read as "and".
void business_key(std::string &out, std::string_view name)
{
    out.clear();
    for (std::size_t amp; (amp = name.find('&')) != std::string_view::npos; name.remove_prefix(amp + 1)) {
        append_alnum_lower(out, name.substr(0, amp));
        out += "and";
    }
    append_alnum_lower(out, name);
}

// First letter of a name, lower-cased and folded to ASCII.
char initial_lower(std::string_view s)
{
    std::string tmp;
    append_alnum_lower(tmp, s.substr(0, std::min<std::size_t>(2, s.size())));
    return tmp.empty() ? 'x' : tmp[0];
}

// One keyboard slip on ASCII letters only (UTF-8 stays valid): swap two neighbours, drop one or
// double one. Never touches the first letter, where people rarely slip.
void typo(std::string &s, Rng &rng)
{
    if (s.size() < 4) return;
    for (int attempt = 0; attempt < 6; ++attempt) {
        const std::size_t i = 1 + rng.below(s.size() - 2);
        if (!is_ascii_letter(s[i])) continue;
        switch (rng.below(3)) {
        case 0:
            if (is_ascii_letter(s[i + 1]) && s[i] != s[i + 1]) {
                std::swap(s[i], s[i + 1]);
                return;
            }
            break;
        case 1: s.erase(i, 1); return;
        default: s.insert(i, 1, s[i]); return;
        }
    }
}

// Replaces every occurrence of `from` by `to`; true when something changed.
bool replace_all(std::string &s, std::string_view from, std::string_view to)
{
    bool changed = false;
    for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
        s.replace(pos, from.size(), to);
        changed = true;
    }
    return changed;
}

void append_uint(std::string &out, std::uint64_t v)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) out += buf[--n];
}

// Splits "a|b|c" into views of a static literal.
std::vector<std::string_view> split_bar(std::string_view s)
{
    std::vector<std::string_view> out;
    while (!s.empty()) {
        const std::size_t bar = s.find('|');
        out.push_back(s.substr(0, bar));
        if (bar == std::string_view::npos) break;
        s.remove_prefix(bar + 1);
    }
    return out;
}

// ================================================================================================
// Word lists, written for this generator. Lists of names are ordered roughly by how common the
// name is among US adults; a Zipf draw over the order gives the skew of real data.
// ================================================================================================
// clang-format off
struct StateInfo {
    const char *code;
    const char *name;
    double population_m;  // 2020 census, millions: how often the state's ZIPs are drawn
};
constexpr StateInfo kStates[] = {
    {"AL", "Alabama", 5.0},         {"AK", "Alaska", 0.7},         {"AZ", "Arizona", 7.2},
    {"AR", "Arkansas", 3.0},        {"CA", "California", 39.5},    {"CO", "Colorado", 5.8},
    {"CT", "Connecticut", 3.6},     {"DE", "Delaware", 1.0},       {"DC", "District of Columbia", 0.7},
    {"FL", "Florida", 21.5},        {"GA", "Georgia", 10.7},       {"HI", "Hawaii", 1.5},
    {"ID", "Idaho", 1.8},           {"IL", "Illinois", 12.8},      {"IN", "Indiana", 6.8},
    {"IA", "Iowa", 3.2},            {"KS", "Kansas", 2.9},         {"KY", "Kentucky", 4.5},
    {"LA", "Louisiana", 4.7},       {"ME", "Maine", 1.4},          {"MD", "Maryland", 6.2},
    {"MA", "Massachusetts", 7.0},   {"MI", "Michigan", 10.1},      {"MN", "Minnesota", 5.7},
    {"MS", "Mississippi", 3.0},     {"MO", "Missouri", 6.2},       {"MT", "Montana", 1.1},
    {"NE", "Nebraska", 2.0},        {"NV", "Nevada", 3.1},         {"NH", "New Hampshire", 1.4},
    {"NJ", "New Jersey", 9.3},      {"NM", "New Mexico", 2.1},     {"NY", "New York", 20.2},
    {"NC", "North Carolina", 10.4}, {"ND", "North Dakota", 0.8},   {"OH", "Ohio", 11.8},
    {"OK", "Oklahoma", 4.0},        {"OR", "Oregon", 4.2},         {"PA", "Pennsylvania", 13.0},
    {"RI", "Rhode Island", 1.1},    {"SC", "South Carolina", 5.1}, {"SD", "South Dakota", 0.9},
    {"TN", "Tennessee", 6.9},       {"TX", "Texas", 29.1},         {"UT", "Utah", 3.3},
    {"VT", "Vermont", 0.6},         {"VA", "Virginia", 8.6},       {"WA", "Washington", 7.7},
    {"WV", "West Virginia", 1.8},   {"WI", "Wisconsin", 5.9},      {"WY", "Wyoming", 0.6},
};
constexpr std::size_t kStateCount = sizeof kStates / sizeof kStates[0];

// Towns a ZIP is labelled with: each ZIP takes the nearest entry of its own state (approximate
// coordinates). A stand-in for the USPS place name, which our ZIP data does not carry.
struct CityInfo {
    const char *state;
    const char *name;
    double lat, lng;
};
constexpr CityInfo kCities[] = {
    {"AL", "Birmingham", 33.52, -86.80}, {"AL", "Montgomery", 32.37, -86.30}, {"AL", "Mobile", 30.69, -88.04},
    {"AL", "Huntsville", 34.73, -86.59}, {"AL", "Tuscaloosa", 33.21, -87.57}, {"AL", "Dothan", 31.22, -85.39},
    {"AK", "Anchorage", 61.22, -149.90}, {"AK", "Fairbanks", 64.84, -147.72}, {"AK", "Juneau", 58.30, -134.42},
    {"AK", "Wasilla", 61.58, -149.44},
    {"AZ", "Phoenix", 33.45, -112.07}, {"AZ", "Tucson", 32.22, -110.97}, {"AZ", "Flagstaff", 35.20, -111.65},
    {"AZ", "Yuma", 32.69, -114.63}, {"AZ", "Mesa", 33.42, -111.83}, {"AZ", "Prescott", 34.54, -112.47},
    {"AR", "Little Rock", 34.75, -92.29}, {"AR", "Fayetteville", 36.06, -94.16}, {"AR", "Fort Smith", 35.39, -94.40},
    {"AR", "Jonesboro", 35.84, -90.70}, {"AR", "Texarkana", 33.44, -94.04}, {"AR", "Pine Bluff", 34.23, -92.00},
    {"CA", "Los Angeles", 34.05, -118.24}, {"CA", "San Diego", 32.72, -117.16}, {"CA", "San Francisco", 37.77, -122.42},
    {"CA", "San Jose", 37.34, -121.89}, {"CA", "Sacramento", 38.58, -121.49}, {"CA", "Fresno", 36.74, -119.79},
    {"CA", "Bakersfield", 35.37, -119.02}, {"CA", "Oakland", 37.80, -122.27}, {"CA", "Riverside", 33.95, -117.40},
    {"CA", "Santa Ana", 33.75, -117.87}, {"CA", "Redding", 40.59, -122.39}, {"CA", "Eureka", 40.80, -124.16},
    {"CA", "Santa Barbara", 34.42, -119.70}, {"CA", "Salinas", 36.68, -121.66}, {"CA", "Chico", 39.73, -121.84},
    {"CA", "San Bernardino", 34.11, -117.29}, {"CA", "Long Beach", 33.77, -118.19}, {"CA", "Stockton", 37.96, -121.29},
    {"CA", "Modesto", 37.64, -120.99}, {"CA", "Palm Springs", 33.83, -116.55},
    {"CA", "La Cañada Flintridge", 34.20, -118.20}, {"CA", "San Luis Obispo", 35.28, -120.66},
    {"CO", "Denver", 39.74, -104.99}, {"CO", "Colorado Springs", 38.83, -104.82}, {"CO", "Fort Collins", 40.59, -105.08},
    {"CO", "Grand Junction", 39.06, -108.55}, {"CO", "Pueblo", 38.25, -104.61}, {"CO", "Durango", 37.28, -107.88},
    {"CO", "Cañon City", 38.44, -105.24}, {"CO", "Boulder", 40.01, -105.27},
    {"CT", "Hartford", 41.76, -72.67}, {"CT", "New Haven", 41.31, -72.92}, {"CT", "Bridgeport", 41.19, -73.20},
    {"CT", "Stamford", 41.05, -73.54}, {"CT", "Norwich", 41.52, -72.08}, {"CT", "Waterbury", 41.56, -73.05},
    {"DE", "Wilmington", 39.74, -75.55}, {"DE", "Dover", 39.16, -75.52}, {"DE", "Georgetown", 38.69, -75.39},
    {"DC", "Washington", 38.90, -77.04},
    {"FL", "Miami", 25.76, -80.19}, {"FL", "Orlando", 28.54, -81.38}, {"FL", "Tampa", 27.95, -82.46},
    {"FL", "Jacksonville", 30.33, -81.66}, {"FL", "Tallahassee", 30.44, -84.28}, {"FL", "Pensacola", 30.42, -87.22},
    {"FL", "Fort Lauderdale", 26.12, -80.14}, {"FL", "St. Petersburg", 27.77, -82.64}, {"FL", "Gainesville", 29.65, -82.32},
    {"FL", "Fort Myers", 26.64, -81.87}, {"FL", "West Palm Beach", 26.72, -80.05}, {"FL", "Daytona Beach", 29.21, -81.02},
    {"FL", "Sarasota", 27.34, -82.53}, {"FL", "Ocala", 29.19, -82.14}, {"FL", "Panama City", 30.16, -85.66},
    {"FL", "Key West", 24.56, -81.78},
    {"GA", "Atlanta", 33.75, -84.39}, {"GA", "Savannah", 32.08, -81.09}, {"GA", "Augusta", 33.47, -81.97},
    {"GA", "Macon", 32.84, -83.63}, {"GA", "Columbus", 32.46, -84.99}, {"GA", "Athens", 33.96, -83.38},
    {"GA", "Albany", 31.58, -84.16}, {"GA", "Valdosta", 30.83, -83.28},
    {"HI", "Honolulu", 21.31, -157.86}, {"HI", "Hilo", 19.72, -155.09}, {"HI", "Kahului", 20.89, -156.47},
    {"HI", "Lihue", 21.98, -159.37},
    {"ID", "Boise", 43.62, -116.20}, {"ID", "Idaho Falls", 43.49, -112.03}, {"ID", "Pocatello", 42.87, -112.45},
    {"ID", "Coeur d'Alene", 47.68, -116.78}, {"ID", "Twin Falls", 42.56, -114.46}, {"ID", "Lewiston", 46.42, -117.02},
    {"IL", "Chicago", 41.88, -87.63}, {"IL", "Springfield", 39.80, -89.64}, {"IL", "Peoria", 40.69, -89.59},
    {"IL", "Rockford", 42.27, -89.09}, {"IL", "Champaign", 40.12, -88.24}, {"IL", "Naperville", 41.75, -88.15},
    {"IL", "Carbondale", 37.73, -89.22}, {"IL", "Quincy", 39.94, -91.41}, {"IL", "Joliet", 41.53, -88.08},
    {"IN", "Indianapolis", 39.77, -86.16}, {"IN", "Fort Wayne", 41.08, -85.14}, {"IN", "Evansville", 37.97, -87.57},
    {"IN", "South Bend", 41.68, -86.25}, {"IN", "Gary", 41.59, -87.35}, {"IN", "Bloomington", 39.17, -86.53},
    {"IN", "Lafayette", 40.42, -86.88}, {"IN", "Terre Haute", 39.47, -87.41},
    {"IA", "Des Moines", 41.59, -93.62}, {"IA", "Cedar Rapids", 41.98, -91.67}, {"IA", "Davenport", 41.52, -90.58},
    {"IA", "Sioux City", 42.50, -96.40}, {"IA", "Iowa City", 41.66, -91.53}, {"IA", "Waterloo", 42.49, -92.34},
    {"IA", "Council Bluffs", 41.26, -95.86}, {"IA", "Mason City", 43.15, -93.20},
    {"KS", "Wichita", 37.69, -97.34}, {"KS", "Kansas City", 39.11, -94.63}, {"KS", "Topeka", 39.05, -95.68},
    {"KS", "Salina", 38.84, -97.61}, {"KS", "Dodge City", 37.75, -100.02}, {"KS", "Hays", 38.88, -99.33},
    {"KS", "Garden City", 37.97, -100.87}, {"KS", "Pittsburg", 37.41, -94.70},
    {"KY", "Louisville", 38.25, -85.76}, {"KY", "Lexington", 38.04, -84.50}, {"KY", "Bowling Green", 36.99, -86.44},
    {"KY", "Owensboro", 37.77, -87.11}, {"KY", "Paducah", 37.08, -88.60}, {"KY", "Pikeville", 37.48, -82.52},
    {"KY", "London", 37.13, -84.08},
    {"LA", "New Orleans", 29.95, -90.07}, {"LA", "Baton Rouge", 30.45, -91.19}, {"LA", "Shreveport", 32.53, -93.75},
    {"LA", "Lafayette", 30.22, -92.02}, {"LA", "Lake Charles", 30.23, -93.22}, {"LA", "Monroe", 32.51, -92.12},
    {"LA", "Alexandria", 31.31, -92.45}, {"LA", "Houma", 29.60, -90.72},
    {"ME", "Portland", 43.66, -70.26}, {"ME", "Bangor", 44.80, -68.77}, {"ME", "Augusta", 44.31, -69.78},
    {"ME", "Lewiston", 44.10, -70.21}, {"ME", "Presque Isle", 46.68, -68.02},
    {"MD", "Baltimore", 39.29, -76.61}, {"MD", "Annapolis", 38.98, -76.49}, {"MD", "Frederick", 39.41, -77.41},
    {"MD", "Hagerstown", 39.64, -77.72}, {"MD", "Salisbury", 38.36, -75.60}, {"MD", "Rockville", 39.08, -77.15},
    {"MD", "Cumberland", 39.65, -78.76}, {"MD", "Waldorf", 38.62, -76.94},
    {"MA", "Boston", 42.36, -71.06}, {"MA", "Worcester", 42.26, -71.80}, {"MA", "Springfield", 42.10, -72.59},
    {"MA", "Lowell", 42.63, -71.32}, {"MA", "New Bedford", 41.64, -70.93}, {"MA", "Pittsfield", 42.45, -73.25},
    {"MA", "Hyannis", 41.65, -70.29}, {"MA", "Brockton", 42.08, -71.02},
    {"MI", "Detroit", 42.33, -83.05}, {"MI", "Grand Rapids", 42.96, -85.67}, {"MI", "Lansing", 42.73, -84.56},
    {"MI", "Flint", 43.01, -83.69}, {"MI", "Ann Arbor", 42.28, -83.74}, {"MI", "Traverse City", 44.76, -85.62},
    {"MI", "Marquette", 46.54, -87.40}, {"MI", "Kalamazoo", 42.29, -85.59}, {"MI", "Saginaw", 43.42, -83.95},
    {"MI", "Sault Ste. Marie", 46.50, -84.35},
    {"MN", "Minneapolis", 44.98, -93.27}, {"MN", "St. Paul", 44.95, -93.09}, {"MN", "Duluth", 46.79, -92.10},
    {"MN", "Rochester", 44.02, -92.47}, {"MN", "St. Cloud", 45.56, -94.16}, {"MN", "Mankato", 44.16, -94.00},
    {"MN", "Bemidji", 47.47, -94.88}, {"MN", "Moorhead", 46.87, -96.77},
    {"MS", "Jackson", 32.30, -90.18}, {"MS", "Gulfport", 30.37, -89.09}, {"MS", "Hattiesburg", 31.33, -89.29},
    {"MS", "Tupelo", 34.26, -88.70}, {"MS", "Meridian", 32.36, -88.70}, {"MS", "Greenville", 33.41, -91.06},
    {"MS", "Oxford", 34.37, -89.52}, {"MS", "Natchez", 31.56, -91.40},
    {"MO", "Kansas City", 39.10, -94.58}, {"MO", "St. Louis", 38.63, -90.20}, {"MO", "Springfield", 37.21, -93.29},
    {"MO", "Columbia", 38.95, -92.33}, {"MO", "Joplin", 37.08, -94.51}, {"MO", "Cape Girardeau", 37.31, -89.52},
    {"MO", "St. Joseph", 39.77, -94.85}, {"MO", "Kirksville", 40.19, -92.58}, {"MO", "Jefferson City", 38.58, -92.17},
    {"MT", "Billings", 45.78, -108.50}, {"MT", "Missoula", 46.87, -113.99}, {"MT", "Great Falls", 47.50, -111.30},
    {"MT", "Bozeman", 45.68, -111.04}, {"MT", "Helena", 46.59, -112.04}, {"MT", "Kalispell", 48.20, -114.31},
    {"MT", "Miles City", 46.41, -105.84}, {"MT", "Havre", 48.55, -109.68},
    {"NE", "Omaha", 41.26, -95.93}, {"NE", "Lincoln", 40.81, -96.68}, {"NE", "Grand Island", 40.92, -98.34},
    {"NE", "Kearney", 40.70, -99.08}, {"NE", "North Platte", 41.12, -100.77}, {"NE", "Scottsbluff", 41.87, -103.67},
    {"NE", "Norfolk", 42.03, -97.42},
    {"NV", "Las Vegas", 36.17, -115.14}, {"NV", "Reno", 39.53, -119.81}, {"NV", "Henderson", 36.04, -114.98},
    {"NV", "Elko", 40.83, -115.76}, {"NV", "Carson City", 39.16, -119.77}, {"NV", "Winnemucca", 40.97, -117.74},
    {"NH", "Manchester", 42.99, -71.46}, {"NH", "Nashua", 42.77, -71.47}, {"NH", "Concord", 43.21, -71.54},
    {"NH", "Portsmouth", 43.07, -70.76}, {"NH", "Keene", 42.93, -72.28}, {"NH", "Berlin", 44.47, -71.19},
    {"NH", "Lebanon", 43.64, -72.25},
    {"NJ", "Newark", 40.74, -74.17}, {"NJ", "Jersey City", 40.73, -74.08}, {"NJ", "Trenton", 40.22, -74.76},
    {"NJ", "Camden", 39.93, -75.12}, {"NJ", "Atlantic City", 39.36, -74.42}, {"NJ", "Paterson", 40.92, -74.17},
    {"NJ", "Toms River", 39.95, -74.20}, {"NJ", "New Brunswick", 40.49, -74.45}, {"NJ", "Vineland", 39.49, -75.03},
    {"NJ", "Morristown", 40.80, -74.48},
    {"NM", "Albuquerque", 35.08, -106.65}, {"NM", "Santa Fe", 35.69, -105.94}, {"NM", "Las Cruces", 32.32, -106.76},
    {"NM", "Roswell", 33.39, -104.52}, {"NM", "Farmington", 36.73, -108.22}, {"NM", "Española", 35.99, -106.08},
    {"NM", "Gallup", 35.53, -108.74}, {"NM", "Clovis", 34.40, -103.21},
    {"NY", "New York", 40.71, -74.01}, {"NY", "Brooklyn", 40.68, -73.94}, {"NY", "Buffalo", 42.89, -78.88},
    {"NY", "Rochester", 43.16, -77.61}, {"NY", "Syracuse", 43.05, -76.15}, {"NY", "Albany", 42.65, -73.76},
    {"NY", "Yonkers", 40.93, -73.90}, {"NY", "Binghamton", 42.10, -75.91}, {"NY", "Utica", 43.10, -75.23},
    {"NY", "Plattsburgh", 44.70, -73.45}, {"NY", "Watertown", 43.97, -75.91}, {"NY", "Poughkeepsie", 41.70, -73.92},
    {"NY", "Hempstead", 40.71, -73.62}, {"NY", "Ithaca", 42.44, -76.50}, {"NY", "Elmira", 42.09, -76.81},
    {"NY", "Riverhead", 40.92, -72.66}, {"NY", "Jamestown", 42.10, -79.24},
    {"NC", "Charlotte", 35.23, -80.84}, {"NC", "Raleigh", 35.78, -78.64}, {"NC", "Greensboro", 36.07, -79.79},
    {"NC", "Durham", 35.99, -78.90}, {"NC", "Asheville", 35.60, -82.55}, {"NC", "Wilmington", 34.23, -77.94},
    {"NC", "Fayetteville", 35.05, -78.88}, {"NC", "Greenville", 35.61, -77.37}, {"NC", "Hickory", 35.73, -81.34},
    {"NC", "Elizabeth City", 36.29, -76.25},
    {"ND", "Fargo", 46.88, -96.79}, {"ND", "Bismarck", 46.81, -100.78}, {"ND", "Grand Forks", 47.93, -97.03},
    {"ND", "Minot", 48.23, -101.30}, {"ND", "Williston", 48.15, -103.62}, {"ND", "Dickinson", 46.88, -102.79},
    {"OH", "Columbus", 39.96, -83.00}, {"OH", "Cleveland", 41.50, -81.69}, {"OH", "Cincinnati", 39.10, -84.51},
    {"OH", "Toledo", 41.65, -83.54}, {"OH", "Akron", 41.08, -81.52}, {"OH", "Dayton", 39.76, -84.19},
    {"OH", "Youngstown", 41.10, -80.65}, {"OH", "Canton", 40.80, -81.38}, {"OH", "Lima", 40.74, -84.11},
    {"OH", "Zanesville", 39.94, -82.01}, {"OH", "Athens", 39.33, -82.10}, {"OH", "Mansfield", 40.76, -82.52},
    {"OH", "Sandusky", 41.45, -82.71},
    {"OK", "Oklahoma City", 35.47, -97.52}, {"OK", "Tulsa", 36.15, -95.99}, {"OK", "Norman", 35.22, -97.44},
    {"OK", "Lawton", 34.61, -98.39}, {"OK", "Enid", 36.40, -97.88}, {"OK", "Ardmore", 34.17, -97.14},
    {"OK", "McAlester", 34.93, -95.77}, {"OK", "Woodward", 36.43, -99.39}, {"OK", "Muskogee", 35.75, -95.37},
    {"OR", "Portland", 45.52, -122.68}, {"OR", "Eugene", 44.05, -123.09}, {"OR", "Salem", 44.94, -123.04},
    {"OR", "Medford", 42.33, -122.87}, {"OR", "Bend", 44.06, -121.32}, {"OR", "Pendleton", 45.67, -118.79},
    {"OR", "Coos Bay", 43.37, -124.22}, {"OR", "Klamath Falls", 42.22, -121.78},
    {"PA", "Philadelphia", 39.95, -75.17}, {"PA", "Pittsburgh", 40.44, -80.00}, {"PA", "Harrisburg", 40.27, -76.88},
    {"PA", "Allentown", 40.60, -75.47}, {"PA", "Erie", 42.13, -80.09}, {"PA", "Scranton", 41.41, -75.66},
    {"PA", "Lancaster", 40.04, -76.31}, {"PA", "State College", 40.79, -77.86}, {"PA", "Altoona", 40.52, -78.39},
    {"PA", "Williamsport", 41.24, -77.00}, {"PA", "Reading", 40.34, -75.93}, {"PA", "Johnstown", 40.33, -78.92},
    {"PA", "Wilkes-Barre", 41.25, -75.88},
    {"RI", "Providence", 41.82, -71.41}, {"RI", "Warwick", 41.70, -71.42}, {"RI", "Newport", 41.49, -71.31},
    {"RI", "Woonsocket", 42.00, -71.51},
    {"SC", "Columbia", 34.00, -81.03}, {"SC", "Charleston", 32.78, -79.93}, {"SC", "Greenville", 34.85, -82.40},
    {"SC", "Myrtle Beach", 33.69, -78.89}, {"SC", "Spartanburg", 34.95, -81.93}, {"SC", "Florence", 34.20, -79.76},
    {"SC", "Rock Hill", 34.92, -81.03}, {"SC", "Aiken", 33.56, -81.72}, {"SC", "Mount Pleasant", 32.79, -79.86},
    {"SD", "Sioux Falls", 43.54, -96.73}, {"SD", "Rapid City", 44.08, -103.23}, {"SD", "Aberdeen", 45.46, -98.49},
    {"SD", "Pierre", 44.37, -100.35}, {"SD", "Watertown", 44.90, -97.12}, {"SD", "Brookings", 44.31, -96.80},
    {"TN", "Nashville", 36.16, -86.78}, {"TN", "Memphis", 35.15, -90.05}, {"TN", "Knoxville", 35.96, -83.92},
    {"TN", "Chattanooga", 35.05, -85.31}, {"TN", "Clarksville", 36.53, -87.36}, {"TN", "Jackson", 35.61, -88.81},
    {"TN", "Johnson City", 36.31, -82.35}, {"TN", "Cookeville", 36.16, -85.50},
    {"TX", "Houston", 29.76, -95.37}, {"TX", "Dallas", 32.78, -96.80}, {"TX", "San Antonio", 29.42, -98.49},
    {"TX", "Austin", 30.27, -97.74}, {"TX", "Fort Worth", 32.76, -97.33}, {"TX", "El Paso", 31.76, -106.49},
    {"TX", "Corpus Christi", 27.80, -97.40}, {"TX", "Lubbock", 33.58, -101.86}, {"TX", "Amarillo", 35.22, -101.83},
    {"TX", "Laredo", 27.51, -99.51}, {"TX", "McAllen", 26.20, -98.23}, {"TX", "Brownsville", 25.90, -97.50},
    {"TX", "Midland", 32.00, -102.08}, {"TX", "Abilene", 32.45, -99.73}, {"TX", "Waco", 31.55, -97.15},
    {"TX", "Tyler", 32.35, -95.30}, {"TX", "Beaumont", 30.08, -94.13}, {"TX", "San Angelo", 31.46, -100.44},
    {"TX", "Wichita Falls", 33.91, -98.49}, {"TX", "Texarkana", 33.43, -94.05}, {"TX", "Victoria", 28.81, -97.00},
    {"TX", "College Station", 30.63, -96.33}, {"TX", "Plano", 33.02, -96.70}, {"TX", "Odessa", 31.85, -102.37},
    {"TX", "Del Rio", 29.36, -100.90}, {"TX", "Nacogdoches", 31.60, -94.66},
    {"UT", "Salt Lake City", 40.76, -111.89}, {"UT", "Provo", 40.23, -111.66}, {"UT", "Ogden", 41.22, -111.97},
    {"UT", "St. George", 37.10, -113.58}, {"UT", "Logan", 41.74, -111.83}, {"UT", "Cedar City", 37.68, -113.06},
    {"UT", "Moab", 38.57, -109.55}, {"UT", "Vernal", 40.46, -109.53},
    {"VT", "Burlington", 44.48, -73.21}, {"VT", "Montpelier", 44.26, -72.58}, {"VT", "Rutland", 43.61, -72.97},
    {"VT", "Brattleboro", 42.85, -72.56}, {"VT", "St. Johnsbury", 44.42, -72.02}, {"VT", "Bennington", 42.88, -73.20},
    {"VA", "Virginia Beach", 36.85, -75.98}, {"VA", "Richmond", 37.54, -77.44}, {"VA", "Norfolk", 36.85, -76.29},
    {"VA", "Arlington", 38.88, -77.10}, {"VA", "Roanoke", 37.27, -79.94}, {"VA", "Charlottesville", 38.03, -78.48},
    {"VA", "Lynchburg", 37.41, -79.14}, {"VA", "Harrisonburg", 38.45, -78.87}, {"VA", "Fredericksburg", 38.30, -77.46},
    {"VA", "Bristol", 36.60, -82.19}, {"VA", "Alexandria", 38.80, -77.05}, {"VA", "Winchester", 39.19, -78.16},
    {"VA", "Danville", 36.59, -79.40},
    {"WA", "Seattle", 47.61, -122.33}, {"WA", "Spokane", 47.66, -117.43}, {"WA", "Tacoma", 47.25, -122.44},
    {"WA", "Vancouver", 45.64, -122.66}, {"WA", "Bellingham", 48.75, -122.48}, {"WA", "Yakima", 46.60, -120.51},
    {"WA", "Wenatchee", 47.42, -120.31}, {"WA", "Olympia", 47.04, -122.90}, {"WA", "Kennewick", 46.21, -119.14},
    {"WA", "Everett", 47.98, -122.20}, {"WA", "Aberdeen", 46.98, -123.82}, {"WA", "Port Angeles", 48.12, -123.43},
    {"WV", "Charleston", 38.35, -81.63}, {"WV", "Huntington", 38.42, -82.45}, {"WV", "Morgantown", 39.63, -79.96},
    {"WV", "Parkersburg", 39.27, -81.56}, {"WV", "Wheeling", 40.06, -80.72}, {"WV", "Beckley", 37.78, -81.19},
    {"WV", "Martinsburg", 39.46, -77.96}, {"WV", "Elkins", 38.93, -79.85}, {"WV", "Bluefield", 37.27, -81.22},
    {"WI", "Milwaukee", 43.04, -87.91}, {"WI", "Madison", 43.07, -89.40}, {"WI", "Green Bay", 44.51, -88.01},
    {"WI", "Eau Claire", 44.81, -91.50}, {"WI", "La Crosse", 43.80, -91.24}, {"WI", "Wausau", 44.96, -89.63},
    {"WI", "Oshkosh", 44.02, -88.54}, {"WI", "Superior", 46.72, -92.10}, {"WI", "Rhinelander", 45.64, -89.41},
    {"WI", "Kenosha", 42.58, -87.82},
    {"WY", "Cheyenne", 41.14, -104.82}, {"WY", "Casper", 42.87, -106.31}, {"WY", "Laramie", 41.31, -105.59},
    {"WY", "Gillette", 44.29, -105.50}, {"WY", "Rock Springs", 41.59, -109.20}, {"WY", "Sheridan", 44.80, -106.96},
    {"WY", "Riverton", 43.02, -108.38}, {"WY", "Jackson", 43.48, -110.76}, {"WY", "Cody", 44.53, -109.06},
};

// Small-business trades with a plausible SIC (1987) / NAICS (2017) pair. `words` are the trade
// as it appears in names; `rev_per_employee` in thousands of dollars sets revenue from size.
enum class LegalFamily : std::uint8_t { general, professional, medical };
struct Trade {
    const char *words[3];
    const char *sic;
    const char *naics;
    LegalFamily family;
    int rev_per_employee;
    bool home_based_ok;  // often run from the owner's home
};
constexpr Trade kTrades[] = {
    {{"Plumbing", "Plumbing & Drain", "Plumbing Services"}, "1711", "238220", LegalFamily::general, 150, true},
    {{"Heating & Air", "HVAC", "Heating & Cooling"}, "1711", "238220", LegalFamily::general, 160, true},
    {{"Roofing", "Roofing & Siding", "Roofing Contractors"}, "1761", "238160", LegalFamily::general, 170, true},
    {{"Electric", "Electrical Services", "Electrical Contractors"}, "1731", "238210", LegalFamily::general, 150, true},
    {{"Painting", "Painting & Decorating", "Painters"}, "1721", "238320", LegalFamily::general, 110, true},
    {{"Construction", "Builders", "Contracting"}, "1521", "236115", LegalFamily::general, 220, true},
    {{"Landscaping", "Lawn & Garden", "Lawn Care"}, "0782", "561730", LegalFamily::general, 80, true},
    {{"Tree Service", "Tree Care", "Arborists"}, "0783", "561730", LegalFamily::general, 100, true},
    {{"Pest Control", "Exterminating", "Termite & Pest"}, "7342", "561710", LegalFamily::general, 110, true},
    {{"Cleaning Services", "Janitorial", "Maid Service"}, "7349", "561720", LegalFamily::general, 45, true},
    {{"Auto Repair", "Automotive", "Auto Service"}, "7538", "811111", LegalFamily::general, 120, false},
    {{"Auto Body", "Collision Center", "Body Shop"}, "7532", "811121", LegalFamily::general, 130, false},
    {{"Towing", "Towing & Recovery", "Wrecker Service"}, "7549", "488410", LegalFamily::general, 110, true},
    {{"Grill", "Kitchen", "Restaurant"}, "5812", "722511", LegalFamily::general, 60, false},
    {{"Pizza", "Pizzeria", "Pizza & Subs"}, "5812", "722513", LegalFamily::general, 55, false},
    {{"Coffee", "Café", "Coffee House"}, "5812", "722515", LegalFamily::general, 50, false},
    {{"Bakery", "Bake Shop", "Pastries"}, "5461", "311811", LegalFamily::general, 70, false},
    {{"Salon", "Hair Studio", "Hair Design"}, "7231", "812112", LegalFamily::general, 45, true},
    {{"Barber Shop", "Barbers", "Barbershop"}, "7241", "812111", LegalFamily::general, 40, false},
    {{"Nails", "Nail Salon", "Nail Spa"}, "7231", "812113", LegalFamily::general, 40, false},
    {{"Dental", "Family Dentistry", "Dental Care"}, "8021", "621210", LegalFamily::medical, 150, false},
    {{"Chiropractic", "Chiropractic Center", "Spine & Wellness"}, "8041", "621310", LegalFamily::medical, 120, false},
    {{"Physical Therapy", "Rehab & Physical Therapy", "Sports Therapy"}, "8049", "621340", LegalFamily::medical, 100, false},
    {{"Animal Hospital", "Veterinary Clinic", "Pet Clinic"}, "0742", "541940", LegalFamily::medical, 130, false},
    {{"Law Office", "Law Group", "Law Firm"}, "8111", "541110", LegalFamily::professional, 200, false},
    {{"CPA", "Accounting", "Tax & Accounting"}, "8721", "541211", LegalFamily::professional, 130, true},
    {{"Insurance Agency", "Insurance", "Insurance Group"}, "6411", "524210", LegalFamily::professional, 150, true},
    {{"Realty", "Real Estate", "Properties"}, "6531", "531210", LegalFamily::general, 180, true},
    {{"Florist", "Flowers", "Floral Design"}, "5992", "453110", LegalFamily::general, 60, false},
    {{"Hardware", "Hardware & Supply", "Home Center"}, "5251", "444130", LegalFamily::general, 160, false},
    {{"Cleaners", "Dry Cleaning", "Laundry & Dry Cleaning"}, "7216", "812320", LegalFamily::general, 50, false},
    {{"Photography", "Photo Studio", "Portraits"}, "7221", "541921", LegalFamily::general, 70, true},
    {{"Fitness", "Gym", "Fitness Center"}, "7991", "713940", LegalFamily::general, 50, false},
    {{"Child Care", "Daycare", "Learning Center"}, "8351", "624410", LegalFamily::general, 40, true},
    {{"Moving", "Movers", "Moving & Storage"}, "4214", "484210", LegalFamily::general, 100, false},
    {{"Locksmith", "Lock & Key", "Lock & Safe"}, "7699", "561622", LegalFamily::general, 90, true},
    {{"Computer Repair", "IT Services", "Tech Solutions"}, "7378", "811212", LegalFamily::general, 110, true},
    {{"Pet Grooming", "Dog Grooming", "Pet Spa"}, "0752", "812910", LegalFamily::general, 40, true},
    {{"Eye Care", "Optometry", "Vision Center"}, "8042", "621320", LegalFamily::medical, 140, false},
    {{"Printing", "Print Shop", "Printing & Signs"}, "2752", "323111", LegalFamily::general, 120, false},
};
constexpr std::size_t kTradeCount = sizeof kTrades / sizeof kTrades[0];
constexpr std::size_t kLawTrade = 24;

// Legal suffixes and the spellings lists use for each.
struct Legal {
    const char *spellings[3];
};
enum : std::uint8_t { kNoLegal, kLLC, kInc, kCo, kCorp, kLtd, kPLLC, kPC, kPA, kLLP };
constexpr Legal kLegal[] = {
    {{"", "", ""}},
    {{"LLC", "L.L.C.", "Llc"}},
    {{"Inc", "Inc.", "Incorporated"}},
    {{"Co", "Co.", "Company"}},
    {{"Corp", "Corp.", "Corporation"}},
    {{"Ltd", "Ltd.", "Limited"}},
    {{"PLLC", "P.L.L.C.", "PLLC"}},
    {{"PC", "P.C.", "PC"}},
    {{"PA", "P.A.", "PA"}},
    {{"LLP", "L.L.P.", "LLP"}},
};

constexpr const char *kAdjectives[] = {
    "Premier", "Quality", "Reliable", "Elite", "Precision", "Golden", "Sunrise", "Evergreen", "Summit",
    "Pioneer", "Liberty", "Patriot", "All-Star", "Ace", "Apex", "Superior", "Affordable", "Express",
    "First Choice", "Heritage", "Hometown", "Integrity", "Keystone", "Lakeside", "Legacy", "Main Street",
    "Northstar", "Pinnacle", "Prestige", "Pro", "Red Rock", "Blue Sky", "Silver Oak", "Sterling",
    "Trusted", "United", "Victory", "Diamond", "Eagle", "Cornerstone", "Allied", "American", "Coastal",
    "Mountain View", "Valley", "Green Leaf", "Bright Star", "Crystal Clear", "Family", "Neighborhood",
};

// Given names with the nicknames lists write for them ('|'-separated).
struct GivenName {
    const char *name;
    const char *nicknames;
};
constexpr GivenName kMaleNames[] = {
    {"James", "Jim|Jimmy|Jamie"}, {"Michael", "Mike|Mikey"}, {"Robert", "Bob|Rob|Bobby|Robbie"},
    {"John", "Johnny|Jack"}, {"David", "Dave|Davey"}, {"William", "Bill|Will|Billy"},
    {"Richard", "Rick|Dick|Rich|Richie"}, {"Joseph", "Joe|Joey"}, {"Thomas", "Tom|Tommy"},
    {"Christopher", "Chris"}, {"Charles", "Charlie|Chuck"}, {"Daniel", "Dan|Danny"}, {"Matthew", "Matt"},
    {"Anthony", "Tony"}, {"Mark", ""}, {"Donald", "Don|Donnie"}, {"Steven", "Steve"}, {"Andrew", "Andy|Drew"},
    {"Paul", ""}, {"Joshua", "Josh"}, {"Kenneth", "Ken|Kenny"}, {"Kevin", ""}, {"Brian", ""}, {"George", ""},
    {"Timothy", "Tim"}, {"Ronald", "Ron|Ronnie"}, {"Jason", ""}, {"Edward", "Ed|Eddie|Ted"},
    {"Jeffrey", "Jeff"}, {"Ryan", ""}, {"Jacob", "Jake"}, {"Gary", ""}, {"Nicholas", "Nick"}, {"Eric", ""},
    {"Jonathan", "Jon"}, {"Stephen", "Steve"}, {"Larry", ""}, {"Justin", ""}, {"Scott", ""}, {"Brandon", ""},
    {"Benjamin", "Ben"}, {"Samuel", "Sam"}, {"Gregory", "Greg"}, {"Alexander", "Alex"}, {"Patrick", "Pat"},
    {"Frank", ""}, {"Raymond", "Ray"}, {"Jack", ""}, {"Dennis", ""}, {"Jerry", ""}, {"Tyler", ""},
    {"Aaron", ""}, {"José", "Pepe"}, {"Adam", ""}, {"Nathan", "Nate"}, {"Henry", "Hank"},
    {"Zachary", "Zach"}, {"Douglas", "Doug"}, {"Peter", "Pete"}, {"Kyle", ""}, {"Walter", "Walt"},
    {"Keith", ""}, {"Roger", ""}, {"Terry", ""}, {"Sean", ""}, {"Gerald", "Jerry"}, {"Carl", ""},
    {"Harold", "Hal"}, {"Arthur", "Art"}, {"Lawrence", "Larry"}, {"Jesse", ""}, {"Bryan", ""}, {"Bruce", ""},
    {"Gabriel", "Gabe"}, {"Albert", "Al"}, {"Eugene", "Gene"}, {"Russell", "Russ"}, {"Vincent", "Vince"},
    {"Philip", "Phil"}, {"Bradley", "Brad"}, {"Roy", ""}, {"Ralph", ""}, {"Randy", ""}, {"Wayne", ""},
    {"Howard", ""}, {"Carlos", ""}, {"Luis", ""}, {"Juan", ""}, {"Miguel", ""}, {"Jesús", "Chuy"},
    {"Antonio", "Tony"}, {"Alejandro", "Alex"}, {"Francisco", "Paco|Pancho"}, {"Javier", ""},
    {"Ricardo", "Rick"}, {"Manuel", "Manny"}, {"Rafael", "Rafa"}, {"Andrés", ""}, {"Ramón", ""},
    {"Héctor", ""}, {"Marcus", ""}, {"DeShawn", ""}, {"Jamal", ""}, {"Tyrone", ""}, {"Darnell", ""},
    {"Terrence", "Terry"}, {"Malik", ""}, {"André", ""}, {"Reginald", "Reggie"}, {"Cedric", ""},
    {"Wei", ""}, {"Hiroshi", ""}, {"Kenji", ""}, {"Minh", ""}, {"Duc", ""}, {"Ji-hoon", ""}, {"Raj", ""},
    {"Sanjay", ""}, {"Vikram", ""}, {"Arjun", ""}, {"Mohammed", ""}, {"Omar", ""}, {"Dmitri", ""},
    {"François", ""}, {"René", ""}, {"Søren", ""}, {"Jean-Luc", ""}, {"Billy Ray", ""},
};
constexpr GivenName kFemaleNames[] = {
    {"Mary", ""}, {"Patricia", "Pat|Patty|Trish"}, {"Jennifer", "Jen|Jenny"}, {"Linda", ""},
    {"Elizabeth", "Liz|Beth|Betsy|Lizzie"}, {"Barbara", "Barb"}, {"Susan", "Sue|Susie"}, {"Jessica", "Jess"},
    {"Sarah", ""}, {"Karen", ""}, {"Lisa", ""}, {"Nancy", ""}, {"Betty", ""}, {"Margaret", "Peggy|Maggie|Meg"},
    {"Sandra", "Sandy"}, {"Ashley", ""}, {"Kimberly", "Kim"}, {"Emily", ""}, {"Donna", ""}, {"Michelle", ""},
    {"Carol", ""}, {"Amanda", "Mandy"}, {"Dorothy", "Dot|Dottie"}, {"Melissa", "Missy"},
    {"Deborah", "Deb|Debbie"}, {"Stephanie", "Steph"}, {"Rebecca", "Becky"}, {"Sharon", ""}, {"Laura", ""},
    {"Cynthia", "Cindy"}, {"Kathleen", "Kathy|Kate"}, {"Amy", ""}, {"Angela", "Angie"}, {"Shirley", ""},
    {"Anna", ""}, {"Brenda", ""}, {"Pamela", "Pam"}, {"Emma", ""}, {"Nicole", "Nikki"}, {"Helen", ""},
    {"Samantha", "Sam"}, {"Katherine", "Kate|Katie|Kathy"}, {"Christine", "Chris|Tina"},
    {"Debra", "Deb|Debbie"}, {"Rachel", ""}, {"Carolyn", ""}, {"Janet", ""}, {"Catherine", "Cathy|Kate"},
    {"Maria", ""}, {"Heather", ""}, {"Diane", ""}, {"Ruth", ""}, {"Julie", ""}, {"Olivia", ""}, {"Joyce", ""},
    {"Virginia", "Ginny"}, {"Victoria", "Vicky|Tori"}, {"Kelly", ""}, {"Lauren", ""},
    {"Christina", "Tina|Chris"}, {"Joan", ""}, {"Evelyn", ""}, {"Judith", "Judy"}, {"Megan", "Meg"},
    {"Andrea", ""}, {"Cheryl", ""}, {"Hannah", ""}, {"Jacqueline", "Jackie"}, {"Martha", ""}, {"Gloria", ""},
    {"Teresa", "Terri"}, {"Ann", ""}, {"Sara", ""}, {"Frances", "Fran"}, {"Janice", ""}, {"Jean", ""},
    {"Abigail", "Abby"}, {"Alice", ""}, {"Sophia", ""}, {"Grace", ""}, {"Denise", ""}, {"Amber", ""},
    {"Marilyn", ""}, {"Danielle", "Dani"}, {"Beverly", "Bev"}, {"Theresa", "Terri|Tess"}, {"Diana", ""},
    {"Natalie", ""}, {"Brittany", ""}, {"Charlotte", ""}, {"Marie", ""}, {"María", ""},
    {"Guadalupe", "Lupe"}, {"Rosa", ""}, {"Ana", ""}, {"Carmen", ""}, {"Sofía", ""}, {"Lucía", ""},
    {"Verónica", ""}, {"Mónica", ""}, {"Adriana", ""}, {"Yolanda", ""}, {"Latoya", ""}, {"Keisha", ""},
    {"Tamika", ""}, {"Imani", ""}, {"Shanice", ""}, {"Ebony", ""}, {"Aaliyah", ""}, {"Mei", ""},
    {"Yuki", ""}, {"Priya", ""}, {"Anjali", ""}, {"Thanh", ""}, {"Linh", ""}, {"Hye-jin", ""},
    {"Fatima", ""}, {"Aisha", ""}, {"Anne-Marie", ""}, {"Mary Beth", ""}, {"Mary Ellen", ""}, {"Zoë", ""},
    {"Chloé", ""}, {"Renée", ""}, {"Noémie", ""}, {"Siobhán", ""},
};

constexpr const char *kSurnames[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
    "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
    "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
    "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
    "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jiménez",
    "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes",
    "Gonzales", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham",
    "Reynolds", "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson",
    "Ellis", "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens",
    "Harrison", "Fernandez", "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen",
    "Freeman", "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter",
    "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Muñoz", "Hunt", "Hicks",
    "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar", "Fox",
    "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson", "Nichols", "Stephens",
    "Soto", "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Kelley", "Spencer", "Hawkins",
    "Arnold", "Pierce", "Vazquez", "Hansen", "Peters", "Santos", "Hart", "Bradley", "Knight", "Elliott",
    "Cunningham", "Duncan", "Armstrong", "Hudson", "Carroll", "Lane", "Riley", "Andrews", "Alvarado", "Ray",
    "Delgado", "Berry", "Perkins", "Hoffman", "Johnston", "Matthews", "Peña", "Richards", "Contreras", "Willis",
    "Carpenter", "Lawrence", "Sandoval", "Guerrero", "George", "Chapman", "Rios", "Estrada", "Ortega", "Watkins",
    "Greene", "Núñez", "Wheeler", "Valdez", "Harper", "Burke", "Larson", "Santiago", "Maldonado", "Morrison",
    "Franklin", "Carlson", "Austin", "Dominguez", "Carr", "Lawson", "Jacobs", "O'Brien", "Lynch", "Singh",
    "Vega", "Bishop", "Montgomery", "Oliver", "Jensen", "Harvey", "Williamson", "Gilbert", "Dean", "Sims",
    "Espinoza", "Howell", "Li", "Wong", "Reid", "Hanson", "Le", "McCoy", "Garrett", "Burton",
    "Fuller", "Wang", "Weber", "Welch", "Rojas", "Lucas", "Marquez", "Fields", "Park", "Yang",
    "Little", "Banks", "Padilla", "Day", "Walsh", "Bowman", "Schultz", "Luna", "Fowler", "Mejia",
    "Davidson", "Acosta", "Brewer", "May", "Holland", "Juarez", "Newman", "Pearson", "Curtis", "Cortez",
    "Douglas", "Schneider", "Joseph", "Barrett", "Navarro", "Figueroa", "Keller", "Ávila", "Wade", "Molina",
    "Stanley", "Hopkins", "Campos", "Barnett", "Bates", "Chambers", "Caldwell", "Beck", "Lambert", "Miranda",
    "Byrd", "Craig", "Ayala", "Lowe", "Frazier", "Powers", "Neal", "Leonard", "Gregory", "Carrillo",
    "Sutton", "Fleming", "Rhodes", "Shelton", "Schwartz", "Norris", "Jennings", "Watts", "Duran", "Walters",
    "Cohen", "McDaniel", "Moran", "Parks", "Steele", "Vaughn", "Becker", "Holt", "DeLeon", "Barker",
    "O'Connor", "O'Neill", "MacDonald", "McCarthy", "McKenzie", "de la Cruz", "De La Rosa", "van der Berg",
    "Van Dyke", "St. John", "Del Rosario", "D'Angelo", "Müller", "Schröder", "Nowak", "Kowalski", "Wójcik",
    "Ibáñez", "Pham", "Huynh", "Phan", "Vu", "Choi", "Zhang", "Liu", "Wu", "Huang", "Shah", "Kumar",
    "Gupta", "Yamamoto", "Tanaka", "Nakamura", "Sato", "Okafor", "Mensah", "Haddad", "Khan", "Rossi",
    "Russo", "Esposito", "Romano", "Dubois", "Lefèvre", "Martinez-Soto", "Taylor-Brooks", "Garcia-Lopez",
};

constexpr const char *kStreetNames[] = {
    "Main", "Oak", "Maple", "Pine", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Church", "Walnut",
    "Lincoln", "Jefferson", "Madison", "Jackson", "Franklin", "Highland", "Spring", "Ridge", "Sunset",
    "Meadow", "Forest", "River", "Mill", "Center", "Union", "Market", "Broad", "Liberty", "Chestnut",
    "Willow", "Dogwood", "Magnolia", "Cherry", "Hickory", "Birch", "Sycamore", "Poplar", "Adams", "Wilson",
    "Front", "Water", "Bridge", "School", "College", "Academy", "Valley", "Woodland", "Lakeview", "Fairview",
    "Prospect", "Pleasant", "Grove", "Orchard", "Railroad", "Industrial", "Commerce", "Airport",
    "Country Club", "Martin Luther King Jr", "Peachtree", "Santa Fe", "San Pedro", "La Salle", "De Soto",
    "1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th", "11th", "12th", "14th", "21st",
    "42nd", "Old Mill", "Veterans", "Heritage", "Canyon", "Bayshore", "Harbor", "Piedmont",
};

// Street suffixes: full word, USPS abbreviation, and a draw weight.
struct Suffix {
    const char *full;
    const char *abbr;
    double weight;
};
constexpr Suffix kSuffixes[] = {
    {"Street", "St", 30}, {"Avenue", "Ave", 18}, {"Road", "Rd", 14},  {"Drive", "Dr", 12},
    {"Boulevard", "Blvd", 5}, {"Lane", "Ln", 5}, {"Court", "Ct", 3},  {"Place", "Pl", 2},
    {"Way", "Way", 3},  {"Parkway", "Pkwy", 3}, {"Highway", "Hwy", 3}, {"Circle", "Cir", 2},
    {"Terrace", "Ter", 1}, {"Trail", "Trl", 2}, {"Pike", "Pike", 1}, {"Square", "Sq", 1},
};
constexpr std::size_t kSuffixCount = sizeof kSuffixes / sizeof kSuffixes[0];

struct Directional {
    const char *full;
    const char *abbr;
    const char *abbr_dot;
};
constexpr Directional kDirectionals[] = {
    {"", "", ""},
    {"North", "N", "N."}, {"South", "S", "S."}, {"East", "E", "E."}, {"West", "W", "W."},
    {"Northeast", "NE", "N.E."}, {"Northwest", "NW", "N.W."}, {"Southeast", "SE", "S.E."}, {"Southwest", "SW", "S.W."},
};

// Secondary unit designators and the spellings lists use for them.
struct UnitKind {
    const char *spellings[4];
};
enum : std::uint8_t { kNoUnit, kSuite, kUnitU, kApt, kFloor };
constexpr UnitKind kUnits[] = {
    {{"", "", "", ""}},
    {{"Suite", "Ste", "Ste.", "#"}},
    {{"Unit", "Unit", "#", "#"}},
    {{"Apt", "Apt.", "Apartment", "#"}},
    {{"Floor", "Fl", "Fl.", "Floor"}},
};

struct Provider {
    const char *domain;
    double weight;
};
constexpr Provider kProviders[] = {
    {"gmail.com", 45}, {"yahoo.com", 16}, {"hotmail.com", 8}, {"outlook.com", 7}, {"aol.com", 6},
    {"icloud.com", 7}, {"comcast.net", 3}, {"att.net", 3},    {"msn.com", 2},      {"sbcglobal.net", 2},
    {"verizon.net", 1},
};
constexpr const char *kGenericMailboxes[] = {"info",    "info",  "info",  "office", "office",
                                             "contact", "hello", "admin", "sales"};

// Values an importer cannot use, by field (field-level defects; the row still imports).
constexpr const char *kBadRevenue[] = {"N/A", "$1.2M", "unknown", "1.5 million", "TBD", "$850K", "-", "see notes"};
constexpr const char *kBadPhone[] = {"555-0199", "N/A",     "000-000-0000", "123",
                                     "(555) 555-5555", "none", "1234567",      "call office"};
// clang-format on

// ================================================================================================
// Reference geography: real ZIPs (us_zip.csv) with their state, a town from kCities and a draw
// weight; area codes per state (nanp_area_codes.csv).
// ================================================================================================
struct Zip {
    char code[6];
    std::uint8_t state;
    std::uint16_t city;
};

struct Geo {
    std::vector<Zip> zips;
    Weighted zip_weights;
    std::vector<std::vector<std::uint16_t>> area_codes;  // by state index
    std::vector<std::vector<std::uint32_t>> zips_by_state;
};

int state_index(std::string_view code)
{
    for (std::size_t i = 0; i < kStateCount; ++i)
        if (code == kStates[i].code) return static_cast<int>(i);
    return -1;
}

// Splits one CSV line of the (unquoted) reference files into fields.
void split_simple(std::string_view line, std::vector<std::string_view> &out)
{
    out.clear();
    while (true) {
        const std::size_t comma = line.find(',');
        out.push_back(line.substr(0, comma));
        if (comma == std::string_view::npos) return;
        line.remove_prefix(comma + 1);
    }
}

// Calls fn(fields) for each data line of a reference CSV (header skipped, CR tolerated).
template <typename F>
void for_each_record(std::string_view text, F &&fn)
{
    std::vector<std::string_view> fields;
    bool header = true;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        if (header) {
            header = false;
            continue;
        }
        split_simple(line, fields);
        fn(fields);
    }
}

// Builds the geography from the text of us_zip.csv and nanp_area_codes.csv. ZIPs outside the 50
// states and DC are left out (territories have their own naming and phone conventions).
Geo load_geo(std::string_view us_zip_csv, std::string_view area_codes_csv)
{
    Geo geo;
    geo.area_codes.resize(kStateCount);
    geo.zips_by_state.resize(kStateCount);
    std::vector<std::vector<std::uint16_t>> cities_by_state(kStateCount);
    for (std::size_t c = 0; c < sizeof kCities / sizeof kCities[0]; ++c) {
        const int s = state_index(kCities[c].state);
        if (s < 0) throw std::logic_error("city table names an unknown state");
        cities_by_state[s].push_back(static_cast<std::uint16_t>(c));
    }

    std::vector<double> closeness;  // per ZIP, how near it is to a town: ZIPs in towns are drawn more
    std::vector<double> state_closeness(kStateCount, 0.0);
    for_each_record(us_zip_csv, [&](const std::vector<std::string_view> &f) {
        if (f.size() < 4 || f[0].size() != 5) return;
        const int s = state_index(f[1]);
        if (s < 0) return;
        const double lat = std::strtod(std::string(f[2]).c_str(), nullptr);
        const double lng = std::strtod(std::string(f[3]).c_str(), nullptr);
        const double k = std::cos(lat * 3.14159265358979 / 180.0);
        double best = 1e18;
        std::uint16_t best_city = cities_by_state[s].front();
        if (cities_by_state[s].empty()) throw std::logic_error("city table has no town in a state");
        for (std::uint16_t c : cities_by_state[s]) {
            const double dy = lat - kCities[c].lat, dx = (lng - kCities[c].lng) * k;
            const double d2 = dx * dx + dy * dy;
            if (d2 < best) {
                best = d2;
                best_city = c;
            }
        }
        Zip z{};
        std::memcpy(z.code, f[0].data(), 5);
        z.state = static_cast<std::uint8_t>(s);
        z.city = best_city;
        geo.zips_by_state[s].push_back(static_cast<std::uint32_t>(geo.zips.size()));
        geo.zips.push_back(z);
        const double w = 1.0 / (0.15 + std::sqrt(best));
        closeness.push_back(w);
        state_closeness[s] += w;
    });
    for (std::size_t i = 0; i < geo.zips.size(); ++i) {
        const int s = geo.zips[i].state;
        geo.zip_weights.add(kStates[s].population_m * closeness[i] / state_closeness[s]);
    }

    for_each_record(area_codes_csv, [&](const std::vector<std::string_view> &f) {
        if (f.size() < 2 || f[0].size() != 3) return;
        const int s = state_index(f[1]);
        if (s < 0) return;
        geo.area_codes[s].push_back(static_cast<std::uint16_t>(std::strtoul(std::string(f[0]).c_str(), nullptr, 10)));
    });
    for (std::size_t s = 0; s < kStateCount; ++s)
        if (geo.zips_by_state[s].empty() || geo.area_codes[s].empty())
            throw std::runtime_error(std::string("reference data has no ZIP or area code for ") + kStates[s].code);
    return geo;
}

// Reads a whole file; throws when it cannot.
std::string read_file(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The geography from the copies embedded in outreach_core (the same bytes as
// extension/data/*.csv), or from DIR/us_zip.csv and DIR/nanp_area_codes.csv.
Geo load_geo_default(const std::string &data_dir)
{
    if (!data_dir.empty())
        return load_geo(read_file(data_dir + "/us_zip.csv"), read_file(data_dir + "/nanp_area_codes.csv"));
    auto zips = outreach::reference_csv("us_zip");
    auto npas = outreach::reference_csv("nanp_area_codes");
    if (!zips || !npas) throw std::runtime_error("embedded reference data missing");
    return load_geo(*zips, *npas);
}

// ================================================================================================
// Output: a big buffered writer (a FILE* written in 4 MiB chunks).
// ================================================================================================
class Writer {
public:
    explicit Writer(const std::string &path)
    {
        f_ = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
        if (!f_) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
        owned_ = f_ != stdout;
        buf_.reserve(kChunk + 65536);
    }
    Writer(const Writer &) = delete;
    Writer &operator=(const Writer &) = delete;
    ~Writer()
    {
        if (owned_ && f_) std::fclose(f_);
    }

    void write(std::string_view s)
    {
        buf_.append(s);
        if (buf_.size() >= kChunk) flush();
    }
    // Flushes and closes; throws on a write error (a full disk must not pass silently).
    void close()
    {
        flush();
        const bool bad = std::fflush(f_) != 0 || std::ferror(f_);
        if (owned_) std::fclose(f_);
        f_ = nullptr;
        if (bad) throw std::runtime_error("write error");
    }
    std::uint64_t bytes() const { return written_ + buf_.size(); }

private:
    void flush()
    {
        if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
            throw std::runtime_error(std::string("write error: ") + std::strerror(errno));
        written_ += buf_.size();
        buf_.clear();
    }
    static constexpr std::size_t kChunk = 4u << 20;
    std::FILE *f_ = nullptr;
    bool owned_ = false;
    std::string buf_;
    std::uint64_t written_ = 0;
};

// Appends one CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, or starts or
// ends with whitespace (some parsers trim unquoted fields); inner quotes doubled.
void append_csv_field(std::string &row, std::string_view v)
{
    bool quote = !v.empty() && (v.front() == ' ' || v.front() == '\t' || v.back() == ' ' || v.back() == '\t');
    for (char c : v)
        if (c == ',' || c == '"' || c == '\n' || c == '\r') quote = true;
    if (!quote) {
        row.append(v);
        return;
    }
    row += '"';
    for (char c : v) {
        if (c == '"') row += '"';
        row += c;
    }
    row += '"';
}

// ================================================================================================
// Options and the header styles.
// ================================================================================================
enum class HeaderStyle { camel, snake, title };

struct Options {
    std::uint64_t rows = 0;
    std::uint64_t seed = 1;
    std::string out;
    std::string truth;
    HeaderStyle header = HeaderStyle::camel;
    double bad_rate = 0.002;
    double dup_rate = 0.3;
    bool crlf = false;
    std::string data_dir;  // empty: the reference data embedded in outreach_core
    bool quiet = false;
};

// The header line (no line end): 13 mapped columns, then the unmapped extras.
std::string_view header_line(HeaderStyle style)
{
    switch (style) {
    case HeaderStyle::snake:
        return "company_name,owner_first_name,owner_last_name,phone,email,sic_code,naics_code,employee_count,"
               "annual_revenue,street,city,state,zip,website,years_in_business";
    case HeaderStyle::title:
        return "Company Name,Owner First Name,Owner Last Name,Phone,Email,SIC Code,NAICS Code,Employee Count,"
               "Annual Revenue,Street,City,State,Zip,Website,Years In Business";
    case HeaderStyle::camel: break;
    }
    return "companyName,ownerFirstName,ownerLastName,phone,email,sicCode,naicsCode,employeeCount,"
           "annualRevenue,street,city,state,zip,website,yearsInBusiness";
}
constexpr int kColumns = 15;

constexpr std::string_view kTruthHeader = "row_number,person_id,business_id,is_bad_row,defect";

// Deliberate defects. The first two make a row the importer must reject (is_bad_row = 1).
enum class Defect : std::uint8_t { none, column_count, utf8, revenue, email, phone };
constexpr const char *kDefectNames[] = {"", "column_count", "utf8", "revenue", "email", "phone"};
bool rejects_row(Defect d) { return d == Defect::column_count || d == Defect::utf8; }

struct Summary {
    std::uint64_t rows = 0;
    std::uint64_t persons = 0;
    std::uint64_t businesses = 0;
    std::uint64_t repeat_rows = 0;  // rows whose person appeared in an earlier row
    std::uint64_t bad_rows = 0;     // is_bad_row = 1
    std::uint64_t field_defects = 0;
    std::uint64_t bytes = 0;
    double seconds = 0;
};

// ================================================================================================
// Entities.
// ================================================================================================
enum PhoneKind : std::uint8_t { kNoPhone, kMobile, kMainLine, kHomePhone };
enum EmailKind : std::uint8_t { kNoEmail, kPersonal, kWork, kGeneric, kFamily };
enum Role : std::uint8_t { kOwner, kStaff, kHouseholdCoOwner };

struct Address {
    std::uint16_t number = 0;
    std::uint16_t name = 0;
    std::uint8_t predir = 0, postdir = 0, suffix = 0, unit_kind = kNoUnit;
    std::uint16_t unit_no = 0;
    char unit_letter = 0;
};

struct Business {
    std::uint32_t zip = 0;
    std::uint8_t trade = 0;
    std::uint8_t legal = kNoLegal;
    std::uint8_t legal_spelling = 0;
    bool legal_comma = false;
    bool home_based = false;
    std::uint8_t website_style = 0;  // 0: none
    std::uint8_t years = 0;
    std::uint16_t plus4 = 0;
    std::int32_t household = -1;
    std::uint32_t employees = 0;
    std::uint64_t revenue = 0;
    std::uint64_t main_line = 0;
    Str name, domain, generic_email;
    Address addr;
};

struct Person {
    std::uint16_t first = 0;  // index into given_
    std::uint16_t last = 0;   // index into kSurnames
    char middle = 0;
    std::uint8_t gen_suffix = 0;  // 0 none, 1 Jr, 2 Sr, 3 III
    bool female = false;
    std::int32_t household = -1;
    std::uint64_t mobile = 0;
    Str personal_email;
};

struct Household {
    std::uint64_t home_phone = 0;
    Str family_email;
    std::uint32_t members[4] = {};
    std::uint8_t count = 0;
};

struct Lead {
    std::uint32_t person = 0;
    std::uint32_t business = 0;
    Role role = kOwner;
    PhoneKind phone_pref = kMainLine;
    EmailKind email_pref = kPersonal;
    Str work_email;
};

struct Given {
    std::string_view name;
    std::vector<std::string_view> nicknames;
};

// ================================================================================================
// The generator: creates entities as rows need them and renders each row.
// ================================================================================================
class Generator {
public:
    Generator(const Options &opt, const Geo &geo)
        : opt_(opt), geo_(geo), rng_(opt.seed), bad_rng_(opt.seed ^ 0x5DEECE66DULL)
    {
        for (const auto &g : kMaleNames) given_.push_back({g.name, split_bar(g.nicknames)});
        male_count_ = given_.size();
        for (const auto &g : kFemaleNames) given_.push_back({g.name, split_bar(g.nicknames)});
        male_pick_ = zipf(male_count_, 10, 1.0);
        female_pick_ = zipf(given_.size() - male_count_, 10, 1.0);
        surname_pick_ = zipf(sizeof kSurnames / sizeof kSurnames[0], 20, 1.0);
        for (const auto &s : kSuffixes) suffix_pick_.add(s.weight);
        for (const auto &p : kProviders) provider_pick_.add(p.weight);
    }

    // Appends row `row_number` (1-based) to `csv` and its truth line to `truth` (may be null).
    void emit(std::uint64_t row_number, Writer &csv, Writer *truth)
    {
        std::uint32_t lead_index;
        bool repeat = false;
        if (!leads_.empty() && rng_.chance(opt_.dup_rate)) {
            repeat = true;
            lead_index = repeat_lead();
        } else {
            lead_index = new_lead();
        }
        // Defects come from their own random stream and only overwrite what the row would have
        // been, so one seed gives the same entities and clean rows at any --bad-rows.
        Defect defect = Defect::none;
        if (bad_rng_.chance(opt_.bad_rate)) {
            // column_count, utf8 (rejected rows); revenue, email, phone (field-level warnings)
            static constexpr double kMix[] = {0.25, 0.15, 0.20, 0.20, 0.20};
            defect = static_cast<Defect>(1 + pick_weighted(bad_rng_, kMix));
        }
        const Lead lead = leads_[lead_index];
        render(lead, repeat, defect);
        row_ += opt_.crlf ? "\r\n" : "\n";
        csv.write(row_);

        ++summary_.rows;
        if (repeat) ++summary_.repeat_rows;
        if (rejects_row(defect))
            ++summary_.bad_rows;
        else if (defect != Defect::none)
            ++summary_.field_defects;
        if (truth) {
            line_.clear();
            append_uint(line_, row_number);
            line_ += ',';
            append_uint(line_, lead.person + 1);
            line_ += ',';
            append_uint(line_, lead.business + 1);
            line_ += rejects_row(defect) ? ",1," : ",0,";
            line_ += kDefectNames[static_cast<int>(defect)];
            line_ += opt_.crlf ? "\r\n" : "\n";
            truth->write(line_);
        }
    }

    // Counts so far; every person and business created has appeared in at least one row.
    Summary summary() const
    {
        Summary s = summary_;
        s.persons = persons_.size();
        s.businesses = businesses_.size();
        return s;
    }

    // Read access for tests.
    const std::vector<Business> &businesses() const { return businesses_; }
    const std::vector<Person> &persons() const { return persons_; }
    const std::vector<Household> &households() const { return households_; }
    const std::vector<Lead> &leads() const { return leads_; }

private:
    // ---- choosing what a row is about -----------------------------------------------------------

    // A repeat of an earlier person: usually an earlier lead again; sometimes the same owner with
    // a second business.
    std::uint32_t repeat_lead()
    {
        const std::uint32_t earlier = rng_.below(leads_.size());
        if (leads_[earlier].role == kOwner && rng_.chance(0.03)) {
            const std::uint32_t person = leads_[earlier].person;
            const Business &first = businesses_[leads_[earlier].business];
            // A second business in the same state, in another trade.
            const auto &same_state = geo_.zips_by_state[geo_.zips[first.zip].state];
            const std::uint32_t zip = same_state[rng_.below(same_state.size())];
            int trade = static_cast<int>(rng_.below(kTradeCount));
            if (trade == first.trade) trade = (trade + 1) % static_cast<int>(kTradeCount);
            const std::uint32_t b = new_business(person, zip, trade, nullptr);
            return add_lead(person, b, kOwner);
        }
        return earlier;
    }

    // A row that introduces a person not seen before.
    std::uint32_t new_lead()
    {
        const double r = leads_.empty() ? 0.0 : rng_.unit();
        if (r >= 0.77 && r < 0.89) return new_colleague();
        if (r >= 0.89 && r < 0.96) {
            const std::uint32_t l = new_household_member();
            if (l != kNone) return l;
        }
        if (r >= 0.96) return new_namesake();
        return new_owner();
    }

    static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

    // A new owner with a new business at a ZIP drawn by population.
    std::uint32_t new_owner()
    {
        const std::uint32_t zip = static_cast<std::uint32_t>(geo_.zip_weights.pick(rng_));
        const bool female = rng_.chance(0.4);
        const std::uint32_t p = new_person(female, -1, -1, geo_.zips[zip].state);
        const std::uint32_t b = new_business(p, zip, -1, nullptr);
        return add_lead(p, b, kOwner);
    }

    // A second person at an existing business: a partner or office manager who is listed with the
    // business main line and often the shared info@/office@ mailbox (the shared-line hard case).
    std::uint32_t new_colleague()
    {
        const std::uint32_t b = rng_.below(businesses_.size());
        const std::uint32_t p = new_person(rng_.chance(0.55), -1, -1, geo_.zips[businesses_[b].zip].state);
        return add_lead(p, b, kStaff);
    }

    // A family member at the home address of an earlier home-based owner: same surname, another
    // first name, sometimes a shared home phone or family e-mail; either co-owner of the family
    // business or owner of a second business run from the same house (the household hard case).
    std::uint32_t new_household_member()
    {
        std::uint32_t anchor = kNone;
        for (int attempt = 0; attempt < 12 && anchor == kNone; ++attempt) {
            const std::uint32_t l = rng_.below(leads_.size());
            const Business &b = businesses_[leads_[l].business];
            if (leads_[l].role == kOwner && b.home_based) {
                const std::int32_t h = persons_[leads_[l].person].household;
                if (h < 0 || households_[h].count < 4) anchor = l;
            }
        }
        if (anchor == kNone) return kNone;
        const std::uint32_t owner = leads_[anchor].person;
        const std::uint32_t home = leads_[anchor].business;
        std::int32_t h = persons_[owner].household;
        if (h < 0) {
            h = static_cast<std::int32_t>(households_.size());
            Household hh;
            const std::uint8_t state = geo_.zips[businesses_[home].zip].state;
            if (rng_.chance(0.5)) hh.home_phone = new_phone(state);
            if (rng_.chance(0.3)) hh.family_email = family_email(persons_[owner]);
            hh.members[hh.count++] = owner;
            households_.push_back(hh);
            persons_[owner].household = h;
            businesses_[home].household = h;
        }
        // Another first name that no member already has, not even as a nickname.
        const bool female = rng_.chance(0.85) ? !persons_[owner].female : persons_[owner].female;
        int first = -1;
        for (int attempt = 0; attempt < 20 && first < 0; ++attempt) {
            const int cand = draw_given(female);
            bool clash = false;
            for (std::uint8_t m = 0; m < households_[h].count; ++m)
                clash = clash || names_clash(cand, persons_[households_[h].members[m]].first);
            if (!clash) first = cand;
        }
        if (first < 0) return kNone;
        const std::uint8_t state = geo_.zips[businesses_[home].zip].state;
        const std::uint32_t p = new_person(female, first, persons_[owner].last, state);
        persons_[p].household = h;
        households_[h].members[households_[h].count++] = p;
        if (rng_.chance(0.55)) return add_lead(p, home, kHouseholdCoOwner);
        int trade = static_cast<int>(rng_.below(kTradeCount));
        while (!kTrades[trade].home_based_ok || trade == businesses_[home].trade)
            trade = static_cast<int>(rng_.below(kTradeCount));
        const std::uint32_t b = new_business(p, businesses_[home].zip, trade, &businesses_[home]);
        businesses_[b].household = h;
        return add_lead(p, b, kOwner);
    }

    // A different person with the same first and last name as an earlier one, elsewhere (the
    // "John Smith in another city" hard case).
    std::uint32_t new_namesake()
    {
        const Person &model = persons_[rng_.below(persons_.size())];
        const bool female = model.female;
        const int first = model.first, last = model.last;
        std::uint32_t zip = static_cast<std::uint32_t>(geo_.zip_weights.pick(rng_));
        const std::uint32_t p = new_person(female, first, last, geo_.zips[zip].state);
        const std::uint32_t b = new_business(p, zip, -1, nullptr);
        return add_lead(p, b, kOwner);
    }

    // Records a lead with the phone and e-mail its rows usually show.
    std::uint32_t add_lead(std::uint32_t person, std::uint32_t business, Role role)
    {
        Lead l;
        l.person = person;
        l.business = business;
        l.role = role;
        const Person &p = persons_[person];
        const Business &b = businesses_[business];
        if (!b.domain.empty() && role != kHouseholdCoOwner && rng_.chance(0.8)) l.work_email = work_email(p, b);
        const bool home = p.household >= 0 && households_[p.household].home_phone != 0;
        const bool family = p.household >= 0 && !households_[p.household].family_email.empty();
        const double r = rng_.unit();
        switch (role) {
        case kOwner: l.phone_pref = p.mobile && r < 0.55 ? kMobile : kMainLine; break;
        case kStaff: l.phone_pref = p.mobile && r < 0.3 ? kMobile : kMainLine; break;
        case kHouseholdCoOwner:
            l.phone_pref = home && r < 0.45 ? kHomePhone : (p.mobile && r < 0.8 ? kMobile : kMainLine);
            break;
        }
        const double e = rng_.unit();
        if (role == kStaff && !b.generic_email.empty() && e < 0.5)
            l.email_pref = kGeneric;
        else if (family && e < 0.35)
            l.email_pref = kFamily;
        else if (!l.work_email.empty() && e < 0.65)
            l.email_pref = kWork;
        else if (!b.generic_email.empty() && e < 0.75)
            l.email_pref = kGeneric;
        else
            l.email_pref = kPersonal;
        leads_.push_back(l);
        return static_cast<std::uint32_t>(leads_.size() - 1);
    }

    // ---- persons ------------------------------------------------------------------------------

    int draw_given(bool female)
    {
        if (female) return static_cast<int>(male_count_ + female_pick_.pick(rng_));
        return static_cast<int>(male_pick_.pick(rng_));
    }

    // True when two given names could be read as the same person's (equal, or sharing a nickname).
    bool names_clash(int a, int b) const
    {
        if (a == b || given_[a].name == given_[b].name) return true;
        for (auto x : given_[a].nicknames) {
            if (x == given_[b].name) return true;
            for (auto y : given_[b].nicknames)
                if (x == y) return true;
        }
        for (auto y : given_[b].nicknames)
            if (y == given_[a].name) return true;
        return false;
    }

    // A new person living in `state`; first/last forced when >= 0.
    std::uint32_t new_person(bool female, int first, int last, std::uint8_t state)
    {
        Person p;
        p.female = female;
        p.first = static_cast<std::uint16_t>(first >= 0 ? first : draw_given(female));
        p.last = static_cast<std::uint16_t>(last >= 0 ? last : static_cast<int>(surname_pick_.pick(rng_)));
        p.middle = static_cast<char>('A' + rng_.below(26));
        if (!female && rng_.chance(0.015))  // Jr, Sr, III
            p.gen_suffix = static_cast<std::uint8_t>(1 + pick_weighted(rng_, {0.6, 0.25, 0.15}));
        if (rng_.chance(0.85)) {
            // Most keep a number of their state; a few kept one from where they lived before.
            const std::uint8_t home = rng_.chance(0.94) ? state : static_cast<std::uint8_t>(rng_.below(kStateCount));
            p.mobile = new_phone(home);
        }
        p.personal_email = personal_email(p);
        persons_.push_back(p);
        return static_cast<std::uint32_t>(persons_.size() - 1);
    }

    // A fresh, never-used phone number in an area code of `state`: NXX starts 2-9 and avoids
    // N11, 555 and the reserved 950/958/959/976 exchanges, and libphonenumber (the importer's
    // judge) must accept the NPA-NXX: it does not yet know some newly opened area codes.
    std::uint64_t new_phone(std::uint8_t state)
    {
        const auto &npas = geo_.area_codes[state];
        for (int attempt = 0;; ++attempt) {
            if (attempt > 100000)
                throw std::runtime_error(std::string("no valid phone number for ") + kStates[state].code);
            const std::uint64_t npa = npas[rng_.below(npas.size())];
            const std::uint64_t nxx = 200 + rng_.below(800);
            if (nxx % 100 == 11 || nxx == 555 || nxx == 950 || nxx == 958 || nxx == 959 || nxx == 976) continue;
            const std::uint64_t n = npa * 10000000ULL + nxx * 10000ULL + rng_.below(10000);
            if (!exchange_valid(npa * 1000 + nxx, n)) continue;
            if (phones_.insert(n)) return n;
        }
    }

    // Whether libphonenumber accepts numbers of this NPA-NXX, asked once per exchange (validity
    // of US numbers does not depend on the last four digits in its metadata).
    bool exchange_valid(std::uint64_t npa_nxx, std::uint64_t sample)
    {
        std::uint8_t &known = exchange_validity_[npa_nxx];
        if (known == 0) {
            std::string digits;
            append_uint(digits, sample);
            const auto r = outreach::normalize_phone(digits, "US");
            known = r.ok() && r.value().has_value() ? 1 : 2;
        }
        return known == 1;
    }

    // Stores `candidate` as an e-mail if unused; else retries with a number appended to the
    // local part (as people do when their first choice is taken).
    Str unique_email(std::string &candidate, std::size_t at)
    {
        if (emails_.insert(hash_str(candidate, 1))) return pool_.add(candidate);
        const std::string domain = candidate.substr(at);
        const std::string local = candidate.substr(0, at);
        for (int attempt = 0;; ++attempt) {
            candidate = local;
            append_uint(candidate, attempt < 8 ? 10 + rng_.below(90) : 100 + rng_.below(9900));
            candidate += domain;
            if (emails_.insert(hash_str(candidate, 1))) return pool_.add(candidate);
        }
    }

    // first.last@gmail.com and the other shapes people pick for a personal mailbox.
    Str personal_email(const Person &p)
    {
        std::string &e = scratch_email_;
        e.clear();
        const std::string_view first = given_[p.first].name, last = kSurnames[p.last];
        static constexpr double kShapes[] = {30, 14, 15, 5, 10, 8, 4, 10, 4};
        switch (pick_weighted(rng_, kShapes)) {
        case 0: append_alnum_lower(e, first), e += '.', append_alnum_lower(e, last); break;
        case 1: append_alnum_lower(e, first), append_alnum_lower(e, last); break;
        case 2: e += initial_lower(first), append_alnum_lower(e, last); break;
        case 3: append_alnum_lower(e, first), e += '_', append_alnum_lower(e, last); break;
        case 4:
            append_alnum_lower(e, first), e += '.', append_alnum_lower(e, last);
            append_uint(e, 10 + rng_.below(90));
            break;
        case 5: append_alnum_lower(e, first), append_uint(e, 10 + rng_.below(90)); break;
        case 6: append_alnum_lower(e, last), append_alnum_lower(e, first); break;
        case 7: e += initial_lower(first), append_alnum_lower(e, last), append_uint(e, 10 + rng_.below(90)); break;
        default:
            append_alnum_lower(e, first), e += '.', e += static_cast<char>(p.middle | 0x20), e += '.';
            append_alnum_lower(e, last);
        }
        const std::size_t at = e.size();
        e += '@';
        e += kProviders[provider_pick_.pick(rng_)].domain;
        return unique_email(e, at);
    }

    // jsmith@ / john@ / john.smith@ at the business domain.
    Str work_email(const Person &p, const Business &b)
    {
        std::string &e = scratch_email_;
        e.clear();
        const std::string_view first = given_[p.first].name, last = kSurnames[p.last];
        switch (rng_.below(4)) {
        case 0: e += initial_lower(first), append_alnum_lower(e, last); break;
        case 1: append_alnum_lower(e, first); break;
        case 2: append_alnum_lower(e, first), e += '.', append_alnum_lower(e, last); break;
        default: append_alnum_lower(e, first), e += initial_lower(last); break;
        }
        const std::size_t at = e.size();
        e += '@';
        e += pool_.get(b.domain);
        return unique_email(e, at);
    }

    // smithfamily@yahoo.com, thesmiths@gmail.com, smithhome@aol.com.
    Str family_email(const Person &owner)
    {
        std::string &e = scratch_email_;
        e.clear();
        switch (rng_.below(3)) {
        case 0: append_alnum_lower(e, kSurnames[owner.last]), e += "family"; break;
        case 1: e += "the", append_alnum_lower(e, kSurnames[owner.last]), e += 's'; break;
        default: append_alnum_lower(e, kSurnames[owner.last]), e += "home"; break;
        }
        const std::size_t at = e.size();
        e += '@';
        e += kProviders[provider_pick_.pick(rng_)].domain;
        return unique_email(e, at);
    }

    // ---- businesses ---------------------------------------------------------------------------

    // A new business owned by `owner` at `zip`; trade drawn when < 0; `same_place` copies the
    // street address (a second business run from one home).
    std::uint32_t new_business(std::uint32_t owner, std::uint32_t zip, int trade, const Business *same_place)
    {
        Business b;
        b.zip = zip;
        b.trade = static_cast<std::uint8_t>(trade >= 0 ? trade : static_cast<int>(rng_.below(kTradeCount)));
        const Trade &t = kTrades[b.trade];
        const Zip &z = geo_.zips[zip];
        if (same_place) {
            b.addr = same_place->addr;
            b.plus4 = same_place->plus4;
            b.home_based = true;
        } else {
            b.home_based = t.home_based_ok && rng_.chance(0.3);
            b.addr = new_address(b.home_based);
            b.plus4 = static_cast<std::uint16_t>(1 + rng_.below(9999));
        }

        // A name not already used by another business of the same town, compared as a matching
        // key would ("&" read as "and", punctuation and case ignored; legal suffixes come later).
        std::string &name = scratch_name_;
        for (int attempt = 0;; ++attempt) {
            compose_business_name(name, t, b.trade, persons_[owner], z.city);
            business_key(scratch_, name);
            if (names_.insert(hash_str(scratch_, 2 + z.city)) || attempt > 30) break;
        }
        b.name = pool_.add(name);

        // Legal form by kind of practice.
        static constexpr double kGeneral[] = {30, 35, 21, 5, 7, 2, 0, 0, 0, 0};
        static constexpr double kProfessional[] = {25, 8, 0, 0, 0, 0, 25, 20, 10, 12};
        static constexpr double kMedical[] = {35, 10, 5, 0, 0, 0, 20, 20, 10, 0};
        b.legal = static_cast<std::uint8_t>(pick_weighted(rng_, t.family == LegalFamily::general        ? kGeneral
                                                                : t.family == LegalFamily::professional ? kProfessional
                                                                                                        : kMedical));
        b.legal_spelling = static_cast<std::uint8_t>(pick_weighted(rng_, {0.72, 0.24, 0.04}));
        b.legal_comma = rng_.chance(0.25);

        // Web domain (most businesses), a shared mailbox (some).
        if (rng_.chance(0.7)) {
            std::string &d = scratch_email_;
            d.clear();
            append_alnum_lower(d, name);
            if (d.size() > 28) d.resize(28);
            static constexpr const char *kTld[] = {".com", ".net", ".biz", ".us", ".co"};
            const char *tld = kTld[pick_weighted(rng_, {80, 10, 4, 3, 3})];
            const std::size_t stem = d.size();
            d += tld;
            for (int attempt = 0; !domains_.insert(hash_str(d, 3)); ++attempt) {
                d.resize(stem);
                if (attempt == 0)
                    append_alnum_lower(d, kCities[z.city].name);
                else if (attempt == 1)
                    append_alnum_lower(d, kStates[z.state].code);
                else
                    append_uint(d, 2 + rng_.below(98));
                d += tld;
            }
            b.domain = pool_.add(d);
            if (rng_.chance(0.45)) {
                std::string &g = scratch_email_;
                g.assign(kGenericMailboxes[rng_.below(std::size(kGenericMailboxes))]);
                const std::size_t at = g.size();
                g += '@';
                g += pool_.get(b.domain);
                b.generic_email = unique_email(g, at);
            }
            b.website_style = rng_.chance(0.75) ? static_cast<std::uint8_t>(1 + rng_.below(4)) : 0;
        } else if (rng_.chance(0.3)) {
            std::string &g = scratch_email_;
            g.clear();
            append_alnum_lower(g, name);
            if (g.size() > 24) g.resize(24);
            const std::size_t at = g.size();
            g += rng_.chance(0.7) ? "@gmail.com" : "@yahoo.com";
            b.generic_email = unique_email(g, at);
        }

        b.main_line = new_phone(z.state);
        static constexpr double kSizes[] = {55, 22, 12, 7, 3, 1};
        static constexpr int kSizeLo[] = {1, 5, 10, 20, 50, 100}, kSizeHi[] = {4, 9, 19, 49, 99, 249};
        const std::size_t bucket = pick_weighted(rng_, kSizes);
        b.employees = static_cast<std::uint32_t>(rng_.between(kSizeLo[bucket], kSizeHi[bucket]));
        // Revenue: employees x the trade's revenue per employee x a log-normal-ish spread.
        const double spread = std::exp(0.35 * ((rng_.unit() + rng_.unit() + rng_.unit() + rng_.unit()) - 2.0) * 1.7);
        const double revenue = b.employees * t.rev_per_employee * 1000.0 * spread;
        b.revenue = std::max<std::uint64_t>(25000, static_cast<std::uint64_t>(revenue / 1000.0 + 0.5) * 1000);
        const std::uint32_t age = rng_.below(12) + rng_.below(12) + rng_.below(30);
        b.years = static_cast<std::uint8_t>(1 + std::min<std::uint32_t>(59, age));
        businesses_.push_back(b);
        return static_cast<std::uint32_t>(businesses_.size() - 1);
    }

    // A street address; home-based businesses get no suite (sometimes an apartment).
    Address new_address(bool home)
    {
        Address a;
        static constexpr double kDigits[] = {5, 15, 35, 40, 5};
        static constexpr int kLo[] = {1, 10, 100, 1000, 10000}, kHi[] = {9, 99, 999, 9999, 39999};
        const std::size_t d = pick_weighted(rng_, kDigits);
        a.number = static_cast<std::uint16_t>(rng_.between(kLo[d], std::min(kHi[d], 65535)));
        a.name = static_cast<std::uint16_t>(rng_.below(std::size(kStreetNames)));
        a.suffix = static_cast<std::uint8_t>(suffix_pick_.pick(rng_));
        if (rng_.chance(0.15))
            a.predir = static_cast<std::uint8_t>(1 + rng_.below(rng_.chance(0.8) ? 4 : 8));
        else if (rng_.chance(0.05))
            a.postdir = static_cast<std::uint8_t>(1 + rng_.below(8));
        if (home) {
            if (rng_.chance(0.15)) {
                a.unit_kind = kApt;
                a.unit_no = static_cast<std::uint16_t>(1 + rng_.below(40));
                if (rng_.chance(0.3)) a.unit_letter = static_cast<char>('A' + rng_.below(6));
            }
        } else if (rng_.chance(0.35)) {
            static constexpr double kKinds[] = {0, 70, 20, 0, 10};
            a.unit_kind = static_cast<std::uint8_t>(pick_weighted(rng_, kKinds));
            a.unit_no = static_cast<std::uint16_t>(a.unit_kind == kFloor ? 2 + rng_.below(8)
                                                   : rng_.chance(0.6)    ? 100 * (1 + rng_.below(5)) + rng_.below(20)
                                                                         : 1 + rng_.below(30));
            if (a.unit_kind != kFloor && rng_.chance(0.15)) a.unit_letter = static_cast<char>('A' + rng_.below(4));
        }
        return a;
    }

    // The name part before any legal suffix: "<Surname> Plumbing", "<Surname> & Sons Roofing",
    // "<Adjective> HVAC", "<City> Dental", "Bob's Auto Repair", "J&M Electric", and for law and
    // accounting practices "<Surname> & Associates", "<A>, <B> & <C>", "Law Offices of <Name>".
    void compose_business_name(std::string &out, const Trade &t, std::size_t trade_index, const Person &owner,
                               std::uint16_t city)
    {
        out.clear();
        const std::string_view word = t.words[rng_.below(3)];
        const std::string_view last = kSurnames[owner.last];
        const std::string_view first = given_[owner.first].name;
        const bool law = trade_index == kLawTrade;
        if (t.family == LegalFamily::professional && rng_.chance(0.5)) {
            switch (rng_.below(3)) {
            case 0:
                out.append(last).append(" & Associates");
                if (!law) out.append(" ").append(word);
                return;
            case 1:
                out.append(last);
                if (law) {
                    out.append(", ").append(kSurnames[surname_pick_.pick(rng_)]);
                    out.append(" & ").append(kSurnames[surname_pick_.pick(rng_)]);
                } else {
                    out.append(" & ").append(kSurnames[surname_pick_.pick(rng_)]).append(" ").append(word);
                }
                return;
            default:
                if (law)
                    out.append("Law Offices of ").append(first).append(" ").append(last);
                else
                    out.append(first).append(" ").append(last).append(" ").append(word);
                return;
            }
        }
        static constexpr double kPatterns[] = {32, 6, 27, 17, 12, 6};
        switch (pick_weighted(rng_, kPatterns)) {
        case 0: out.append(last); break;
        case 1: {
            static constexpr const char *kFamily[] = {" & Sons", " and Sons", " Brothers", " & Daughters"};
            out.append(last).append(kFamily[pick_weighted(rng_, {60, 15, 20, 5})]);
            break;
        }
        case 2: out.append(kAdjectives[rng_.below(std::size(kAdjectives))]); break;
        case 3: out.append(kCities[city].name); break;
        case 4: {
            const auto &nicks = given_[owner.first].nicknames;
            out.append(!nicks.empty() && rng_.chance(0.5) ? nicks[rng_.below(nicks.size())] : first).append("'s");
            break;
        }
        default:
            out += static_cast<char>(initial_lower(first) - 32);
            out += '&';
            out += static_cast<char>('A' + rng_.below(26));
            break;
        }
        out.append(" ").append(word);
    }

    // ---- rendering a row ----------------------------------------------------------------------

    void field(std::string_view v)
    {
        if (fields_++) row_ += ',';
        append_csv_field(row_, v);
    }

    // Renders one data row (no line end) into row_.
    void render(const Lead &lead, bool repeat, Defect defect)
    {
        row_.clear();
        fields_ = 0;
        const Business &b = businesses_[lead.business];
        const Person &p = persons_[lead.person];
        const Zip &z = geo_.zips[b.zip];
        const bool ascii_only = rng_.chance(0.12);   // the source system drops accents
        const bool spreadsheet = rng_.chance(0.04);  // opened and saved in a spreadsheet

        // companyName
        std::string &s = scratch_;
        render_company(s, b, repeat);
        if (ascii_only) strip_accents(s);
        const bool extra_column = defect == Defect::column_count && bad_rng_.chance(0.5);
        if (extra_column) {
            // An unquoted comma: the row gets one column too many.
            row_.append(kSurnames[p.last]).append(", ").append(kSurnames[surname_pick_.pick(bad_rng_)]);
            row_.append(" & Associates");
            fields_ = 1;
        } else {
            field(s);
        }

        // ownerFirstName, ownerLastName
        render_names(p, repeat, ascii_only);
        field(first_);
        field(last_);

        // phone
        render_phone_field(s, lead, p, b, repeat);
        if (defect == Defect::phone) s = kBadPhone[bad_rng_.below(std::size(kBadPhone))];
        field(s);

        // email
        render_email_field(s, lead, p, b, repeat);
        if (defect == Defect::email) render_bad_email(s, p);
        field(s);

        // sicCode, naicsCode
        const Trade &t = kTrades[b.trade];
        std::string_view sic = t.sic;
        if (spreadsheet)
            while (sic.size() > 1 && sic.front() == '0') sic.remove_prefix(1);
        field(rng_.chance(0.01) ? "" : sic);
        field(rng_.chance(0.02) ? "" : t.naics);

        // employeeCount, annualRevenue
        s.clear();
        if (!rng_.chance(0.04)) append_uint(s, b.employees);
        field(s);
        s.clear();
        if (!rng_.chance(0.07)) append_uint(s, b.revenue);
        if (defect == Defect::revenue) s = kBadRevenue[bad_rng_.below(std::size(kBadRevenue))];
        field(s);

        // street, city
        const bool address_caps = rng_.chance(0.05);
        render_street(s, b.addr, repeat);
        if (address_caps) to_upper(s);
        field(rng_.chance(0.01) ? std::string_view() : std::string_view(s));
        s.assign(kCities[z.city].name);
        if (repeat && rng_.chance(0.3)) abbreviate_city(s);
        if (address_caps) to_upper(s);
        if (ascii_only) strip_accents(s);
        field(rng_.chance(0.01) ? std::string_view() : std::string_view(s));

        // state: usually the code, sometimes the name or a lower-case code
        const StateInfo &st = kStates[z.state];
        const double r = rng_.unit();
        if (r < 0.92)
            field(st.code);
        else if (r < 0.98)
            field(st.name);
        else {
            s.assign(st.code);
            to_lower(s);
            field(s);
        }

        // zip: ZIP+4 sometimes; leading zeros lost after a spreadsheet
        s.assign(z.code, 5);
        if (rng_.chance(0.08)) {
            s += '-';
            for (unsigned div = 1000; div; div /= 10) s += static_cast<char>('0' + b.plus4 / div % 10);
        } else if (spreadsheet) {
            while (s.size() > 1 && s.front() == '0') s.erase(0, 1);
        }
        field(s);

        // website, yearsInBusiness (not in the mapping)
        s.clear();
        if (b.website_style && !rng_.chance(0.1)) {
            static constexpr const char *kPrefix[] = {"", "www.", "https://www.", "", "http://"};
            s += kPrefix[b.website_style];
            s += pool_.get(b.domain);
            if (b.website_style == 4) s += '/';
        }
        field(s);
        s.clear();
        if (!rng_.chance(0.25)) append_uint(s, b.years);
        field(s);

        if (defect == Defect::column_count && !extra_column) {
            // Drop the last column: a truncated line.
            row_.resize(row_.rfind(','));
        } else if (defect == Defect::utf8) {
            corrupt_utf8(row_);
        }
    }

    // The phone this row shows (see choose_phone) in this row's layout; a business line sometimes
    // with an extension.
    void render_phone_field(std::string &s, const Lead &lead, const Person &p, const Business &b, bool repeat)
    {
        s.clear();
        const PhoneKind kind = choose_phone(lead, p, repeat);
        if (kind == kNoPhone) return;
        render_phone(s, kind == kMobile     ? p.mobile
                        : kind == kMainLine ? b.main_line
                                            : households_[p.household].home_phone);
        if (kind == kMainLine && rng_.chance(0.05)) {
            static constexpr const char *kExt[] = {" x", " ext. ", " ext ", " #"};
            s += kExt[rng_.below(4)];
            append_uint(s, 1 + rng_.below(rng_.chance(0.5) ? 30 : 400));
        }
    }

    // The e-mail this row shows (see choose_email), sometimes in capitals or with stray spaces.
    void render_email_field(std::string &s, const Lead &lead, const Person &p, const Business &b, bool repeat)
    {
        s.clear();
        const EmailKind kind = choose_email(lead, p, b, repeat);
        if (kind == kNoEmail) return;
        s.assign(pool_.get(kind == kPersonal  ? p.personal_email
                           : kind == kWork    ? lead.work_email
                           : kind == kGeneric ? b.generic_email
                                              : households_[p.household].family_email));
        const double r = rng_.unit();
        if (r < (repeat ? 0.04 : 0.01)) {
            to_upper(s);
        } else if (r < (repeat ? 0.09 : 0.02)) {  // John.smith@Gmail.com
            if (s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 32);
            const std::size_t at = s.find('@');
            if (at + 1 < s.size() && s[at + 1] >= 'a' && s[at + 1] <= 'z')
                s[at + 1] = static_cast<char>(s[at + 1] - 32);
        }
        if (rng_.chance(repeat ? 0.04 : 0.01)) {
            if (rng_.chance(0.5))
                s.insert(0, " ");
            else
                s += rng_.chance(0.5) ? " " : "\t";
        }
    }

    // Company name with the variations of another list: "&"/"and", a legal suffix spelled
    // differently, changed or dropped, a typo, capitals.
    void render_company(std::string &s, const Business &b, bool repeat)
    {
        s.assign(pool_.get(b.name));
        std::uint8_t legal = b.legal, spelling = b.legal_spelling;
        bool comma = b.legal_comma;
        if (repeat) {
            if (rng_.chance(0.3)) {
                if (!replace_all(s, " & ", " and ")) replace_all(s, " and ", " & ");
            }
            if (rng_.chance(0.04)) typo(s, rng_);
            const double r = rng_.unit();
            if (legal != kNoLegal) {
                if (r < 0.07)
                    legal = kNoLegal;
                else if (r < 0.15)
                    spelling = static_cast<std::uint8_t>((spelling + 1 + rng_.below(2)) % 3);
                else if (r < 0.18)
                    legal = static_cast<std::uint8_t>(kLLC + rng_.below(2));  // LLC <-> Inc confusion
            } else if (r < 0.05) {
                legal = kLLC;
            }
            if (rng_.chance(0.1)) comma = !comma;
        }
        if (legal != kNoLegal) {
            s += comma ? ", " : " ";
            s += kLegal[legal].spellings[spelling];
        }
        if (rng_.chance(0.04)) to_upper(s);
    }

    // First and last name with the variations of another list: nickname (or Robert "Bob"), typo,
    // middle initial, generational suffix, capitals, accents dropped, first and last swapped.
    void render_names(const Person &p, bool repeat, bool ascii_only)
    {
        const Given &g = given_[p.first];
        const double nick = repeat && !g.nicknames.empty() ? rng_.unit() : 1.0;
        first_.assign(nick < 0.22 ? g.nicknames[rng_.below(g.nicknames.size())] : g.name);
        if (nick >= 0.22 && nick < 0.25)  // Robert "Bob"
            first_.append(" \"").append(g.nicknames[rng_.below(g.nicknames.size())]).append("\"");
        last_.assign(kSurnames[p.last]);
        if (repeat && rng_.chance(0.05)) typo(first_, rng_);
        if (repeat && rng_.chance(0.05)) typo(last_, rng_);
        if (repeat && rng_.chance(0.08)) {
            first_ += ' ';
            first_ += p.middle;
            if (rng_.chance(0.5)) first_ += '.';
        }
        if (p.gen_suffix && rng_.chance(0.6)) {
            static constexpr const char *kGen[] = {"", "Jr", "Sr", "III"};
            last_ += rng_.chance(0.3) ? ", " : " ";
            last_ += kGen[p.gen_suffix];
            if (p.gen_suffix < 3 && rng_.chance(0.5)) last_ += '.';
        }
        const double r = rng_.unit();
        if (r < (repeat ? 0.07 : 0.03)) {
            to_upper(first_);
            to_upper(last_);
        } else if (r < (repeat ? 0.10 : 0.04)) {
            to_lower(first_);
            to_lower(last_);
        }
        if (ascii_only) {
            strip_accents(first_);
            strip_accents(last_);
        }
        if (repeat && rng_.chance(0.03)) std::swap(first_, last_);
    }

    // Which of the person's phones this row shows: usually the lead's usual one, sometimes another
    // one they have, sometimes none.
    PhoneKind choose_phone(const Lead &lead, const Person &p, bool repeat)
    {
        if (rng_.chance(repeat ? 0.10 : 0.03)) return kNoPhone;
        if (rng_.chance(0.8)) return lead.phone_pref;
        PhoneKind options[3];
        int n = 0;
        if (p.mobile) options[n++] = kMobile;
        options[n++] = kMainLine;
        if (p.household >= 0 && households_[p.household].home_phone) options[n++] = kHomePhone;
        return options[rng_.below(n)];
    }

    // Which e-mail this row shows, in the same way.
    EmailKind choose_email(const Lead &lead, const Person &p, const Business &b, bool repeat)
    {
        if (rng_.chance(repeat ? 0.12 : 0.05)) return kNoEmail;
        if (rng_.chance(0.8)) return lead.email_pref;
        EmailKind options[4];
        int n = 0;
        options[n++] = kPersonal;
        if (!lead.work_email.empty()) options[n++] = kWork;
        if (!b.generic_email.empty()) options[n++] = kGeneric;
        if (p.household >= 0 && !households_[p.household].family_email.empty()) options[n++] = kFamily;
        return options[rng_.below(n)];
    }

    // A 10-digit NANP number in one of the layouts lists use: (212) 555-0199, 212-555-0199,
    // 212.555.0199, 2125550199, +1 212 555 0199, 1-212-555-0199, +12125550199, 212 555 0199.
    void render_phone(std::string &s, std::uint64_t n)
    {
        char d[10];
        for (int i = 9; i >= 0; --i, n /= 10) d[i] = static_cast<char>('0' + n % 10);
        const std::string_view a(d, 3), x(d + 3, 3), l(d + 6, 4);
        static constexpr double kLayouts[] = {30, 30, 8, 14, 5, 5, 5, 3};
        switch (pick_weighted(rng_, kLayouts)) {
        case 0: s.append("(").append(a).append(") ").append(x).append("-").append(l); break;
        case 1: s.append(a).append("-").append(x).append("-").append(l); break;
        case 2: s.append(a).append(".").append(x).append(".").append(l); break;
        case 3: s.append(d, 10); break;
        case 4: s.append("+1 ").append(a).append(" ").append(x).append(" ").append(l); break;
        case 5: s.append("1-").append(a).append("-").append(x).append("-").append(l); break;
        case 6: s.append("+1").append(d, 10); break;
        default: s.append(a).append(" ").append(x).append(" ").append(l); break;
        }
    }

    // Street line in this row's spelling: suffix full/abbreviated/with period, directionals
    // likewise, unit designator Suite/Ste/#, sometimes after a comma or a line break.
    void render_street(std::string &s, const Address &a, bool repeat)
    {
        s.clear();
        const std::size_t suffix_style = pick_weighted(rng_, {35, 55, 10});
        const std::size_t dir_style = pick_weighted(rng_, {25, 65, 10});
        auto dir = [&](std::uint8_t d) -> const char * {
            const Directional &x = kDirectionals[d];
            return dir_style == 0 ? x.full : dir_style == 1 ? x.abbr : x.abbr_dot;
        };
        append_uint(s, a.number);
        s += ' ';
        if (a.predir) s.append(dir(a.predir)).append(" ");
        s += kStreetNames[a.name];
        const Suffix &sx = kSuffixes[a.suffix];
        s += ' ';
        if (suffix_style == 0)
            s += sx.full;
        else {
            s += sx.abbr;
            if (suffix_style == 2 && std::strcmp(sx.abbr, sx.full) != 0) s += '.';
        }
        if (a.postdir) s.append(" ").append(dir(a.postdir));
        if (a.unit_kind != kNoUnit && !(repeat && rng_.chance(0.12))) {
            const double sep = rng_.unit();
            s += sep < 0.001 ? (opt_.crlf ? "\r\n" : "\n") : sep < 0.3 ? ", " : " ";
            const char *designator = kUnits[a.unit_kind].spellings[rng_.below(4)];
            s += designator;
            if (designator[0] != '#') s += ' ';
            append_uint(s, a.unit_no);
            if (a.unit_letter) s += a.unit_letter;
        }
    }

    // Saint/St., Fort/Ft., Mount/Mt. written the other way.
    static void abbreviate_city(std::string &s)
    {
        if (replace_all(s, "St. ", "Saint ")) return;
        if (s.rfind("Fort ", 0) == 0)
            s.replace(0, 5, "Ft. ");
        else if (s.rfind("Mount ", 0) == 0)
            s.replace(0, 6, "Mt. ");
        else if (s.rfind("Saint ", 0) == 0)
            s.replace(0, 6, "St. ");
    }

    // An address an e-mail parser must refuse: missing domain, space, double @, no @.
    void render_bad_email(std::string &s, const Person &p)
    {
        s.clear();
        append_alnum_lower(s, given_[p.first].name);
        s += '.';
        append_alnum_lower(s, kSurnames[p.last]);
        switch (bad_rng_.below(5)) {
        case 0: s += '@'; break;              // john.smith@
        case 1: s += " at gmail.com"; break;  // john.smith at gmail.com
        case 2: s += "@@gmail.com"; break;    // john.smith@@gmail.com
        case 3: s += ".gmail.com"; break;     // john.smith.gmail.com
        default: s.assign(bad_rng_.chance(0.5) ? "N/A" : "none"); break;
        }
    }

    // Invalid UTF-8 as a Windows-1252 export makes it: the first accented letter written as one
    // Latin-1 byte, or else a non-breaking space as the single byte A0.
    static void corrupt_utf8(std::string &row)
    {
        const std::size_t c3 = row.find('\xC3');
        if (c3 != std::string::npos && c3 + 1 < row.size()) {
            row[c3] = static_cast<char>(static_cast<unsigned char>(row[c3 + 1]) + 0x40);
            row.erase(c3 + 1, 1);
            return;
        }
        const std::size_t space = row.find(' ');
        if (space != std::string::npos)
            row[space] = '\xA0';
        else
            row.insert(1, "\xE9");
    }

    const Options &opt_;
    const Geo &geo_;
    Rng rng_;      // entities and row variations
    Rng bad_rng_;  // deliberate defects only
    std::vector<Given> given_;
    std::size_t male_count_ = 0;
    Weighted male_pick_, female_pick_, surname_pick_, suffix_pick_, provider_pick_;

    std::vector<Business> businesses_;
    std::vector<Person> persons_;
    std::vector<Household> households_;
    std::vector<Lead> leads_;
    Pool pool_;
    KeySet phones_, emails_, domains_, names_;
    std::vector<std::uint8_t> exchange_validity_ = std::vector<std::uint8_t>(1000000, 0);  // 0 unknown, 1 valid, 2 not
    Summary summary_;

    std::string row_, line_, scratch_, scratch_name_, scratch_email_, first_, last_;  // reused buffers
    int fields_ = 0;
};

// Writes the CSV (and truth) for `opt` with the given geography; returns the summary.
Summary generate(const Options &opt, const Geo &geo)
{
    const auto start = std::chrono::steady_clock::now();
    Writer csv(opt.out);
    std::optional<Writer> truth;
    if (!opt.truth.empty()) truth.emplace(opt.truth);
    const std::string_view eol = opt.crlf ? "\r\n" : "\n";
    csv.write(header_line(opt.header));
    csv.write(eol);
    if (truth) {
        truth->write(kTruthHeader);
        truth->write(eol);
    }
    Generator gen(opt, geo);
    for (std::uint64_t row = 1; row <= opt.rows; ++row) gen.emit(row, csv, truth ? &*truth : nullptr);
    Summary s = gen.summary();
    s.bytes = csv.bytes();
    csv.close();
    if (truth) truth->close();
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
}

constexpr const char *kUsage = "usage: bench_datagen --rows N [--seed S] --out FILE.csv [--truth FILE.csv]\n"
                               "                     [--header camel|snake|title] [--bad-rows RATE] [--dup-rate RATE]\n"
                               "                     [--crlf] [--data-dir DIR] [--quiet]\n";

// Parses the command line into `opt`; returns an error message, or nullopt when it is usable.
std::optional<std::string> parse_args(int argc, const char *const *argv, Options &opt)
{
    bool have_rows = false;
    auto number = [](const char *s, double lo, double hi, double &out) {
        char *end = nullptr;
        errno = 0;
        out = std::strtod(s, &end);
        return errno == 0 && end != s && *end == '\0' && out >= lo && out <= hi;
    };
    auto integer = [](const char *s, std::uint64_t &out) {
        char *end = nullptr;
        errno = 0;
        if (*s == '-') return false;
        out = std::strtoull(s, &end, 10);
        return errno == 0 && end != s && *end == '\0';
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--crlf") {
            opt.crlf = true;
            continue;
        }
        if (a == "--quiet") {
            opt.quiet = true;
            continue;
        }
        if (i + 1 >= argc) return "missing value for " + std::string(a);
        const char *v = argv[++i];
        double d;
        if (a == "--rows") {
            if (!integer(v, opt.rows) || opt.rows == 0) return "--rows wants a positive integer";
            have_rows = true;
        } else if (a == "--seed") {
            if (!integer(v, opt.seed)) return "--seed wants a non-negative integer";
        } else if (a == "--out") {
            opt.out = v;
        } else if (a == "--truth") {
            opt.truth = v;
        } else if (a == "--header") {
            const std::string_view h = v;
            if (h == "camel")
                opt.header = HeaderStyle::camel;
            else if (h == "snake")
                opt.header = HeaderStyle::snake;
            else if (h == "title")
                opt.header = HeaderStyle::title;
            else
                return "--header wants camel, snake or title";
        } else if (a == "--bad-rows") {
            if (!number(v, 0, 1, d)) return "--bad-rows wants a rate in [0, 1]";
            opt.bad_rate = d;
        } else if (a == "--dup-rate") {
            if (!number(v, 0, 0.95, d)) return "--dup-rate wants a rate in [0, 0.95]";
            opt.dup_rate = d;
        } else if (a == "--data-dir") {
            opt.data_dir = v;
        } else {
            return "unknown option " + std::string(a);
        }
    }
    if (!have_rows) return "--rows is required";
    if (opt.out.empty()) return "--out is required";
    return std::nullopt;
}

// The whole program: parse, generate, print the one-line summary. Returns the exit status.
int run(int argc, const char *const *argv)
{
    Options opt;
    if (auto err = parse_args(argc, argv, opt)) {
        std::fprintf(stderr, "bench_datagen: %s\n%s", err->c_str(), kUsage);
        return 2;
    }
    try {
        const Geo geo = load_geo_default(opt.data_dir);
        const Summary s = generate(opt, geo);
        if (!opt.quiet)
            std::fprintf(stderr,
                         "bench_datagen: rows=%llu persons=%llu businesses=%llu repeat_rows=%llu bad_rows=%llu "
                         "field_defects=%llu bytes=%llu seconds=%.2f\n",
                         static_cast<unsigned long long>(s.rows), static_cast<unsigned long long>(s.persons),
                         static_cast<unsigned long long>(s.businesses), static_cast<unsigned long long>(s.repeat_rows),
                         static_cast<unsigned long long>(s.bad_rows), static_cast<unsigned long long>(s.field_defects),
                         static_cast<unsigned long long>(s.bytes), s.seconds);
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_datagen: %s\n", e.what());
        return 1;
    }
}

}  // namespace outreach::datagen

#ifndef OUTREACH_DATAGEN_NO_MAIN
int main(int argc, char **argv) { return outreach::datagen::run(argc, argv); }
#endif
