// fmgr entry points of the normalization, similarity and time-zone functions (design.md §4).
// Each entry point is one line: guard() around a body that reads its arguments as plain data,
// calls the pure C++ core, and converts the answer back.
#include "datum.hpp"

#include "core/address.hpp"
#include "core/geo.hpp"
#include "core/names.hpp"
#include "core/phone.hpp"
#include "core/similarity.hpp"
#include "core/utf8.hpp"

namespace outreach::pg {
namespace {

// Core failures reported as values become Postgres errors with the matching SQLSTATE.
[[noreturn]] void raise(const Error &e) {
    switch (e.kind) {
    case ErrorKind::invalid_argument: throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, e.message);
    case ErrorKind::internal: break;
    }
    throw UserError(ERRCODE_INTERNAL_ERROR, e.message);
}

// Bodies of the text -> text normalizers.
template <typename F>
Datum normalize_text(FunctionCallInfo fcinfo, F &&normalize) {
    return text_or_null(fcinfo, normalize(text_arg(fcinfo, 0)));
}

Datum normalize_phone_body(FunctionCallInfo fcinfo) {
    Result<std::optional<std::string>> r = normalize_phone(text_arg(fcinfo, 0), text_arg(fcinfo, 1));
    if (!r.ok()) raise(r.error());
    return text_or_null(fcinfo, r.value());
}

template <typename F>
Datum similarity(FunctionCallInfo fcinfo, F &&score) {
    return Float8GetDatum(score(text_arg(fcinfo, 0), text_arg(fcinfo, 1)));
}

Datum timezone_for_body(FunctionCallInfo fcinfo) {
    return text_or_null(fcinfo, timezone_for(text_arg_or_empty(fcinfo, 0), text_arg_or_empty(fcinfo, 1),
                                             text_arg_or_empty(fcinfo, 2)));
}

Datum timezones_for_body(FunctionCallInfo fcinfo) {
    return text_array_datum(timezones_for(text_arg_or_empty(fcinfo, 0), text_arg_or_empty(fcinfo, 1),
                                          text_arg_or_empty(fcinfo, 2)));
}

Datum reference_csv_body(FunctionCallInfo fcinfo) {
    std::string_view name = text_arg(fcinfo, 0);
    std::optional<std::string_view> csv = reference_csv(name);
    if (!csv)
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        "unknown reference data set \"" + std::string(utf8::prefix(name, 64)) + "\"",
                        "expected us_zip, us_zip_tz_alternates, nanp_area_codes or nanp_area_code_tz_alternates");
    return text_datum(*csv);
}

}  // namespace
}  // namespace outreach::pg

using outreach::pg::guard;

extern "C" {

PG_FUNCTION_INFO_V1(outreach_normalize_phone);
PG_FUNCTION_INFO_V1(outreach_normalize_email);
PG_FUNCTION_INFO_V1(outreach_normalize_name);
PG_FUNCTION_INFO_V1(outreach_name_key);
PG_FUNCTION_INFO_V1(outreach_normalize_business_name);
PG_FUNCTION_INFO_V1(outreach_normalize_street);
PG_FUNCTION_INFO_V1(outreach_normalize_zip);
PG_FUNCTION_INFO_V1(outreach_normalize_state);
PG_FUNCTION_INFO_V1(outreach_timezone_for);
PG_FUNCTION_INFO_V1(outreach_timezones_for);
PG_FUNCTION_INFO_V1(outreach_jaro_winkler);
PG_FUNCTION_INFO_V1(outreach_name_similarity);
PG_FUNCTION_INFO_V1(outreach_business_similarity);
PG_FUNCTION_INFO_V1(outreach_reference_csv);

Datum outreach_normalize_phone(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::normalize_phone_body(fcinfo); }); }
Datum outreach_normalize_email(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::normalize_text(fcinfo, outreach::normalize_email); }); }
Datum outreach_normalize_name(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::normalize_text(fcinfo, outreach::normalize_name); }); }
Datum outreach_name_key(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::normalize_text(fcinfo, outreach::name_key); }); }
Datum outreach_normalize_business_name(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::normalize_text(fcinfo, outreach::normalize_business_name); }); }
Datum outreach_normalize_street(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::normalize_text(fcinfo, outreach::normalize_street); }); }
Datum outreach_normalize_zip(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::normalize_text(fcinfo, outreach::normalize_zip); }); }
Datum outreach_normalize_state(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::normalize_text(fcinfo, outreach::normalize_state); }); }
Datum outreach_timezone_for(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::timezone_for_body(fcinfo); }); }
Datum outreach_timezones_for(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::timezones_for_body(fcinfo); }); }
Datum outreach_jaro_winkler(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::similarity(fcinfo, outreach::jaro_winkler); }); }
Datum outreach_name_similarity(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::similarity(fcinfo, outreach::name_similarity); }); }
Datum outreach_business_similarity(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::similarity(fcinfo, outreach::business_similarity); }); }
Datum outreach_reference_csv(PG_FUNCTION_ARGS) { return guard([&] { return outreach::pg::reference_csv_body(fcinfo); }); }

}  // extern "C"
