// Streaming RFC 4180 CSV reader for lead files. Every record comes out either as fields or as a
// rejection naming the record, its physical line(s), the field and the reason: nothing is lost.
// Pure C++ with no I/O of its own: `outreachd import` and the SQL import function feed it bytes.
// The exact quoting rules are in the comment at the top of csv.cpp.
#pragma once
#include "no_postgres.hpp"
#include "result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace outreach::csv {

struct Options {
    char delimiter = ',';                     // ',' ';' '\t' '|' ...: any ASCII except CR, LF, NUL
    char quote = '"';                         // ASCII, not CR/LF/NUL, different from the delimiter
    std::size_t max_field_size = 1u << 20;    // bytes of one field's value (after unquoting)
    std::size_t max_record_size = 16u << 20;  // bytes of one record as written, without its line end
    std::size_t max_fields = 10'000;          // fields in one record
    bool header = true;                       // the first record is the header (record 0)
};

// Why a record was rejected. `field` is 1-based (the column the problem was found in; for a
// record-level limit, the field being read when the limit was passed). `message` is complete and
// meant for people, e.g. "record 17 (line 18), field 3: invalid UTF-8 byte 0xFF at offset 5".
struct Problem {
    enum class Kind {
        bad_utf8,            // a field is not well-formed UTF-8 (e.g. a Windows-1252 export)
        nul_byte,            // a field contains a NUL byte (PostgreSQL text cannot hold it)
        unterminated_quote,  // the input ended inside a quoted field
        stray_quote,         // text after the closing quote of a quoted field: "abc"def
        too_long,            // a field or the record is longer than the limits
        too_many_fields,     // more than Options::max_fields fields
    };
    Kind kind;
    std::size_t field;
    std::string message;
};

// Stable snake_case name of a kind ("bad_utf8", ...), for logs and reason codes.
const char *kind_name(Problem::Kind kind);

// One record. With a problem, `fields` is empty: a record is either fields or a rejection.
struct Record {
    std::uint64_t number = 0;              // 0 = the header; data records count 1, 2, 3 ...
    std::uint64_t first_line = 0;          // physical line (1-based) where the record starts
    std::uint64_t last_line = 0;           // physical line where it ends (> first_line across quoted newlines)
    std::vector<std::string_view> fields;  // views into the reader: see Reader::next
    std::optional<Problem> problem;
};

// Incremental reader. Feed the input in chunks of any size (boundaries may fall anywhere: inside
// a quoted field, a CRLF pair, a UTF-8 sequence or the BOM) and pull records:
//
//     csv::Reader reader;                       // or csv::Reader::create(options)
//     csv::Record rec;                          // reused: its vector keeps its capacity
//     while (read a chunk) {
//         reader.feed(chunk);
//         while (reader.next(rec)) handle(rec);
//     }
//     reader.finish();
//     while (reader.next(rec)) handle(rec);
//
// The output does not depend on how the input was cut. Pulling (rather than a callback) lets the
// caller batch and stop freely and reuse one Record, so the steady state allocates nothing per
// record or per field: fields are views into the reader's buffer, where quoted fields are
// unquoted in place. Views stay valid until the next call to feed(), finish() or next(). The
// buffer holds at most the record being read plus the last chunk (a record over the limits is
// skipped without being stored), provided the caller drains next() after each feed().
class Reader {
public:
    Reader();  // default Options
    // A reader with `options`, or invalid_argument naming the bad option.
    static Result<Reader> create(const Options &options);

    // Appends input. Throws std::logic_error after finish() (a caller bug, not a data problem).
    void feed(std::string_view bytes);
    // Marks the end of the input: a last record without a line end is then complete.
    void finish();
    // Fills `out` with the next complete record and returns true, or returns false when more
    // input is needed (or, after finish(), when the input is exhausted).
    bool next(Record &out);

    // The header's fields, once record 0 has been delivered without a problem (else empty).
    const std::vector<std::string> &header() const { return header_; }
    // Bytes of input scanned so far (for progress reporting).
    std::uint64_t bytes_consumed() const { return pos_; }
    // Bytes currently held in the internal buffer (for tests of the memory bound).
    std::size_t buffered_bytes() const { return buf_.size(); }

private:
    enum class State : unsigned char { bom, record_start, field_start, unquoted, quoted, quote_in_quoted };

    explicit Reader(const Options &options);
    void compact();
    void begin_record(std::uint64_t p);
    void begin_field(std::uint64_t p);
    void end_field(std::uint64_t content_end, std::uint64_t raw_end);
    void check_partial(std::uint64_t p);
    void set_problem(Problem::Kind kind, std::string detail);
    bool deliver(Record &out, std::uint64_t p);

    Options opt_;
    std::array<unsigned char, 256> ends_unquoted_{};  // delimiter, CR, LF
    std::array<unsigned char, 256> stops_quoted_{};   // quote, CR, LF

    // Positions are absolute offsets in the input stream; buf_[0] is at offset base_.
    std::string buf_;
    std::uint64_t base_ = 0;
    std::uint64_t pos_ = 0;  // next byte to scan
    State state_ = State::bom;
    bool finished_ = false;
    bool prev_cr_ = false;  // the byte before the unscanned/unmoved input was a CR
    std::uint64_t line_ = 1;

    // The record being read.
    bool header_pending_ = true;
    std::uint64_t data_records_ = 0;
    std::uint64_t rec_start_ = 0;
    std::uint64_t first_line_ = 0;
    bool keep_ = true;  // its bytes are kept (false once rejected or over a limit)
    std::size_t nfields_ = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans_;  // (offset from rec_start_, length)

    // The field being read.
    std::uint64_t fstart_ = 0;         // its first byte (the opening quote, if quoted)
    std::uint64_t fskip_ = 0;          // bytes of it that are not value (quotes)
    std::uint64_t content_begin_ = 0;  // first byte of its value
    std::uint64_t w_ = 0;              // where the next value byte goes (quoted fields unquote in place)
    std::uint64_t quote_line_ = 0;     // line of its opening quote

    // The first problem of the record.
    bool has_problem_ = false;
    Problem::Kind pkind_ = Problem::Kind::bad_utf8;
    std::size_t pfield_ = 0;
    std::string pdetail_;

    std::vector<std::string> header_;
};

// For a record without a problem whose field count differs from the header's: a message such as
// "record 5 (line 6): 12 fields, expected 13 as in the header". Empty when the counts agree; a
// record with a problem gets its problem's message.
std::string column_count_message(const Record &record, std::size_t expected);

// The text of a rejected record as written, for storing next to the rejection: one leading line
// end (left over from the record before) is dropped, every byte that is not well-formed UTF-8,
// and every NUL, is shown as \xNN, and the result is cut at `max_bytes` (on a character
// boundary, marked with "..."). Callers slice the input between the stream positions
// (Reader::bytes_consumed) after the record before and after this record.
std::string render_raw(std::string_view bytes, std::size_t max_bytes = 2000);

// Matching key of a column name: ASCII letters lower-cased, digits kept, the Latin-1 accented
// letters folded (é -> e, ß -> ss), everything else dropped (spaces, '_', '-', quotes, a BOM,
// other scripts). "Company Name", "company_name", "companyName" and " COMPANY-NAME " all give
// "companyname". Different headers can share a key ("Phone #", "phone"): callers should check.
// A name longer than limits::kHeader (256 bytes) has the empty key: it matches no preset name.
std::string header_key(std::string_view header);

// Column names as an import stores them, one per column, all different: each name with every
// U+FEFF (BOM) removed and spaces trimmed; an empty (or absent) name becomes column_N, N its
// 1-based position; a name that repeats an earlier one gets "#k" (k from its occurrence count,
// 2 for the second) or the next number that is no other column's name. So "phone,phone,phone#2"
// gives phone, phone#3, phone#2: every column keeps a name of its own, and a name from the file
// is never given to another column. Expected linear time.
std::vector<std::string> unique_headers(const std::vector<std::optional<std::string_view>> &headers);

}  // namespace outreach::csv
