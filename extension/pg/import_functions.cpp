// fmgr entry points of the import (issue 4): the CSV parser as a set-returning function (the same
// reader outreachd uses, so both load paths see a file the same way), the header matching key,
// and the connected components that turn resolution decisions into clusters.
#include "datum.hpp"

#include "core/blocking.hpp"
#include "core/csv.hpp"
#include "core/union_find.hpp"
#include "core/utf8.hpp"
#include "core/values.hpp"

#include <algorithm>

namespace outreach::pg {
namespace {

constexpr std::size_t kChunk = 1u << 20;  // the reader holds at most a record plus one chunk
constexpr std::uint64_t kRowsPerInterruptCheck = 1024;  // rows put between two cancellation checks

// Lets a query cancel or a termination in (as a PgError through guard()) every `every` calls.
void check_interrupts_every(std::uint64_t &count, std::uint64_t every) {
    if (++count % every == 0) pg_call([] { CHECK_FOR_INTERRUPTS(); });
}

// Adds one row of parse_csv's result: (row_number, line_number, fields, problem, raw); raw is
// the record as written, for rejected records only.
void put_record(ReturnSetInfo *rsi, const csv::Record &rec, const std::string &problem, std::string_view raw_bytes) {
    Datum values[5];
    bool nulls[5] = {false, false, false, false, true};
    values[4] = Datum(0);
    values[0] = Int64GetDatum(static_cast<int64>(rec.number));
    values[1] = Int64GetDatum(static_cast<int64>(rec.first_line));
    if (problem.empty()) {
        const int count = static_cast<int>(rec.fields.size());
        Datum *elems = pg_call([&] { return static_cast<Datum *>(palloc(sizeof(Datum) * (count > 0 ? count : 1))); });
        for (int i = 0; i < count; ++i) elems[i] = text_datum(rec.fields[static_cast<std::size_t>(i)]);
        values[2] = PointerGetDatum(pg_call([&] { return construct_array(elems, count, TEXTOID, -1, false, TYPALIGN_INT); }));
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

Datum parse_csv_body(FunctionCallInfo fcinfo) {
    bytea *data = pg_call([&] { return PG_GETARG_BYTEA_PP(0); });
    const std::string_view bytes(VARDATA_ANY(data), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(data)));
    const std::string_view delimiter = text_arg(fcinfo, 1);
    if (delimiter.size() != 1)
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        "CSV delimiter must be one ASCII character, not \"" + std::string(utf8::prefix(delimiter, 16)) + "\"");
    csv::Options options;
    options.delimiter = delimiter[0];
    Result<csv::Reader> made = csv::Reader::create(options);
    if (!made.ok()) throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, made.error().message);
    csv::Reader reader = std::move(made.value());

    pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);

    // Per-row allocations (the text datums and arrays) are copied into the tuplestore, so they
    // live in a context reset after every row.
    MemoryContext row_context = pg_call([&] {
        return AllocSetContextCreate(CurrentMemoryContext, "outreach parse_csv row", ALLOCSET_DEFAULT_SIZES);
    });
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
Datum unique_headers_body(FunctionCallInfo fcinfo) {
    ArrayType *array = pg_call([&] { return PG_GETARG_ARRAYTYPE_P(0); });
    if (ARR_NDIM(array) > 1)
        throw UserError(ERRCODE_ARRAY_SUBSCRIPT_ERROR, "headers must be a one-dimensional array");
    Datum *elems = nullptr;
    bool *nulls = nullptr;
    int count = 0;
    pg_call([&] { deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count); });
    std::vector<std::optional<std::string_view>> headers(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        if (nulls[i]) continue;
        const text *t = reinterpret_cast<const text *>(DatumGetPointer(elems[i]));
        headers[static_cast<std::size_t>(i)] = std::string_view(VARDATA_ANY(t), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(t)));
    }
    return text_array_datum(csv::unique_headers(headers));
}

Datum parse_count_body(FunctionCallInfo fcinfo) {
    const std::optional<std::int32_t> n = parse_count(text_arg(fcinfo, 0));
    if (!n) {
        fcinfo->isnull = true;
        return Datum(0);
    }
    return Int32GetDatum(*n);
}

Datum parse_money_body(FunctionCallInfo fcinfo) {
    const std::optional<std::string> amount = parse_money(text_arg(fcinfo, 0));
    if (!amount) {
        fcinfo->isnull = true;
        return Datum(0);
    }
    const char *digits = amount->c_str();
    return pg_call([&] {
        return DirectFunctionCall3(numeric_in, CStringGetDatum(digits), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
    });
}

// The elements of a bigint[] argument (NULL elements are an error: an edge needs two ends).
std::vector<std::int64_t> int8_array_arg(FunctionCallInfo fcinfo, int n, const char *what) {
    ArrayType *array = pg_call([&] { return PG_GETARG_ARRAYTYPE_P(n); });
    Datum *elems = nullptr;
    bool *nulls = nullptr;
    int count = 0;
    pg_call([&] { deconstruct_array(array, INT8OID, 8, true, TYPALIGN_DOUBLE, &elems, &nulls, &count); });
    std::vector<std::int64_t> out(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        if (nulls[i]) throw UserError(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(what) + " contains a NULL at position " + std::to_string(i + 1));
        out[static_cast<std::size_t>(i)] = DatumGetInt64(elems[i]);
    }
    return out;
}

// The elements of a boolean[] argument (no NULLs).
std::vector<bool> bool_array_arg(FunctionCallInfo fcinfo, int n, const char *what) {
    ArrayType *array = pg_call([&] { return PG_GETARG_ARRAYTYPE_P(n); });
    Datum *elems = nullptr;
    bool *nulls = nullptr;
    int count = 0;
    pg_call([&] { deconstruct_array(array, BOOLOID, 1, true, TYPALIGN_CHAR, &elems, &nulls, &count); });
    std::vector<bool> out(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        if (nulls[i]) throw UserError(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(what) + " contains a NULL at position " + std::to_string(i + 1));
        out[static_cast<std::size_t>(i)] = DatumGetBool(elems[i]);
    }
    return out;
}

Datum block_pairs_body(FunctionCallInfo fcinfo) {
    const std::vector<std::int64_t> ids = int8_array_arg(fcinfo, 0, "ids");
    const std::vector<std::int64_t> keys = int8_array_arg(fcinfo, 1, "keys");
    const std::vector<bool> is_new = bool_array_arg(fcinfo, 2, "is_new");
    const int32 max_rank = PG_GETARG_INT32(3);
    if (ids.size() != keys.size() || ids.size() != is_new.size())
        throw UserError(ERRCODE_ARRAY_SUBSCRIPT_ERROR, "ids, keys and is_new differ in length: " + std::to_string(ids.size()) +
                                                           ", " + std::to_string(keys.size()) + " and " +
                                                           std::to_string(is_new.size()));
    if (max_rank < 1) throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, "max_rank must be at least 1, not " + std::to_string(max_rank));
    std::vector<BlockEntry> entries(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) entries[i] = BlockEntry{keys[i], ids[i], is_new[i]};
    const auto pairs = block_pairs(entries, static_cast<std::size_t>(max_rank));
    pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    std::uint64_t rows = 0;
    for (const auto &[a, b] : pairs) {
        check_interrupts_every(rows, 64 * kRowsPerInterruptCheck);
        Datum values[2] = {Int64GetDatum(a), Int64GetDatum(b)};
        bool nulls[2] = {false, false};
        pg_call([&] { tuplestore_putvalues(rsi->setResult, rsi->setDesc, values, nulls); });
    }
    return Datum(0);
}

Datum connected_components_body(FunctionCallInfo fcinfo) {
    const std::vector<std::int64_t> from = int8_array_arg(fcinfo, 0, "the first edge array");
    const std::vector<std::int64_t> to = int8_array_arg(fcinfo, 1, "the second edge array");
    const std::vector<std::int64_t> cannot_a = int8_array_arg(fcinfo, 2, "the first cannot-link array");
    const std::vector<std::int64_t> cannot_b = int8_array_arg(fcinfo, 3, "the second cannot-link array");
    if (from.size() != to.size())
        throw UserError(ERRCODE_ARRAY_SUBSCRIPT_ERROR, "edge arrays differ in length: " + std::to_string(from.size()) +
                                                           " and " + std::to_string(to.size()));
    if (cannot_a.size() != cannot_b.size())
        throw UserError(ERRCODE_ARRAY_SUBSCRIPT_ERROR, "cannot-link arrays differ in length: " +
                                                           std::to_string(cannot_a.size()) + " and " +
                                                           std::to_string(cannot_b.size()));
    const auto result = connected_components(from, to, cannot_a, cannot_b);
    pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    std::uint64_t rows = 0;
    for (const auto &[id, root] : result.components) {
        check_interrupts_every(rows, 64 * kRowsPerInterruptCheck);
        Datum values[2] = {Int64GetDatum(id), Int64GetDatum(root)};
        bool nulls[2] = {false, false};
        pg_call([&] { tuplestore_putvalues(rsi->setResult, rsi->setDesc, values, nulls); });
    }
    return Datum(0);
}

}  // namespace

OUTREACH_ENTRY_POINT(outreach_parse_csv, parse_csv_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_header_key, header_key_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_unique_headers, unique_headers_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_parse_count, parse_count_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_parse_money, parse_money_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_block_pairs, block_pairs_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_connected_components, connected_components_body(fcinfo));

}  // namespace outreach::pg
