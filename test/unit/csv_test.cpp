// Unit tests for extension/core/csv.cpp: messy real-world lead files with the exact records and
// rejections expected, the same output whichever way the input is cut into chunks, the memory
// bound on overlong records, and header_key.
#include "core/csv.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace std::string_literals;
using outreach::csv::Options;
using outreach::csv::Problem;
using outreach::csv::Reader;
using outreach::csv::Record;

namespace {

// Bytes that are not printable ASCII as \xNN (and \r \n \t), so that failures are readable.
std::string esc(std::string_view s)
{
    std::string out;
    for (unsigned char c : s) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    return out;
}

// One record as a line: "2@4 [a] [b]", "3@5-6 bad_utf8#2: <message>".
std::string render(const Record &r)
{
    std::string s = std::to_string(r.number) + "@" + std::to_string(r.first_line);
    if (r.last_line != r.first_line) s += "-" + std::to_string(r.last_line);
    if (r.problem) {
        EXPECT_TRUE(r.fields.empty()) << "a rejected record must have no fields";
        s += " "s + outreach::csv::kind_name(r.problem->kind) + "#" + std::to_string(r.problem->field) + ": " +
             esc(r.problem->message);
    } else {
        for (std::string_view f : r.fields) s += " [" + esc(f) + "]";
    }
    return s;
}

Reader make_reader(const Options &opt)
{
    auto r = Reader::create(opt);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return std::move(r.value());
}

// Parses `in` fed in chunks whose sizes come from `chunk_size()`; with `drain`, records are
// pulled after every feed (the intended use), else only at the end.
template <typename ChunkSize>
std::vector<std::string> parse_with(std::string_view in, const Options &opt, ChunkSize chunk_size, bool drain = true)
{
    Reader reader = make_reader(opt);
    Record rec;
    std::vector<std::string> out;
    std::size_t off = 0;
    while (off < in.size()) {
        const std::size_t k = std::min(in.size() - off, std::max<std::size_t>(1, chunk_size()));
        reader.feed(in.substr(off, k));
        off += k;
        if (drain)
            while (reader.next(rec)) out.push_back(render(rec));
    }
    reader.finish();
    while (reader.next(rec)) out.push_back(render(rec));
    EXPECT_FALSE(reader.next(rec)) << "the end must stay the end";
    return out;
}

std::vector<std::string> parse_whole(std::string_view in, const Options &opt = {})
{
    return parse_with(in, opt, [&] { return in.size(); });
}

std::vector<std::string> parse_bytewise(std::string_view in, const Options &opt = {}, bool drain = true)
{
    return parse_with(
        in, opt, [] { return std::size_t{1}; }, drain);
}

std::vector<std::string> parse_random(std::string_view in, const Options &opt, unsigned seed)
{
    std::mt19937 rng(seed);
    return parse_with(in, opt, [&] {
        switch (rng() % 4) {
        case 0: return std::size_t{1};
        case 1: return std::size_t{2 + rng() % 3};
        case 2: return std::size_t{1 + rng() % 17};
        default: return std::size_t{1 + rng() % 300};
        }
    });
}

Options small_limits()
{
    Options o;
    o.max_field_size = 8;
    o.max_record_size = 24;
    o.max_fields = 4;
    return o;
}

Options with_delimiter(char d)
{
    Options o;
    o.delimiter = d;
    return o;
}

Options no_header()
{
    Options o;
    o.header = false;
    return o;
}

Options with_quote(char q)
{
    Options o;
    o.quote = q;
    return o;
}

struct Case {
    const char *name;
    std::string input;
    std::vector<std::string> want;
    Options opt = {};
};

const std::string kStray = " after the closing quote (a quote inside a quoted field must be doubled)";

// The messy inputs. Each `want` line is one record as render() prints it.
const std::vector<Case> &cases()
{
    static const std::vector<Case> k = {
        {"simple", "name,phone\nAcme,555-0100\n", {"0@1 [name] [phone]", "1@2 [Acme] [555-0100]"}},
        {"quoted comma",
         "company,city\n\"Smith, Jones & Co\",Austin\n",
         {"0@1 [company] [city]", "1@2 [Smith, Jones & Co] [Austin]"}},
        {"doubled quotes", "a,b\n\"He said \"\"hi\"\"\",x\n", {"0@1 [a] [b]", "1@2 [He said \"hi\"] [x]"}},
        {"value is one quote", "a\n\"\"\"\"\n", {"0@1 [a]", "1@2 [\"]"}},
        {"empty quoted fields", "a,b\n\"\",\"\"\n", {"0@1 [a] [b]", "1@2 [] []"}},
        {"one empty quoted field is a record, not an empty line", "a\n\"\"\nx\n", {"0@1 [a]", "1@2 []", "2@3 [x]"}},
        {"embedded CRLF",
         "street,zip\r\n\"1 Main St\r\nSuite 200\",02134\r\nx,y\r\n",
         {"0@1 [street] [zip]", "1@2-3 [1 Main St\\r\\nSuite 200] [02134]", "2@4 [x] [y]"}},
        {"CRLF file", "a,b\r\n1,2\r\n3,4\r\n", {"0@1 [a] [b]", "1@2 [1] [2]", "2@3 [3] [4]"}},
        {"bare CR file (old Mac Excel)", "a,b\r1,2\r3,4\r", {"0@1 [a] [b]", "1@2 [1] [2]", "2@3 [3] [4]"}},
        {"mixed line ends", "a\n1\r\n2\r3\n", {"0@1 [a]", "1@2 [1]", "2@3 [2]", "3@4 [3]"}},
        {"LF CR is two line ends", "a\n\r1\n", {"0@1 [a]", "1@3 [1]"}},
        {"BOM", "\xEF\xBB\xBFname,zip\nAcme,02134\n", {"0@1 [name] [zip]", "1@2 [Acme] [02134]"}},
        {"BOM after the start is data", "a\n\xEF\xBB\xBFx\n", {"0@1 [a]", "1@2 [\\xEF\\xBB\\xBFx]"}},
        {"second BOM is data",
         "\xEF\xBB\xBF\xEF\xBB\xBF"
         "a\n1\n",
         {"0@1 [\\xEF\\xBB\\xBFa]", "1@2 [1]"}},
        {"half a BOM is bad UTF-8",
         "\xEF\xBB"
         "a\n1\n",
         {"0@1 bad_utf8#1: header (line 1), field 1: invalid UTF-8 byte 0xEF at offset 0", "1@2 [1]"}},
        {"trailing empty field", "a,b,c\n1,2,\n", {"0@1 [a] [b] [c]", "1@2 [1] [2] []"}},
        {"only delimiters", "a,b,c\n,,\n", {"0@1 [a] [b] [c]", "1@2 [] [] []"}},
        {"empty lines are skipped but counted", "a\n\n1\n\r\n\r\n2\n\n", {"0@1 [a]", "1@3 [1]", "2@6 [2]"}},
        {"empty lines before the header", "\n\n\r\na,b\n1,2\n", {"0@4 [a] [b]", "1@5 [1] [2]"}},
        {"whitespace-only line is a record", "a,b\n   \n1,2\n", {"0@1 [a] [b]", "1@2 [   ]", "2@3 [1] [2]"}},
        {"no final newline", "a,b\n1,2", {"0@1 [a] [b]", "1@2 [1] [2]"}},
        {"quoted field at the end of input", "a\n\"x\"", {"0@1 [a]", "1@2 [x]"}},
        {"delimiter at the end of input", "a,b\n1,", {"0@1 [a] [b]", "1@2 [1] []"}},
        {"only a header", "a,b\n", {"0@1 [a] [b]"}},
        {"empty input", "", {}},
        {"only a BOM", "\xEF\xBB\xBF", {}},
        {"only line ends", "\r\n\n\r", {}},
        {"unterminated quote at EOF",
         "a,b\n1,\"open\n2,3\n",
         {"0@1 [a] [b]", "1@2-4 unterminated_quote#2: record 1 (lines 2-4), field 2: the quoted field opened at "
                         "line 2 is not closed before the end of the input"}},
        {"unterminated after a doubled quote",
         "a\n\"x\"\"\n",
         {"0@1 [a]", "1@2-3 unterminated_quote#1: record 1 (lines 2-3), field 1: the quoted field "
                     "opened at line 2 is not closed before the end of the input"}},
        {"unterminated quote opened on a later line of the record",
         "a,b\n1,\"x\ny\",\"z\n",
         {"0@1 [a] [b]", "1@2-4 unterminated_quote#3: record 1 (lines 2-4), field 3: the quoted "
                         "field opened at line 3 is not closed before the end of the input"}},
        {"stray quote",
         "a,b\n\"abc\"def,x\n1,2\n",
         {"0@1 [a] [b]", "1@2 stray_quote#1: record 1 (line 2), field 1: unexpected 'd'" + kStray, "2@3 [1] [2]"}},
        {"space after the closing quote",
         "a,b\n\"abc\" ,x\n",
         {"0@1 [a] [b]", "1@2 stray_quote#1: record 1 (line 2), field 1: unexpected ' '" + kStray}},
        {"byte after the closing quote",
         "a\nx,\"y\"\xFF\n",
         {"0@1 [a]", "1@2 stray_quote#2: record 1 (line 2), field 2: unexpected byte 0xFF" + kStray}},
        {"empty quoted then text",
         "a\n\"\"x\n",
         {"0@1 [a]", "1@2 stray_quote#1: record 1 (line 2), field 1: unexpected 'x'" + kStray}},
        {"unescaped inner quotes resync at the line end",
         "a,b\n\"He said \"hi, there\" ok\",x\n1,2\n",
         {"0@1 [a] [b]", "1@2 stray_quote#1: record 1 (line 2), field 1: unexpected 'h'" + kStray, "2@3 [1] [2]"}},
        {"stray quote, then a quoted newline in the same record",
         "a,b\n\"a\"x,\"b\nc\"\nnext\n",
         {"0@1 [a] [b]", "1@2-3 stray_quote#1: record 1 (lines 2-3), field 1: unexpected 'x'" + kStray, "2@4 [next]"}},
        {"quotes inside unquoted fields are literal",
         "height,note\n5'11\",ab\"c\n",
         {"0@1 [height] [note]", "1@2 [5'11\"] [ab\"c]"}},
        {"spreadsheet formula", "zip\n=\"00123\"\n", {"0@1 [zip]", "1@2 [=\"00123\"]"}},
        {"leading space: not a quoted field", "a,b\n \"x,y\"\n", {"0@1 [a] [b]", "1@2 [ \"x] [y\"]"}},
        {"invalid UTF-8 in one field, the next record parses",
         "name,city\nAcme,Sp\xFFringfield\nBeta,Austin\n",
         {"0@1 [name] [city]", "1@2 bad_utf8#2: record 1 (line 2), field 2: invalid UTF-8 byte 0xFF at offset 2",
          "2@3 [Beta] [Austin]"}},
        {"Windows-1252 accent",
         "name\nCaf\xE9 Rouge\n",
         {"0@1 [name]", "1@2 bad_utf8#1: record 1 (line 2), field 1: invalid UTF-8 byte 0xE9 at offset 3"}},
        {"Windows-1252 smart quotes",
         "a,b\nx,\"\x93quoted\x94\"\n",
         {"0@1 [a] [b]", "1@2 bad_utf8#2: record 1 (line 2), field 2: invalid UTF-8 byte 0x93 at offset 0"}},
        {"overlong encoding",
         "a\n\xC0\xAF\n",
         {"0@1 [a]", "1@2 bad_utf8#1: record 1 (line 2), field 1: invalid UTF-8 byte 0xC0 at offset 0"}},
        {"overlong three-byte form",
         "a\n\xE0\x80\xAF\n",
         {"0@1 [a]", "1@2 bad_utf8#1: record 1 (line 2), field 1: invalid UTF-8 byte 0xE0 at offset 0"}},
        {"overlong four-byte form",
         "a\nok,\xF0\x8F\xBF\xBF\n",
         {"0@1 [a]", "1@2 bad_utf8#2: record 1 (line 2), field 2: invalid UTF-8 byte 0xF0 at offset 0"}},
        {"surrogate",
         "a\nx\xED\xA0\x80\n",
         {"0@1 [a]", "1@2 bad_utf8#1: record 1 (line 2), field 1: invalid UTF-8 byte 0xED at offset 1"}},
        {"above U+10FFFF",
         "a\n\xF4\x90\x80\x80\n",
         {"0@1 [a]", "1@2 bad_utf8#1: record 1 (line 2), field 1: invalid UTF-8 byte 0xF4 at offset 0"}},
        {"sequence cut by the delimiter",
         "a,b\n\xC3,x\n",
         {"0@1 [a] [b]", "1@2 bad_utf8#1: record 1 (line 2), field 1: invalid UTF-8 byte 0xC3 at offset 0"}},
        {"valid multi-byte text",
         "name\nJos\xC3\xA9 M\xC3\xBCller \xF0\x9F\x98\x80 \xE5\x8C\x97 \xE2\x82\xAC\n",
         {"0@1 [name]", "1@2 [Jos\\xC3\\xA9 M\\xC3\\xBCller \\xF0\\x9F\\x98\\x80 \\xE5\\x8C\\x97 \\xE2\\x82\\xAC]"}},
        {"NUL byte",
         "a,b\nx,y\0z\n"s,
         {"0@1 [a] [b]", "1@2 nul_byte#2: record 1 (line 2), field 2: NUL byte at offset 1"}},
        {"offset counts the value after unquoting",
         "a\n\"\"\"\xFF\"\n",
         {"0@1 [a]", "1@2 bad_utf8#1: record 1 (line 2), field 1: invalid UTF-8 byte 0xFF at offset 1"}},
        {"the first problem wins",
         "a,b\n\xFF,\"open\n",
         {"0@1 [a] [b]", "1@2-3 bad_utf8#1: record 1 (lines 2-3), field 1: invalid UTF-8 byte 0xFF at offset 0"}},
        {"header with bad UTF-8, data still counts from 1",
         "n\xE4me,zip\n1,2\n",
         {"0@1 bad_utf8#1: header (line 1), field 1: invalid UTF-8 byte 0xE4 at offset 1", "1@2 [1] [2]"}},
        {"rejected records keep their numbers",
         "a\n\xFF\n\xFE\nok\n",
         {"0@1 [a]", "1@2 bad_utf8#1: record 1 (line 2), field 1: invalid UTF-8 byte 0xFF at offset 0",
          "2@3 bad_utf8#1: record 2 (line 3), field 1: invalid UTF-8 byte 0xFE at offset 0", "3@4 [ok]"}},
        {"record and line numbers across embedded newlines",
         "id,note\n1,\"a\nb\nc\"\n2,\"d\r\ne\"\n3,f\n",
         {"0@1 [id] [note]", "1@2-4 [1] [a\\nb\\nc]", "2@5-6 [2] [d\\r\\ne]", "3@7 [3] [f]"}},
        {"CR inside quotes, LF after the closing quote", "a\n\"x\r\"\ny\n", {"0@1 [a]", "1@2-3 [x\\r]", "2@4 [y]"}},
        {"overlong field",
         "a\n123456789\n12345678\n",
         {"0@1 [a]", "1@2 too_long#1: record 1 (line 2), field 1: field is longer than 8 bytes", "2@3 [12345678]"},
         small_limits()},
        {"overlong record",
         "a\n1234567,1234567,1234567,1\nx\n",
         {"0@1 [a]", "1@2 too_long#4: record 1 (line 2), field 4: record is longer than 24 bytes", "2@3 [x]"},
         small_limits()},
        {"overlong quoted field across lines resyncs after it",
         "a\n\"1234\n5678\n90\",x\nok\n",
         {"0@1 [a]", "1@2-4 too_long#1: record 1 (lines 2-4), field 1: field is longer than 8 bytes", "2@5 [ok]"},
         small_limits()},
        {"the field limit counts the value, not the quotes",
         "a\n\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\n",
         {"0@1 [a]", "1@2 [\"\"\"\"\"\"\"\"]"},
         small_limits()},
        {"too many fields",
         "a\n1,2,3,4,5\nx\n",
         {"0@1 [a]", "1@2 too_many_fields#5: record 1 (line 2), field 5: more than 4 fields", "2@3 [x]"},
         small_limits()},
        {"very long line",
         "a\n" + std::string(100000, 'x') + "\n",
         {"0@1 [a]", "1@2 [" + std::string(100000, 'x') + "]"}},
        {"no header", "1,2\n3,4\n", {"1@1 [1] [2]", "2@2 [3] [4]"}, no_header()},
        {"tab-separated",
         "name\tcity\n\"Smith, J\"\tAustin, TX\n",
         {"0@1 [name] [city]", "1@2 [Smith, J] [Austin, TX]"},
         with_delimiter('\t')},
        {"semicolons (European Excel)",
         "name;revenue\nAcme;1,5\n",
         {"0@1 [name] [revenue]", "1@2 [Acme] [1,5]"},
         with_delimiter(';')},
        {"single-quote quoting", "a,b\n'x,y',it's\n", {"0@1 [a] [b]", "1@2 [x,y] [it's]"}, with_quote('\'')},
    };
    return k;
}

TEST(CsvReader, MessyInputs)
{
    EXPECT_GE(cases().size(), 40u);
    for (const Case &c : cases()) EXPECT_EQ(parse_whole(c.input, c.opt), c.want) << c.name;
}

// The output must not depend on where chunk boundaries fall.
TEST(CsvReader, ChunkBoundariesDoNotMatter)
{
    for (const Case &c : cases()) {
        EXPECT_EQ(parse_bytewise(c.input, c.opt), c.want) << c.name << ": byte by byte";
        EXPECT_EQ(parse_bytewise(c.input, c.opt, false), c.want) << c.name << ": fed, then drained";
        for (unsigned seed = 1; seed <= 5; ++seed)
            EXPECT_EQ(parse_random(c.input, c.opt, seed), c.want) << c.name << ": seed " << seed;
    }
}

// Random byte soup rich in quotes, delimiters, line ends, multi-byte and invalid UTF-8.
std::string random_csv(std::mt19937 &rng, std::size_t tokens)
{
    static const char *kTokens[] = {
        ",",    ",",    "\"",           "\"",  "\"\"",     "\r",           "\n",
        "\r\n", "a",    "bc",           "x y", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
        "\xFF", "\xC3", "\xEF\xBB\xBF", "'",   "\t",       "1234567890"};
    std::string s;
    for (std::size_t i = 0; i < tokens; ++i) s += kTokens[rng() % std::size(kTokens)];
    if (rng() % 8 == 0) s += std::string(1, '\0');
    return s;
}

TEST(CsvReader, RandomInputsChunkInvariant)
{
    std::mt19937 rng(20240601);
    for (int i = 0; i < 400; ++i) {
        const std::string in = random_csv(rng, rng() % 120);
        for (const Options &opt : {Options{}, small_limits(), no_header()}) {
            const auto whole = parse_whole(in, opt);
            ASSERT_EQ(parse_bytewise(in, opt), whole) << esc(in);
            ASSERT_EQ(parse_random(in, opt, static_cast<unsigned>(i)), whole) << esc(in);
            // Numbers are consecutive and lines never go back.
            std::uint64_t last_line = 0;
            for (std::size_t k = 0; k < whole.size(); ++k) {
                const std::uint64_t number = std::stoull(whole[k]);
                EXPECT_EQ(number, opt.header ? k : k + 1) << esc(in);
                const std::uint64_t line = std::stoull(whole[k].substr(whole[k].find('@') + 1));
                EXPECT_GT(line, last_line) << esc(in);
                last_line = line;
            }
        }
    }
}

// Writes `rows` as CSV with random quoting and line ends; parsing gives the rows back.
TEST(CsvReader, RoundTripsWhatAWriterProduces)
{
    std::mt19937 rng(7);
    static const char *kPieces[] = {"a",  "Z",  " ", ",", "\"", "\r", "\n", "\r\n", "\xC3\xA9", "\xF0\x9F\x98\x80",
                                    "''", "\t", "0"};
    for (int iter = 0; iter < 300; ++iter) {
        std::vector<std::vector<std::string>> rows(1 + rng() % 6);
        std::string csv = rng() % 2 ? "\xEF\xBB\xBF" : "";
        const char *eol = rng() % 3 == 0 ? "\r\n" : rng() % 2 ? "\n" : "\r";
        for (std::size_t r = 0; r < rows.size(); ++r) {
            rows[r].resize(1 + rng() % 5);
            for (std::size_t f = 0; f < rows[r].size(); ++f) {
                std::string &v = rows[r][f];
                for (std::size_t k = rng() % 6; k > 0; --k) v += kPieces[rng() % std::size(kPieces)];
                const bool needs =
                    v.find_first_of(",\"\r\n") != std::string::npos || (rows[r].size() == 1 && v.empty());
                if (f) csv += ',';
                if (needs || rng() % 3 == 0) {
                    csv += '"';
                    for (char c : v) csv += c == '"' ? "\"\"" : std::string(1, c);
                    csv += '"';
                } else {
                    csv += v;
                }
            }
            if (r + 1 < rows.size() || rng() % 2) csv += eol;
        }
        std::vector<std::string> want;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            std::string line = std::to_string(r + 1);
            for (const auto &v : rows[r]) line += " [" + esc(v) + "]";
            want.push_back(line);
        }
        auto got = parse_random(csv, no_header(), static_cast<unsigned>(iter));
        for (auto &g : got) g.erase(g.find('@'), g.find(' ') - g.find('@'));  // drop the lines
        ASSERT_EQ(got, want) << esc(csv);
    }
}

TEST(CsvReader, KeepsTheHeader)
{
    Reader reader;
    Record rec;
    reader.feed("\xEF\xBB\xBF\"Company Name\",Phone\r\nAcme,555\r\n");
    reader.finish();
    ASSERT_TRUE(reader.next(rec));
    EXPECT_EQ(rec.number, 0u);
    ASSERT_TRUE(reader.next(rec));
    EXPECT_EQ(reader.header(), (std::vector<std::string>{"Company Name", "Phone"}));
    EXPECT_EQ(reader.bytes_consumed(), 33u);  // up to the last line end, which is not read yet
    EXPECT_FALSE(reader.next(rec));
    EXPECT_EQ(reader.bytes_consumed(), 35u);
}

TEST(CsvReader, RejectsUnusableOptions)
{
    const auto error_of = [](Options o) {
        auto r = Reader::create(o);
        return r.ok() ? std::string("ok") : r.error().message;
    };
    Options o;
    EXPECT_EQ(error_of(o), "ok");
    o.delimiter = '\n';
    EXPECT_EQ(error_of(o), "CSV delimiter must be an ASCII character other than CR, LF and NUL");
    o.delimiter = '\xA7';
    EXPECT_EQ(error_of(o), "CSV delimiter must be an ASCII character other than CR, LF and NUL");
    o = Options{};
    o.quote = '\r';
    EXPECT_EQ(error_of(o), "CSV quote must be an ASCII character other than CR, LF and NUL");
    o.quote = ',';
    EXPECT_EQ(error_of(o), "CSV delimiter and quote must differ");
    o = Options{};
    o.max_fields = 0;
    EXPECT_EQ(error_of(o), "CSV size limits must be positive");
    EXPECT_EQ(Reader::create(o).error().kind, outreach::ErrorKind::invalid_argument);
}

TEST(CsvReader, FeedAfterFinishIsACallerBug)
{
    Reader reader;
    reader.finish();
    EXPECT_THROW(reader.feed("a"), std::logic_error);
}

// The default limits: 1 MiB per value, 16 MiB per record.
TEST(CsvReader, DefaultLimits)
{
    const std::string mib(1u << 20, 'x');
    std::string in = "a\n" + mib + "\n" + mib + "y\n\"" + mib + "\"\n";
    for (int k = 0; k < 17; ++k) in += (k ? "," : "") + mib;
    in += "\nlast\n";
    const auto got = parse_random(in, {}, 3);
    ASSERT_EQ(got.size(), 6u);
    EXPECT_EQ(got[1], "1@2 [" + mib + "]");
    EXPECT_EQ(got[2], "2@3 too_long#1: record 2 (line 3), field 1: field is longer than 1048576 bytes");
    EXPECT_EQ(got[3], "3@4 [" + mib + "]");
    // 16 values of 1 MiB and 15 commas pass 16 MiB at the end of field 16.
    EXPECT_EQ(got[4], "4@5 too_long#16: record 4 (line 5), field 16: record is longer than 16777216 bytes");
    EXPECT_EQ(got[5], "5@6 [last]");
}

// An endless field must not be buffered: memory stays near the field limit plus one chunk.
TEST(CsvReader, MemoryStaysBoundedOnEndlessFields)
{
    for (const std::string prefix : {"", "\""}) {
        Reader reader;
        Record rec;
        reader.feed("a\n");
        ASSERT_TRUE(reader.next(rec));
        reader.feed(prefix);
        const std::string chunk =
            prefix.empty() ? std::string(1u << 16, 'x') : std::string((1u << 16) - 2, 'x') + "\r\n";
        std::size_t peak = 0;
        for (int i = 0; i < 640; ++i) {  // 40 MiB, beyond the 16 MiB record limit
            reader.feed(chunk);
            EXPECT_FALSE(reader.next(rec));
            peak = std::max(peak, reader.buffered_bytes());
        }
        reader.feed(prefix + "\nnext\n");
        reader.finish();
        ASSERT_TRUE(reader.next(rec));
        ASSERT_TRUE(rec.problem);
        EXPECT_EQ(rec.problem->kind, Problem::Kind::too_long);
        EXPECT_EQ(rec.first_line, 2u);
        EXPECT_EQ(rec.last_line, prefix.empty() ? 2u : 642u);
        ASSERT_TRUE(reader.next(rec));
        EXPECT_EQ(render(rec), prefix.empty() ? "2@3 [next]" : "2@643 [next]");
        EXPECT_LE(peak, (1u << 20) + 3 * (1u << 16)) << "quoted: " << !prefix.empty();
    }
}

// Fields are views into the reader: after unquoting in place, a quoted value is still one view.
TEST(CsvReader, FieldsAreViewsIntoTheReader)
{
    Reader reader;
    Record rec;
    reader.feed("a,b\n\"x\"\"y\",z\n");
    ASSERT_TRUE(reader.next(rec));
    ASSERT_TRUE(reader.next(rec));
    ASSERT_EQ(rec.fields.size(), 2u);
    EXPECT_EQ(rec.fields[0], "x\"y");
    EXPECT_EQ(rec.fields[1].data(), rec.fields[0].data() + 6);  // z sits where it was written
}

TEST(CsvReader, KindNames)
{
    using K = Problem::Kind;
    EXPECT_STREQ(outreach::csv::kind_name(K::bad_utf8), "bad_utf8");
    EXPECT_STREQ(outreach::csv::kind_name(K::nul_byte), "nul_byte");
    EXPECT_STREQ(outreach::csv::kind_name(K::unterminated_quote), "unterminated_quote");
    EXPECT_STREQ(outreach::csv::kind_name(K::stray_quote), "stray_quote");
    EXPECT_STREQ(outreach::csv::kind_name(K::too_long), "too_long");
    EXPECT_STREQ(outreach::csv::kind_name(K::too_many_fields), "too_many_fields");
}

TEST(CsvReader, ColumnCountMessage)
{
    Record r;
    r.number = 5;
    r.first_line = 6;
    r.last_line = 6;
    r.fields = {"a", "b"};
    EXPECT_EQ(outreach::csv::column_count_message(r, 2), "");
    EXPECT_EQ(outreach::csv::column_count_message(r, 13), "record 5 (line 6): 2 fields, expected 13 as in the header");
    r.fields = {"a"};
    r.last_line = 8;
    EXPECT_EQ(outreach::csv::column_count_message(r, 3), "record 5 (lines 6-8): 1 field, expected 3 as in the header");
    r.fields.clear();
    r.problem = Problem{Problem::Kind::bad_utf8, 1, "record 5 (line 6), field 1: invalid"};
    EXPECT_EQ(outreach::csv::column_count_message(r, 3), "record 5 (line 6), field 1: invalid");
}

TEST(HeaderKey, Cases)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"Company Name", "companyname"},
        {"company_name", "companyname"},
        {"companyName", "companyname"},
        {" COMPANY-NAME ", "companyname"},
        {"\xEF\xBB\xBF"
         "companyName",
         "companyname"},
        {"\"Company Name\"", "companyname"},
        {"'zip'", "zip"},
        {"Owner First Name", "ownerfirstname"},
        {"owner.first.name", "ownerfirstname"},
        {"E-mail", "email"},
        {"SIC Code", "siccode"},
        {"NAICS_Code", "naicscode"},
        {"Annual Revenue ($)", "annualrevenue"},
        {"Zip+4", "zip4"},
        {"Address 2", "address2"},
        {"T\xC3\xA9l\xC3\xA9phone", "telephone"},
        {"Stra\xC3\x9F"
         "e",
         "strasse"},
        {"\xC3\x85"
         "rsomsetning",
         "arsomsetning"},
        {"Company\xC2\xA0Name", "companyname"},  // no-break space
        {"\tState\r", "state"},
        {"", ""},
        {"###", ""},
        {"\xFF\xFE"
         "city",
         "city"},
        {"\xE5\x9F\x8E\xE5\xB8\x82", ""},  // other scripts are dropped
    };
    for (const auto &[in, want] : cases) EXPECT_EQ(outreach::csv::header_key(in), want) << esc(in);
}

}  // namespace

namespace {

TEST(RenderRaw, KeepsTextEscapesBadBytesAndDropsOneLeadingLineEnd)
{
    using outreach::csv::render_raw;
    EXPECT_EQ(render_raw("\nCaf\xE9,Jos\xE9"), "Caf\\xE9,Jos\\xE9");
    EXPECT_EQ(render_raw("\r\na,\"b\nc\",d"), "a,\"b\nc\",d");
    EXPECT_EQ(render_raw("\rx"), "x");
    EXPECT_EQ(render_raw("\n\nx"), "\nx");  // only one line end belongs to the record before
    EXPECT_EQ(render_raw(std::string_view("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(render_raw("Jos\xC3\xA9"), "Jos\xC3\xA9");  // valid UTF-8 stays as it is
    EXPECT_EQ(render_raw(""), "");
}

TEST(RenderRaw, CutsLongRecordsOnACharacterBoundary)
{
    using outreach::csv::render_raw;
    EXPECT_EQ(render_raw("abcdef", 4), "abcd...");
    EXPECT_EQ(render_raw("abcd", 4), "abcd");
    EXPECT_EQ(render_raw("ab\xC3\xA9z", 3), "ab...");  // does not split the é
    EXPECT_EQ(render_raw("\xFF\xFF\xFF", 4), "\\xFF...");
}

}  // namespace
