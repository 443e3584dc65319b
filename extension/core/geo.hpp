// Time zones of a lead from the shipped reference data (extension/data/*.csv, embedded in the
// library at build time): ZIP first, then state, then the phone's NANP area code.
#pragma once
#include "no_postgres.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outreach {

// IANA zone name of the best evidence, or nullopt when nothing is known. Empty views mean "absent".
std::optional<std::string> timezone_for(std::string_view state, std::string_view zip, std::string_view phone);

// Primary zone followed by every alternate zone of the same evidence (a ZIP split by a zone
// line, a multi-zone state or area code); empty when nothing is known.
std::vector<std::string> timezones_for(std::string_view state, std::string_view zip, std::string_view phone);

// The embedded CSV files, byte for byte as shipped; the install script loads them into tables.
// name: "us_zip", "us_zip_tz_alternates", "nanp_area_codes", "nanp_area_code_tz_alternates".
std::optional<std::string_view> reference_csv(std::string_view name);

}  // namespace outreach
