// fmgr entry points of the import step: the CSV parser as a set-returning function (the same
// reader outreachd uses, so both load paths see a file the same way), the header matching key
// and unique header names, and the parsers of counts and money amounts.
#include "datum.hpp"

#include "core/csv.hpp"
#include "core/utf8.hpp"
#include "core/values.hpp"

#include <algorithm>

namespace outreach::pg {
namespace {

constexpr std::size_t kChunk = 1u << 20;                // the reader holds at most a record plus one chunk
constexpr std::uint64_t kRowsPerInterruptCheck = 1024;  // rows put between two cancellation checks

// Adds one row of parse_csv's result: (row_number, line_number, fields, problem, raw); raw is
// the record as written, for rejected records only.
void put_record(ReturnSetInfo *rsi, const csv::Record &rec, const std::string &problem, std::string_view raw_bytes)
{
    Datum values[5];
    bool nulls[5] = {false, false, false, false, true};
    values[4] = Datum(0);
    values[0] = Int64GetDatum(static_cast<int64>(rec.number));
    values[1] = Int64GetDatum(static_cast<int64>(rec.first_line));
    if (problem.empty()) {
        const int count = static_cast<int>(rec.fields.size());
        Datum *elems = pg_call([&] { return static_cast<Datum *>(palloc(sizeof(Datum) * (count > 0 ? count : 1))); });
        for (int i = 0; i < count; ++i) elems[i] = text_datum(rec.fields[static_cast<std::size_t>(i)]);
        values[2] =
            PointerGetDatum(pg_call([&] { return construct_array(elems, count, TEXTOID, -1, false, TYPALIGN_INT); }));
        values[3] = Datum(0);
        nulls[3] = true;
    } else {
        values[2] = Datum(0);
        nulls[2] = true;
        values[3] = text_datum(problem);
        values[4] = text_datum(csv::render_raw(raw_bytes));
        nulls[4] = false;
    }
    pg_call([&] { tuplestore_putvalues(rsi->setResult, rsi->setDesc, values, nulls); });
}

Datum parse_csv_body(FunctionCallInfo fcinfo)
{
    bytea *data = pg_call([&] { return PG_GETARG_BYTEA_PP(0); });
    const std::string_view bytes(VARDATA_ANY(data), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(data)));
    const std::string_view delimiter = text_arg(fcinfo, 1);
    if (delimiter.size() != 1)
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, "CSV delimiter must be one ASCII character, not \"" +
                                                             std::string(utf8::prefix(delimiter, 16)) + "\"");
    csv::Options options;
    options.delimiter = delimiter[0];
    Result<csv::Reader> made = csv::Reader::create(options);
    if (!made.ok()) throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, made.error().message);
    csv::Reader reader = std::move(made.value());

    pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);

    // Per-row allocations (the text datums and arrays) are copied into the tuplestore, so they
    // live in a context reset after every row.
    MemoryContext row_context = pg_call(
        [&] { return AllocSetContextCreate(CurrentMemoryContext, "outreach parse_csv row", ALLOCSET_DEFAULT_SIZES); });
    std::size_t expected = 0;
    std::string problem;
    csv::Record rec;
    std::uint64_t record_start = 0;  // stream position where the record being read began
    std::uint64_t rows = 0;
    const auto drain = [&] {
        while (reader.next(rec)) {
            check_interrupts_every(rows, kRowsPerInterruptCheck);
            const std::uint64_t record_end = reader.bytes_consumed();
            const std::string_view raw_bytes = bytes.substr(record_start, record_end - record_start);
            record_start = record_end;
            if (rec.number == 0 && !rec.problem) expected = rec.fields.size();
            problem = rec.problem ? rec.problem->message
                                  : (rec.number == 0 ? std::string() : csv::column_count_message(rec, expected));
            MemoryContext old = MemoryContextSwitchTo(row_context);
            put_record(rsi, rec, problem, raw_bytes);
            MemoryContextSwitchTo(old);
            MemoryContextReset(row_context);
        }
    };
    for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
        reader.feed(bytes.substr(at, kChunk));
        drain();
        pg_call([] { CHECK_FOR_INTERRUPTS(); });
    }
    reader.finish();
    drain();
    return Datum(0);
}

Datum header_key_body(FunctionCallInfo fcinfo) { return text_datum(csv::header_key(text_arg(fcinfo, 0))); }

// outreach.unique_headers(text[]): the core's csv::unique_headers over the array's elements
// (a NULL element is an empty name). Views point into the detoasted array, valid until return.
Datum unique_headers_body(FunctionCallInfo fcinfo)
{
    ArrayType *array = pg_call([&] { return PG_GETARG_ARRAYTYPE_P(0); });
    if (ARR_NDIM(array) > 1) throw UserError(ERRCODE_ARRAY_SUBSCRIPT_ERROR, "headers must be a one-dimensional array");
    Datum *elems = nullptr;
    bool *nulls = nullptr;
    int count = 0;
    pg_call([&] { deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count); });
    std::vector<std::optional<std::string_view>> headers(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        if (nulls[i]) continue;
        const text *t = reinterpret_cast<const text *>(DatumGetPointer(elems[i]));
        headers[static_cast<std::size_t>(i)] =
            std::string_view(VARDATA_ANY(t), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(t)));
    }
    return text_array_datum(csv::unique_headers(headers));
}

Datum parse_count_body(FunctionCallInfo fcinfo)
{
    const std::optional<std::int32_t> n = parse_count(text_arg(fcinfo, 0));
    if (!n) {
        fcinfo->isnull = true;
        return Datum(0);
    }
    return Int32GetDatum(*n);
}

Datum parse_money_body(FunctionCallInfo fcinfo)
{
    const std::optional<std::string> amount = parse_money(text_arg(fcinfo, 0));
    if (!amount) {
        fcinfo->isnull = true;
        return Datum(0);
    }
    const char *digits = amount->c_str();
    return pg_call([&] {
        return DirectFunctionCall3(numeric_in, CStringGetDatum(digits), ObjectIdGetDatum(InvalidOid),
                                   Int32GetDatum(-1));
    });
}

}  // namespace

OUTREACH_ENTRY_POINT(outreach_parse_csv, parse_csv_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_header_key, header_key_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_unique_headers, unique_headers_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_parse_count, parse_count_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_parse_money, parse_money_body(fcinfo));

}  // namespace outreach::pg
