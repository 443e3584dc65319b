// Encoders for PostgreSQL's COPY text format, so that outreachd can stream parsed CSV records
// into a staging table as (row_number, line_number, fields text[]) with no per-row round trip.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace outreach::copy_text {

// Appends `value` as one COPY text column: backslash, tab, newline and carriage return escaped
// (https://www.postgresql.org/docs/15/sql-copy.html, "Text Format"). The value must not hold a
// NUL byte (text cannot); the CSV reader rejects such records before they get here.
void append_value(std::string &out, std::string_view value);

// Appends a text[] literal of `fields` as one COPY text column: every element double-quoted with
// '"' and '\' backslash-escaped (array input syntax), then COPY-escaped as above.
void append_text_array(std::string &out, std::span<const std::string_view> fields);

// Appends a decimal integer column.
void append_int(std::string &out, std::uint64_t value);

}  // namespace outreach::copy_text
