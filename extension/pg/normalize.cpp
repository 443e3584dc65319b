// fmgr entry points of the normalize step: the normalizers of phones, e-mails, names, streets,
// ZIP codes and states, the time zones of a place, and the shipped reference data.
// Each entry point is one line (OUTREACH_ENTRY_POINT): guard() around a body that reads its
// arguments as plain data, calls the pure C++ core, and converts the answer back.
#include "datum.hpp"

#include "core/address.hpp"
#include "core/geo.hpp"
#include "core/names.hpp"
#include "core/phone.hpp"
#include "core/utf8.hpp"

namespace outreach::pg {
namespace {

// Core failures reported as values become Postgres errors with the matching SQLSTATE.
[[noreturn]] void raise(const Error &e)
{
    switch (e.kind) {
    case ErrorKind::invalid_argument: throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, e.message);
    case ErrorKind::internal: break;
    }
    throw UserError(ERRCODE_INTERNAL_ERROR, e.message);
}

// Bodies of the text -> text normalizers.
template <typename F>
Datum normalize_text(FunctionCallInfo fcinfo, F &&normalize)
{
    return text_or_null(fcinfo, normalize(text_arg(fcinfo, 0)));
}

Datum normalize_phone_body(FunctionCallInfo fcinfo)
{
    Result<std::optional<std::string>> r = normalize_phone(text_arg(fcinfo, 0), text_arg(fcinfo, 1));
    if (!r.ok()) raise(r.error());
    return text_or_null(fcinfo, r.value());
}

Datum timezone_for_body(FunctionCallInfo fcinfo)
{
    return text_or_null(
        fcinfo, timezone_for(text_arg_or_empty(fcinfo, 0), text_arg_or_empty(fcinfo, 1), text_arg_or_empty(fcinfo, 2)));
}

Datum timezones_for_body(FunctionCallInfo fcinfo)
{
    return text_array_datum(
        timezones_for(text_arg_or_empty(fcinfo, 0), text_arg_or_empty(fcinfo, 1), text_arg_or_empty(fcinfo, 2)));
}

Datum reference_csv_body(FunctionCallInfo fcinfo)
{
    std::string_view name = text_arg(fcinfo, 0);
    std::optional<std::string_view> csv = reference_csv(name);
    if (!csv)
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        "unknown reference data set \"" + std::string(utf8::prefix(name, 64)) + "\"",
                        "expected us_zip, us_zip_tz_alternates, nanp_area_codes or nanp_area_code_tz_alternates");
    return text_datum(*csv);
}

}  // namespace

OUTREACH_ENTRY_POINT(outreach_normalize_phone, normalize_phone_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_normalize_email, normalize_text(fcinfo, outreach::normalize_email));
OUTREACH_ENTRY_POINT(outreach_normalize_name, normalize_text(fcinfo, outreach::normalize_name));
OUTREACH_ENTRY_POINT(outreach_name_key, normalize_text(fcinfo, outreach::name_key));
OUTREACH_ENTRY_POINT(outreach_normalize_business_name, normalize_text(fcinfo, outreach::normalize_business_name));
OUTREACH_ENTRY_POINT(outreach_normalize_street, normalize_text(fcinfo, outreach::normalize_street));
OUTREACH_ENTRY_POINT(outreach_normalize_zip, normalize_text(fcinfo, outreach::normalize_zip));
OUTREACH_ENTRY_POINT(outreach_normalize_state, normalize_text(fcinfo, outreach::normalize_state));
OUTREACH_ENTRY_POINT(outreach_timezone_for, timezone_for_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_timezones_for, timezones_for_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_reference_csv, reference_csv_body(fcinfo));

}  // namespace outreach::pg
