// COPY text format encoders (see copy_text.hpp).
#include "copy_text.hpp"

#include <charconv>

namespace outreach::copy_text {
namespace {

// One byte as COPY text writes it.
inline void put_escaped(std::string &out, char c)
{
    switch (c) {
    case '\\': out += "\\\\"; break;
    case '\t': out += "\\t"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    default: out += c;
    }
}

}  // namespace

void append_value(std::string &out, std::string_view value)
{
    out.reserve(out.size() + value.size());
    for (char c : value) put_escaped(out, c);
}

void append_text_array(std::string &out, std::span<const std::string_view> fields)
{
    out += '{';
    bool first = true;
    for (std::string_view f : fields) {
        if (!first) out += ',';
        first = false;
        out += '"';
        for (char c : f) {
            // array syntax first: '"' -> \" and '\' -> \\ ; then COPY doubles every backslash
            if (c == '"')
                out += "\\\\\"";
            else if (c == '\\')
                out += "\\\\\\\\";
            else
                put_escaped(out, c);
        }
        out += '"';
    }
    out += '}';
}

void append_int(std::string &out, std::uint64_t value)
{
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    (void)ec;
    out.append(buf, end);
}

}  // namespace outreach::copy_text
