// libFuzzer target for extension/core/csv.cpp. The first byte picks the options, the next four
// seed the chunk sizes, the rest is the CSV. The input is parsed whole and in pseudo-random
// chunks; the two record streams must be identical, record numbers consecutive, lines increasing,
// every accepted field well-formed UTF-8 without NUL and within the limits, every rejected record
// without fields and with a message, and the whole input consumed. Accepted records written back
// as CSV must parse to the same fields.
#include "core/csv.hpp"
#include "core/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace csv = outreach::csv;

void check(bool ok)
{
    if (!ok) __builtin_trap();
}

struct Owned {
    std::uint64_t number, first_line, last_line;
    std::vector<std::string> fields;
    bool rejected;
    int kind;
    std::size_t field;
    std::string message;
    bool operator==(const Owned &) const = default;
};

// Feeds `in` in chunks of next_chunk() bytes (whole when it returns 0), draining after each.
template <typename NextChunk>
std::vector<Owned> parse(std::string_view in, const csv::Options &opt, NextChunk next_chunk)
{
    auto made = csv::Reader::create(opt);
    check(made.ok());
    csv::Reader &reader = made.value();
    csv::Record rec;
    std::vector<Owned> out;
    const auto drain = [&] {
        while (reader.next(rec)) {
            Owned o{rec.number, rec.first_line, rec.last_line, {}, rec.problem.has_value(), -1, 0, {}};
            for (std::string_view f : rec.fields) o.fields.emplace_back(f);
            if (rec.problem) {
                o.kind = static_cast<int>(rec.problem->kind);
                o.field = rec.problem->field;
                o.message = rec.problem->message;
            }
            out.push_back(std::move(o));
        }
    };
    std::size_t off = 0;
    while (off < in.size()) {
        std::size_t k = next_chunk();
        if (k == 0 || k > in.size() - off) k = in.size() - off;
        reader.feed(in.substr(off, k));
        off += k;
        drain();
    }
    reader.finish();
    drain();
    check(!reader.next(rec));
    check(reader.bytes_consumed() == in.size());
    return out;
}

std::string quoted(std::string_view v, char quote)
{
    std::string s(1, quote);
    for (char c : v) {
        s += c;
        if (c == quote) s += c;
    }
    s += quote;
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5) return 0;
    const std::uint8_t flags = data[0];
    std::uint32_t state =
        (std::uint32_t{data[1]} << 24 | std::uint32_t{data[2]} << 16 | std::uint32_t{data[3]} << 8 | data[4]) | 1;
    const std::string_view in(reinterpret_cast<const char *>(data + 5), size - 5);

    csv::Options opt;
    opt.header = flags & 1;
    if (flags & 2) {  // small limits, to exercise the skipping of overlong records
        opt.max_field_size = 1 + (flags >> 4);
        opt.max_record_size = 4 + 3 * (flags >> 4);
        opt.max_fields = 1 + ((flags >> 2) & 3);
    }
    if (flags & 0x80) {
        opt.delimiter = ';';
        opt.quote = '\'';
    }

    const auto whole = parse(in, opt, [] { return std::size_t{0}; });
    const auto chunked = parse(in, opt, [&] {
        state ^= state << 13;  // xorshift32
        state ^= state >> 17;
        state ^= state << 5;
        return std::size_t{1} + (state % 4 == 0 ? state % 257 : state % 5);
    });
    check(whole == chunked);

    std::string rewritten;
    std::vector<std::vector<std::string>> accepted;
    std::uint64_t last_line = 0;
    for (std::size_t i = 0; i < whole.size(); ++i) {
        const Owned &r = whole[i];
        check(r.number == (opt.header ? i : i + 1));
        check(r.first_line > last_line && r.last_line >= r.first_line);
        last_line = r.last_line;
        if (r.rejected) {
            check(r.fields.empty() && r.field >= 1 && !r.message.empty());
            continue;
        }
        check(!r.fields.empty() && r.fields.size() <= opt.max_fields);
        for (const std::string &f : r.fields) {
            check(outreach::utf8::valid(f));
            check(f.find('\0') == std::string::npos);
            check(f.size() <= opt.max_field_size);
        }
        for (std::size_t k = 0; k < r.fields.size(); ++k) rewritten += (k ? "," : "") + quoted(r.fields[k], '"');
        rewritten += "\r\n";
        accepted.push_back(r.fields);
    }

    // What a writer makes of the accepted records reads back the same.
    csv::Options plain;
    plain.header = false;
    plain.max_field_size = plain.max_record_size = std::size_t{1} << 30;
    const auto again = parse(rewritten, plain, [] { return std::size_t{0}; });
    check(again.size() == accepted.size());
    for (std::size_t i = 0; i < again.size(); ++i) check(!again[i].rejected && again[i].fields == accepted[i]);
    return 0;
}
