// fmgr entry points for SMS length and message templates: outreach.sms_encoding / sms_units /
// sms_segments, outreach.template_variables, outreach.render_template and
// outreach.template_missing_variables. Campaign preparation renders one template for a million
// rows, so the parsed template is cached per call site (flinfo->fn_extra), keyed by its bytes.
#include "datum.hpp"

#include "core/sms.hpp"
#include "core/templates.hpp"
#include "core/utf8.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
extern "C" {
#include "utils/jsonb.h"
#include "utils/numeric.h"
}
#pragma GCC diagnostic pop

#include <cstring>
#include <memory>

namespace outreach::pg {
namespace {

const char kTemplateHint[] =
    "Variables are written {{name}} or {{name|fallback}}; a name is ASCII letters, digits and underscores, "
    "starting with a letter.";

// What one call site keeps between calls: the last template body and its parse.
struct CachedTemplate {
    std::string body;
    ParsedTemplate parsed;
    std::vector<std::string> variables;
};

// The fn_extra slot: plain data palloc'd in fn_mcxt. The C++ object it points to lives on the
// C++ heap and is deleted by the reset callback when fn_mcxt goes away.
struct TemplateSlot {
    CachedTemplate *entry;
    MemoryContextCallback callback;
};

// Reset callback of fn_mcxt: frees the cached template (destructors do not throw or ereport).
void release_template_slot(void *arg) noexcept
{
    auto *slot = static_cast<TemplateSlot *>(arg);
    std::unique_ptr<CachedTemplate> owned(slot->entry);
    slot->entry = nullptr;
}

// Parses a template, raising the parse error as 22023 with a hint about the syntax.
std::unique_ptr<CachedTemplate> parse_or_raise(std::string_view body)
{
    Result<ParsedTemplate> r = parse_template(body);
    if (!r.ok())
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, "template is invalid: " + r.error().message, kTemplateHint);
    auto entry = std::make_unique<CachedTemplate>();
    entry->body.assign(body);
    entry->parsed = std::move(r.value());
    entry->variables = template_variables(entry->parsed);
    return entry;
}

// The parsed template of argument 0, from the call site's cache when the body is unchanged.
// `scratch` owns the parse when there is no flinfo to cache in (a direct call).
const CachedTemplate &template_arg(FunctionCallInfo fcinfo, std::unique_ptr<CachedTemplate> &scratch)
{
    const std::string_view body = text_arg(fcinfo, 0);
    FmgrInfo *flinfo = fcinfo->flinfo;
    if (flinfo == nullptr) {
        scratch = parse_or_raise(body);
        return *scratch;
    }
    auto *slot = static_cast<TemplateSlot *>(flinfo->fn_extra);
    if (slot != nullptr && slot->entry != nullptr && slot->entry->body == body) return *slot->entry;
    std::unique_ptr<CachedTemplate> fresh = parse_or_raise(body);
    if (slot == nullptr) {
        MemoryContext mcxt = flinfo->fn_mcxt;
        slot = static_cast<TemplateSlot *>(pg_call([&] { return MemoryContextAllocZero(mcxt, sizeof(TemplateSlot)); }));
        slot->callback.func = release_template_slot;
        slot->callback.arg = slot;
        pg_call([&] { MemoryContextRegisterResetCallback(mcxt, &slot->callback); });
        flinfo->fn_extra = slot;
    }
    std::unique_ptr<CachedTemplate> previous(slot->entry);
    slot->entry = fresh.release();
    return *slot->entry;
}

// A jsonb argument that must be an object (vars, fallbacks).
Jsonb *object_arg(FunctionCallInfo fcinfo, int n, const char *what)
{
    Jsonb *j = pg_call([&] { return PG_GETARG_JSONB_P(n); });
    if (!JB_ROOT_IS_OBJECT(j)) {
        const char *kind = JB_ROOT_IS_SCALAR(j) ? "a scalar" : "an array";
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        std::string(what) + " must be a JSON object of variable names to values, not " + kind,
                        "For example jsonb_build_object('firstName', first_name).");
    }
    return j;
}

// The text of key `name` in a jsonb object: strings as they are, numbers and booleans as their
// JSON text; absent or JSON null is no value. Views point into the jsonb or into palloc'd
// memory, valid until the function returns.
std::optional<std::string_view> json_text(Jsonb *j, const std::string &name, const char *what)
{
    const char *key = name.data();
    const int key_len = static_cast<int>(name.size());
    JsonbValue value;
    const bool found = pg_call([&] { return getKeyJsonValueFromContainer(&j->root, key, key_len, &value) != nullptr; });
    if (!found) return std::nullopt;
    switch (value.type) {
    case jbvNull: return std::nullopt;
    case jbvString: return std::string_view(value.val.string.val, static_cast<std::size_t>(value.val.string.len));
    case jbvBool: return std::string_view(value.val.boolean ? "true" : "false");
    case jbvNumeric: {
        Numeric number = value.val.numeric;
        const char *digits =
            pg_call([&] { return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(number))); });
        return std::string_view(digits);
    }
    default:
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        std::string(what) + " has an object or array for \"" + name + "\"",
                        "A template value is a JSON string, number, boolean or null.");
    }
}

// The text of every variable of the template, in template_variables order.
std::vector<std::optional<std::string_view>> lookup_all(Jsonb *j, const std::vector<std::string> &names,
                                                        const char *what)
{
    std::vector<std::optional<std::string_view>> out;
    out.reserve(names.size());
    for (const std::string &name : names) out.push_back(json_text(j, name, what));
    return out;
}

// Renders argument 0 with the vars (argument 1) and fallbacks (argument 2) objects.
RenderResult render_args(FunctionCallInfo fcinfo)
{
    std::unique_ptr<CachedTemplate> scratch;
    const CachedTemplate &t = template_arg(fcinfo, scratch);
    Jsonb *vars = object_arg(fcinfo, 1, "vars");
    Jsonb *fallbacks = object_arg(fcinfo, 2, "fallbacks");
    const auto values = lookup_all(vars, t.variables, "vars");
    // Template-level fallbacks are looked up only for variables that need one.
    const TemplateLookup by_value = [&](std::string_view name) -> std::optional<std::string_view> {
        for (std::size_t i = 0; i < t.variables.size(); ++i)
            if (t.variables[i] == name) return values[i];
        return std::nullopt;
    };
    const TemplateLookup by_fallback = [&](std::string_view name) -> std::optional<std::string_view> {
        return json_text(fallbacks, std::string(name), "fallbacks");
    };
    return render_template(t.parsed, by_value, by_fallback);
}

// outreach.sms_encoding: 'GSM-7' or 'UCS-2'.
Datum sms_encoding_body(FunctionCallInfo fcinfo)
{
    return text_datum(sms_length(text_arg(fcinfo, 0)).encoding == SmsEncoding::Gsm7 ? "GSM-7" : "UCS-2");
}

// outreach.sms_units: septets or UTF-16 units.
Datum sms_units_body(FunctionCallInfo fcinfo) { return Int32GetDatum(sms_length(text_arg(fcinfo, 0)).units); }

// outreach.sms_segments: billed segments, 0 for ''.
Datum sms_segments_body(FunctionCallInfo fcinfo) { return Int32GetDatum(sms_length(text_arg(fcinfo, 0)).segments); }

// outreach.template_variables: validates the template and lists its variables.
Datum template_variables_body(FunctionCallInfo fcinfo)
{
    std::unique_ptr<CachedTemplate> scratch;
    return text_array_datum(template_arg(fcinfo, scratch).variables);
}

// outreach.render_template: the message, or NULL when a variable has no value and no fallback.
Datum render_template_body(FunctionCallInfo fcinfo)
{
    const RenderResult r = render_args(fcinfo);
    if (!r.missing.empty()) {
        fcinfo->isnull = true;
        return Datum(0);
    }
    return text_datum(r.text);
}

// outreach.template_missing_variables: the variables that make render_template NULL.
Datum template_missing_variables_body(FunctionCallInfo fcinfo) { return text_array_datum(render_args(fcinfo).missing); }

}  // namespace

OUTREACH_ENTRY_POINT(outreach_sms_encoding, sms_encoding_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_sms_units, sms_units_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_sms_segments, sms_segments_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_template_variables, template_variables_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_render_template, render_template_body(fcinfo));
OUTREACH_ENTRY_POINT(outreach_template_missing_variables, template_missing_variables_body(fcinfo));

}  // namespace outreach::pg
