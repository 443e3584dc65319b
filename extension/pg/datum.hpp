// Conversions between Datums and the plain C++ values the core works with. Every Postgres call
// goes through pg_call, so these are safe to use from C++ code inside guard().
#pragma once

#include "guard.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outreach::pg {

// Argument n as UTF-8 text (the database is UTF-8: the install script insists). The view points
// into the argument or its detoasted copy in the function's memory context, valid until the
// function returns.
std::string_view text_arg(FunctionCallInfo fcinfo, int n);

// Argument n as UTF-8 text, or an empty view when the argument is NULL (for non-STRICT functions).
std::string_view text_arg_or_empty(FunctionCallInfo fcinfo, int n);

// Returns `s` (UTF-8) as a text Datum.
Datum text_datum(std::string_view s);

// Returns a value or SQL NULL.
Datum text_or_null(FunctionCallInfo fcinfo, const std::optional<std::string> &s);

// Returns a text[] Datum (never NULL; empty array for no elements).
Datum text_array_datum(const std::vector<std::string> &items);

}  // namespace outreach::pg
