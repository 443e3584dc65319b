// `outreachd import`: streams a CSV file into PostgreSQL with COPY and resolves it there
// (docs/architecture.md, "outreachd import"). The file is parsed here by the same reader the SQL
// function outreach.parse_csv uses; everything else (mapping, normalization, resolution) happens
// in SQL.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace outreach::worker {

struct ImportOptions {
    std::string team;
    std::string preset = "usdatabiz";
    std::string map_json = "{}";  // {"field": "header", ...} from --map
    std::string dsn;              // empty: libpq's PG* environment variables
    std::string name;             // data source name (default: the file's name)
    char delimiter = ',';
    bool quiet = false;  // no progress bar even on a terminal
    std::string file;
};

// Parses the arguments after "import". Errors name the offending argument.
Result<ImportOptions> parse_import_args(const std::vector<std::string> &args);

// "phone=Mobile #,email=E-Mail" (repeatable) as a JSON object. A segment without '=' continues
// the previous header (a header may contain commas: "companyName=Smith, Jones"). Errors name
// the bad segment.
Result<std::string> parse_column_map(const std::vector<std::string> &specs);

// Runs the import; the summary goes to `out`, progress and errors to `err`. Returns the exit
// status: 0 when the file was imported (bad rows included), 1 when it could not be read or
// loaded.
int run_import(const ImportOptions &options, std::ostream &out, std::ostream &err);

// Usage text of the import command.
const char *import_usage();

}  // namespace outreach::worker
