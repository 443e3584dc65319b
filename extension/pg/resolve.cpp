// fmgr entry points of the resolve step: the similarity scores that records are matched on, the
// candidate pairs of blocking, and the connected components that turn resolution decisions into
// clusters.
#include "datum.hpp"

#include "core/blocking.hpp"
#include "core/similarity.hpp"
#include "core/union_find.hpp"

namespace outreach::pg {
namespace {

constexpr std::uint64_t kPairsPerInterruptCheck = 64 * 1024;  // pairs put between two cancellation checks

// Bodies of the similarity scores of two texts (0 to 1).
template <typename F>
Datum similarity(FunctionCallInfo fcinfo, F &&score)
{
    return Float8GetDatum(score(text_arg(fcinfo, 0), text_arg(fcinfo, 1)));
}

// The elements of a bigint[] argument (NULL elements are an error: an edge needs two ends).
std::vector<std::int64_t> int8_array_arg(FunctionCallInfo fcinfo, int n, const char *what)
{
    ArrayType *array = pg_call([&] { return PG_GETARG_ARRAYTYPE_P(n); });
    Datum *elems = nullptr;
    bool *nulls = nullptr;
    int count = 0;
    pg_call([&] { deconstruct_array(array, INT8OID, 8, true, TYPALIGN_DOUBLE, &elems, &nulls, &count); });
    std::vector<std::int64_t> out(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        if (nulls[i])
            throw UserError(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                            std::string(what) + " contains a NULL at position " + std::to_string(i + 1));
        out[static_cast<std::size_t>(i)] = DatumGetInt64(elems[i]);
    }
    return out;
}

// The elements of a boolean[] argument (no NULLs).
std::vector<bool> bool_array_arg(FunctionCallInfo fcinfo, int n, const char *what)
{
    ArrayType *array = pg_call([&] { return PG_GETARG_ARRAYTYPE_P(n); });
    Datum *elems = nullptr;
    bool *nulls = nullptr;
    int count = 0;
    pg_call([&] { deconstruct_array(array, BOOLOID, 1, true, TYPALIGN_CHAR, &elems, &nulls, &count); });
    std::vector<bool> out(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        if (nulls[i])
            throw UserError(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                            std::string(what) + " contains a NULL at position " + std::to_string(i + 1));
        out[static_cast<std::size_t>(i)] = DatumGetBool(elems[i]);
    }
    return out;
}

Datum block_pairs_body(FunctionCallInfo fcinfo)
{
    const std::vector<std::int64_t> ids = int8_array_arg(fcinfo, 0, "ids");
    const std::vector<std::int64_t> keys = int8_array_arg(fcinfo, 1, "keys");
    const std::vector<bool> is_new = bool_array_arg(fcinfo, 2, "is_new");
    const int32 max_rank = PG_GETARG_INT32(3);
    if (ids.size() != keys.size() || ids.size() != is_new.size())
        throw UserError(ERRCODE_ARRAY_SUBSCRIPT_ERROR,
                        "ids, keys and is_new differ in length: " + std::to_string(ids.size()) + ", " +
                            std::to_string(keys.size()) + " and " + std::to_string(is_new.size()));
    if (max_rank < 1)
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        "max_rank must be at least 1, not " + std::to_string(max_rank));
    std::vector<BlockEntry> entries(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) entries[i] = BlockEntry{keys[i], ids[i], is_new[i]};
    const auto pairs = block_pairs(entries, static_cast<std::size_t>(max_rank));
    pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    std::uint64_t rows = 0;
    for (const auto &[a, b] : pairs) {
        check_interrupts_every(rows, kPairsPerInterruptCheck);
        Datum values[2] = {Int64GetDatum(a), Int64GetDatum(b)};
        bool nulls[2] = {false, false};
        pg_call([&] { tuplestore_putvalues(rsi->setResult, rsi->setDesc, values, nulls); });
    }
    return Datum(0);
}

Datum connected_components_body(FunctionCallInfo fcinfo)
{
    const std::vector<std::int64_t> from = int8_array_arg(fcinfo, 0, "the first edge array");
    const std::vector<std::int64_t> to = int8_array_arg(fcinfo, 1, "the second edge array");
    const std::vector<std::int64_t> cannot_a = int8_array_arg(fcinfo, 2, "the first cannot-link array");
    const std::vector<std::int64_t> cannot_b = int8_array_arg(fcinfo, 3, "the second cannot-link array");
    if (from.size() != to.size())
        throw UserError(ERRCODE_ARRAY_SUBSCRIPT_ERROR, "edge arrays differ in length: " + std::to_string(from.size()) +
                                                           " and " + std::to_string(to.size()));
    if (cannot_a.size() != cannot_b.size())
        throw UserError(ERRCODE_ARRAY_SUBSCRIPT_ERROR,
                        "cannot-link arrays differ in length: " + std::to_string(cannot_a.size()) + " and " +
                            std::to_string(cannot_b.size()));
    const auto result = connected_components(from, to, cannot_a, cannot_b);
    pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    std::uint64_t rows = 0;
    for (const auto &[id, root] : result.components) {
        check_interrupts_every(rows, kPairsPerInterruptCheck);
        Datum values[2] = {Int64GetDatum(id), Int64GetDatum(root)};
        bool nulls[2] = {false, false};
        pg_call([&] { tuplestore_putvalues(rsi->setResult, rsi->setDesc, values, nulls); });
    }
    return Datum(0);
}

}  // namespace

OUTREACH_ENTRY_POINT(outreach_jaro_winkler, similarity(fcinfo, outreach::jaro_winkler));
OUTREACH_ENTRY_POINT(outreach_name_similarity, similarity(fcinfo, outreach::name_similarity));
OUTREACH_ENTRY_POINT(outreach_business_similarity, similarity(fcinfo, outreach::business_similarity));
OUTREACH_ENTRY_POINT(outreach_block_pairs, block_pairs_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_connected_components, connected_components_body(fcinfo));

}  // namespace outreach::pg
