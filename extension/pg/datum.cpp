// Datum conversions (see datum.hpp).
#include "datum.hpp"

namespace outreach::pg {

namespace {

bool database_is_utf8() { return GetDatabaseEncoding() == PG_UTF8; }

}  // namespace

std::string_view text_arg(FunctionCallInfo fcinfo, int n) {
    text *t = pg_call([&] { return PG_GETARG_TEXT_PP(n); });
    const char *data = VARDATA_ANY(t);
    int len = VARSIZE_ANY_EXHDR(t);
    if (database_is_utf8()) return std::string_view(data, static_cast<std::size_t>(len));
    char *converted = pg_call([&] { return pg_server_to_any(data, len, PG_UTF8); });
    return std::string_view(converted, converted == data ? static_cast<std::size_t>(len) : std::strlen(converted));
}

std::string_view text_arg_or_empty(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return std::string_view();
    return text_arg(fcinfo, n);
}

Datum text_datum(std::string_view s) {
    const char *data = s.data();
    int len = static_cast<int>(s.size());
    if (!database_is_utf8()) {
        // pg_any_to_server wants a NUL-terminated copy; it raises an error naming the character
        // when the text cannot be represented in the database encoding.
        char *copy = pg_call([&] { return pnstrdup(data, len); });
        data = pg_call([&] { return pg_any_to_server(copy, len, PG_UTF8); });
        len = static_cast<int>(std::strlen(data));
    }
    return PointerGetDatum(pg_call([&] { return cstring_to_text_with_len(data, len); }));
}

Datum text_or_null(FunctionCallInfo fcinfo, const std::optional<std::string> &s) {
    if (!s) {
        fcinfo->isnull = true;
        return Datum(0);
    }
    return text_datum(*s);
}

Datum text_array_datum(const std::vector<std::string> &items) {
    int count = static_cast<int>(items.size());
    Datum *elems = pg_call([&] { return static_cast<Datum *>(palloc(sizeof(Datum) * (count > 0 ? count : 1))); });
    for (int i = 0; i < count; ++i) elems[i] = text_datum(items[static_cast<std::size_t>(i)]);
    ArrayType *array = pg_call([&] { return construct_array(elems, count, TEXTOID, -1, false, TYPALIGN_INT); });
    return PointerGetDatum(array);
}

}  // namespace outreach::pg
