// fmgr entry point of the replies step: outreach.classify_reply, the deterministic classifier of
// core/replies.hpp as one row (label, confidence, rule, extracted jsonb). The rules live in the
// core so that they are unit-tested and fuzzed without a server; this file only converts.
#include "datum.hpp"

#include "core/replies.hpp"

namespace outreach::pg {
namespace {

// outreach.classify_reply(body text, has_media boolean): one row.
Datum classify_reply_body(FunctionCallInfo fcinfo)
{
    const std::string_view body = text_arg(fcinfo, 0);
    const bool has_media = pg_call([&] { return PG_GETARG_BOOL(1); });
    const replies::Classification c = replies::classify(body, has_media);
    const std::string json = c.to_json();
    const char *json_text = json.c_str();

    pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    Datum values[4];
    bool nulls[4] = {false, false, false, false};
    values[0] = text_datum(replies::label_name(c.label));
    values[1] = Float4GetDatum(c.confidence);
    values[2] = text_datum(c.rule);
    // the extracted data is JSON text we wrote; jsonb_in parses it as any client's text would be
    values[3] = pg_call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json_text)); });
    pg_call([&] { tuplestore_putvalues(rsi->setResult, rsi->setDesc, values, nulls); });
    return Datum(0);
}

}  // namespace

OUTREACH_ENTRY_POINT(outreach_classify_reply, classify_reply_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_reply_rules_version, text_datum(replies::rules_version()));

}  // namespace outreach::pg
