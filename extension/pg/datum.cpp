// Datum conversions (see datum.hpp). The install script refuses databases that are not UTF-8,
// so text arrives in the encoding the core speaks and goes back unconverted.
#include "datum.hpp"

namespace outreach::pg {

std::string_view text_arg(FunctionCallInfo fcinfo, int n)
{
    text *t = pg_call([&] { return PG_GETARG_TEXT_PP(n); });
    return std::string_view(VARDATA_ANY(t), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(t)));
}

std::string_view text_arg_or_empty(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n)) return std::string_view();
    return text_arg(fcinfo, n);
}

Datum text_datum(std::string_view s)
{
    const char *data = s.data();
    int len = static_cast<int>(s.size());
    return PointerGetDatum(pg_call([&] { return cstring_to_text_with_len(data, len); }));
}

Datum text_or_null(FunctionCallInfo fcinfo, const std::optional<std::string> &s)
{
    if (!s) {
        fcinfo->isnull = true;
        return Datum(0);
    }
    return text_datum(*s);
}

Datum text_array_datum(const std::vector<std::string> &items)
{
    int count = static_cast<int>(items.size());
    Datum *elems = pg_call([&] { return static_cast<Datum *>(palloc(sizeof(Datum) * (count > 0 ? count : 1))); });
    for (int i = 0; i < count; ++i) elems[i] = text_datum(items[static_cast<std::size_t>(i)]);
    ArrayType *array = pg_call([&] { return construct_array(elems, count, TEXTOID, -1, false, TYPALIGN_INT); });
    return PointerGetDatum(array);
}

}  // namespace outreach::pg
