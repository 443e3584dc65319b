#include "csv.hpp"
#include "limits.hpp"

// Streaming CSV reader for lead files (RFC 4180 plus what spreadsheet exports really contain).
//
// The dialect, exactly (test/unit/csv_test.cpp pins each rule):
//  - Records end at LF, CRLF or a bare CR (old Mac Excel). A CRLF is one line end even when a
//    chunk boundary falls between the two bytes. LF, CRLF and CR each count as one physical line
//    for first_line/last_line, inside quoted fields too; "\n\r" is two line ends.
//  - A UTF-8 BOM (EF BB BF) is skipped at the very start of the input only; anywhere else it is
//    data (a valid U+FEFF).
//  - Empty lines (a line end where a record would start) are skipped: they are not records but
//    they count as lines. A line with anything on it is a record: "," is two empty fields and
//    "   " one field of three spaces.
//  - The input may end without a line end: the last record still counts. A record has one field
//    more than it has unquoted delimiters, so "a,b," is three fields, the last empty.
//  - A field is quoted only when its first byte is the quote. Inside quotes the delimiter, CR and
//    LF are data and a doubled quote ("") is one quote. The closing quote must be followed by the
//    delimiter, a line end or the end of input; anything else (a space too) is stray_quote and
//    the record is rejected. Reading then goes on as if the rest of that field were unquoted, so
//    the next record starts where the line ends, as a person reading the file would expect.
//  - A quote anywhere else in an unquoted field is a literal character: ab"c, 5'11", ="00123"
//    and ` "a"` (a leading space: not a quoted field) are kept as written.
//  - The input ending inside a quoted field is unterminated_quote: that record runs to the end of
//    the input; the message names the line of the opening quote, and last_line is the last line.
//  - Values must be well-formed UTF-8 (no overlong forms, surrogates or code points above
//    U+10FFFF) and free of NUL, else bad_utf8 / nul_byte naming the field and the 0-based byte
//    offset, in the value after unquoting, of the first offending sequence.
//  - Limits: a value longer than max_field_size, a record longer than max_record_size bytes as
//    written (without its line end; checked at the end of each field) or a record of more than
//    max_fields fields is rejected (too_long, too_many_fields). From the moment a limit is
//    passed the reader keeps none of the record's bytes and skips to its end, still following
//    quotes, so memory stays bounded and the next record is found where the grammar puts it.
//  - The first problem of a record in reading order wins, and a rejected record has no fields.
//    A field's limits and then its text are checked when it ends; stray_quote is found at the
//    byte after the closing quote, too_many_fields when the extra field starts, and
//    unterminated_quote at the end of the input. None of this depends on chunk boundaries.
//
// How: the input is appended to one buffer and scanned by a resumable state machine (the scan
// never goes back, so tiny chunks cost no more than big ones). Quoted values are unquoted in
// place, behind the scan position, so every field is a view into the buffer. feed() drops the
// bytes of delivered records when they are at least as many as the live ones (amortised O(1)).

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace outreach::csv {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The first byte of `s` that starts an ill-formed UTF-8 sequence or is NUL.
struct BadByte {
    std::size_t offset;
    unsigned char byte;
};

std::optional<BadByte> first_bad_byte(std::string_view s)
{
    const auto *b = reinterpret_cast<const unsigned char *>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // Fast path: eight ASCII bytes, none of them NUL.
        if (n - i >= 8) {
            std::uint64_t v;
            std::memcpy(&v, b + i, 8);
            constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
            constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
            if (((v | ((v - kOnes) & ~v)) & kHigh) == 0) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = b[i];
        if (c == 0) return BadByte{i, c};
        if (c < 0x80) {
            ++i;
            continue;
        }
        // Well-formed sequences, after the Unicode Standard's table 3-7.
        std::size_t len;
        unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return BadByte{i, c};
        }
        if (n - i < len || b[i + 1] < lo || b[i + 1] > hi) return BadByte{i, c};
        for (std::size_t k = 2; k < len; ++k)
            if ((b[i + k] & 0xC0) != 0x80) return BadByte{i, c};
        i += len;
    }
    return std::nullopt;
}

// "0xFF"
std::string hex_byte(unsigned char c)
{
    static constexpr char kDigits[] = "0123456789ABCDEF";
    return std::string{'0', 'x', kDigits[c >> 4], kDigits[c & 15]};
}

// A byte for a message: 'd' when printable ASCII, else its hex value.
std::string show_byte(unsigned char c)
{
    if (c >= 0x20 && c < 0x7F) return std::string{'\'', static_cast<char>(c), '\''};
    return "byte " + hex_byte(c);
}

// "record 17 (line 18)", "record 17 (lines 18-20)", "header (line 1)".
std::string record_label(std::uint64_t number, std::uint64_t first, std::uint64_t last)
{
    std::string s = number == 0 ? "header" : "record " + std::to_string(number);
    if (first == last)
        s += " (line " + std::to_string(first) + ")";
    else
        s += " (lines " + std::to_string(first) + "-" + std::to_string(last) + ")";
    return s;
}

bool is_line_end(char c) { return c == '\r' || c == '\n'; }

// An option character must be ASCII and must not be a line end or NUL.
bool usable_char(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u != 0 && u < 0x80 && !is_line_end(c);
}

}  // namespace

const char *kind_name(Problem::Kind kind)
{
    switch (kind) {
    case Problem::Kind::bad_utf8: return "bad_utf8";
    case Problem::Kind::nul_byte: return "nul_byte";
    case Problem::Kind::unterminated_quote: return "unterminated_quote";
    case Problem::Kind::stray_quote: return "stray_quote";
    case Problem::Kind::too_long: return "too_long";
    case Problem::Kind::too_many_fields: return "too_many_fields";
    }
    return "unknown";
}

Reader::Reader() : Reader(Options{}) {}

// Builds the byte class tables of a validated set of options.
Reader::Reader(const Options &options) : opt_(options), header_pending_(options.header)
{
    for (char c : {opt_.delimiter, '\r', '\n'}) ends_unquoted_[static_cast<unsigned char>(c)] = 1;
    for (char c : {opt_.quote, '\r', '\n'}) stops_quoted_[static_cast<unsigned char>(c)] = 1;
}

// Rejects options the grammar cannot work with, naming the option.
Result<Reader> Reader::create(const Options &options)
{
    if (!usable_char(options.delimiter))
        return Error{ErrorKind::invalid_argument, "CSV delimiter must be an ASCII character other than CR, LF and NUL"};
    if (!usable_char(options.quote))
        return Error{ErrorKind::invalid_argument, "CSV quote must be an ASCII character other than CR, LF and NUL"};
    if (options.delimiter == options.quote)
        return Error{ErrorKind::invalid_argument, "CSV delimiter and quote must differ"};
    if (options.max_field_size == 0 || options.max_record_size == 0 || options.max_fields == 0)
        return Error{ErrorKind::invalid_argument, "CSV size limits must be positive"};
    return Reader(options);
}

// Drops the bytes nobody needs any more (delivered records, skipped input) once they are at least
// as many as the bytes still needed, so that each byte is moved O(1) times on average.
void Reader::compact()
{
    const bool in_record = state_ != State::bom && state_ != State::record_start;
    const std::uint64_t keep_from = in_record && keep_ ? rec_start_ : pos_;
    const std::size_t dead = static_cast<std::size_t>(keep_from - base_);
    const std::size_t live = buf_.size() - dead;
    if (dead == 0 || dead < live) return;
    buf_.erase(0, dead);
    base_ = keep_from;
}

void Reader::feed(std::string_view bytes)
{
    if (finished_) throw std::logic_error("csv::Reader::feed called after finish");
    if (bytes.empty()) return;
    compact();
    buf_.append(bytes);
}

void Reader::finish() { finished_ = true; }

// Starts a record at absolute offset `p`.
void Reader::begin_record(std::uint64_t p)
{
    rec_start_ = p;
    first_line_ = line_;
    keep_ = true;
    nfields_ = 0;
    spans_.clear();
    has_problem_ = false;
}

// Starts a field at absolute offset `p` (its value's position is set by the caller).
void Reader::begin_field(std::uint64_t p)
{
    ++nfields_;
    fstart_ = p;
    fskip_ = 0;
    if (nfields_ > opt_.max_fields)
        set_problem(Problem::Kind::too_many_fields, "more than " + std::to_string(opt_.max_fields) + " fields");
}

// Records the first problem of the record; from then on its bytes are not kept.
void Reader::set_problem(Problem::Kind kind, std::string detail)
{
    if (has_problem_) return;
    has_problem_ = true;
    pkind_ = kind;
    pfield_ = nfields_;
    pdetail_ = std::move(detail);
    keep_ = false;
    spans_.clear();
}

// Ends the current field: its value is [content_begin_, content_end) when kept, and its text as
// written ends at raw_end. Checks the limits, then the text, then keeps the span.
void Reader::end_field(std::uint64_t content_end, std::uint64_t raw_end)
{
    if (has_problem_) return;
    const std::uint64_t len = raw_end - fstart_ - fskip_;
    if (len > opt_.max_field_size) {
        set_problem(Problem::Kind::too_long, "field is longer than " + std::to_string(opt_.max_field_size) + " bytes");
        return;
    }
    if (raw_end - rec_start_ > opt_.max_record_size || !keep_) {
        set_problem(Problem::Kind::too_long,
                    "record is longer than " + std::to_string(opt_.max_record_size) + " bytes");
        return;
    }
    (void)content_end;  // equal to content_begin_ + len by construction
    const std::string_view value(buf_.data() + (content_begin_ - base_), len);
    if (const auto bad = first_bad_byte(value)) {
        if (bad->byte == 0)
            set_problem(Problem::Kind::nul_byte, "NUL byte at offset " + std::to_string(bad->offset));
        else
            set_problem(Problem::Kind::bad_utf8,
                        "invalid UTF-8 byte " + hex_byte(bad->byte) + " at offset " + std::to_string(bad->offset));
        return;
    }
    spans_.emplace_back(content_begin_ - rec_start_, len);
}

// At the end of the available input inside a field: once the field or the record is over a
// limit (it can only grow), stop keeping its bytes; end_field will reject it.
void Reader::check_partial(std::uint64_t p)
{
    if (!keep_) return;
    if (p - fstart_ - fskip_ > opt_.max_field_size || p - rec_start_ > opt_.max_record_size) {
        keep_ = false;
        spans_.clear();
    }
}

// Hands the finished record to the caller; the scan resumes at `p` (its line end, if any).
bool Reader::deliver(Record &out, std::uint64_t p)
{
    pos_ = p;
    state_ = State::record_start;
    out.number = header_pending_ ? 0 : ++data_records_;
    header_pending_ = false;
    out.first_line = first_line_;
    out.last_line = line_;
    out.fields.clear();
    out.problem.reset();
    if (has_problem_) {
        out.problem = Problem{pkind_, pfield_,
                              record_label(out.number, out.first_line, out.last_line) + ", field " +
                                  std::to_string(pfield_) + ": " + pdetail_};
        return true;
    }
    const char *rec = buf_.data() + (rec_start_ - base_);
    for (const auto &[off, len] : spans_) out.fields.emplace_back(rec + off, len);
    if (out.number == 0) header_.assign(out.fields.begin(), out.fields.end());
    return true;
}

bool Reader::next(Record &out)
{
    char *const buf = buf_.data();
    const std::uint64_t base = base_;
    const auto at = [buf, base](std::uint64_t q) { return buf + (q - base); };  // byte at offset q
    const std::uint64_t n = base_ + buf_.size();
    std::uint64_t p = pos_;
    const auto need_more = [&] {
        pos_ = p;
        return false;
    };

    for (;;) {
        switch (state_) {
        case State::bom: {
            const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n - p, 3));
            if (std::string_view(at(p), k) == kBom.substr(0, k)) {
                if (k < 3 && !finished_) return need_more();
                if (k == 3) p += 3;
            }
            state_ = State::record_start;
            break;
        }

        case State::record_start: {
            // Line ends between records: the end of the last record, then empty lines.
            while (p < n) {
                const char c = *at(p);
                if (c == '\n') {
                    if (!prev_cr_) ++line_;
                    prev_cr_ = false;
                } else if (c == '\r') {
                    ++line_;
                    prev_cr_ = true;
                } else {
                    break;
                }
                ++p;
            }
            if (p == n) return need_more();  // after finish(): the end
            prev_cr_ = false;
            begin_record(p);
            state_ = State::field_start;
            break;
        }

        case State::field_start: {
            if (p == n) {
                if (!finished_) return need_more();
                begin_field(p);  // the input ends right after a delimiter: a last, empty field
                content_begin_ = p;
                end_field(p, p);
                return deliver(out, p);
            }
            begin_field(p);
            if (*at(p) == opt_.quote) {
                ++p;
                fskip_ = 1;
                content_begin_ = w_ = p;
                quote_line_ = line_;
                prev_cr_ = false;
                state_ = State::quoted;
            } else {
                content_begin_ = p;
                state_ = State::unquoted;
            }
            break;
        }

        case State::unquoted: {
            const auto *s = reinterpret_cast<const unsigned char *>(at(p));
            const auto *e = reinterpret_cast<const unsigned char *>(at(n));
            while (s < e && !ends_unquoted_[*s]) ++s;
            p = n - static_cast<std::uint64_t>(e - s);
            if (p == n) {
                if (!finished_) {
                    check_partial(p);
                    return need_more();
                }
                end_field(p, p);
                return deliver(out, p);
            }
            end_field(p, p);
            if (*at(p) == opt_.delimiter) {
                ++p;
                state_ = State::field_start;
                break;
            }
            return deliver(out, p);  // at the line end, which record_start consumes
        }

        case State::quoted: {
            // Scan to the next quote, counting line ends; then move the scanned bytes down to
            // w_ when earlier doubled quotes have opened a gap.
            const std::uint64_t seg = p;
            const auto *s = reinterpret_cast<const unsigned char *>(at(p));
            const auto *e = reinterpret_cast<const unsigned char *>(at(n));
            const auto *segp = s;
            for (;;) {
                while (s < e && !stops_quoted_[*s]) ++s;
                if (s == e || *s == static_cast<unsigned char>(opt_.quote)) break;
                if (*s == '\r' || !(s > segp ? s[-1] == '\r' : prev_cr_)) ++line_;
                ++s;
            }
            p = n - static_cast<std::uint64_t>(e - s);
            const bool at_quote = p < n;
            if (!at_quote && p > seg) prev_cr_ = s[-1] == '\r';
            if (keep_) {
                if (w_ != seg) std::memmove(at(w_), at(seg), static_cast<std::size_t>(p - seg));
                w_ += p - seg;
            }
            if (!at_quote) {
                if (!finished_) {
                    check_partial(p);
                    return need_more();
                }
                set_problem(Problem::Kind::unterminated_quote, "the quoted field opened at line " +
                                                                   std::to_string(quote_line_) +
                                                                   " is not closed before the end of the input");
                return deliver(out, p);
            }
            ++p;  // the quote: closing, or the first of a doubled pair
            ++fskip_;
            prev_cr_ = false;
            state_ = State::quote_in_quoted;
            break;
        }

        case State::quote_in_quoted: {
            if (p == n) {
                if (!finished_) return need_more();
                end_field(w_, p);
                return deliver(out, p);
            }
            const char c = *at(p);
            if (c == opt_.quote) {  // doubled: one quote of the value
                if (keep_) *at(w_) = c;
                ++w_;
                ++p;
                state_ = State::quoted;
                break;
            }
            if (c == opt_.delimiter) {
                end_field(w_, p);
                ++p;
                state_ = State::field_start;
                break;
            }
            if (is_line_end(c)) {
                end_field(w_, p);
                return deliver(out, p);
            }
            set_problem(Problem::Kind::stray_quote,
                        "unexpected " + show_byte(static_cast<unsigned char>(c)) +
                            " after the closing quote (a quote inside a quoted field must be "
                            "doubled)");
            state_ = State::unquoted;
            break;
        }
        }
    }
}

std::string column_count_message(const Record &record, std::size_t expected)
{
    if (record.problem) return record.problem->message;
    const std::size_t got = record.fields.size();
    if (got == expected) return {};
    return record_label(record.number, record.first_line, record.last_line) + ": " + std::to_string(got) +
           (got == 1 ? " field" : " fields") + ", expected " + std::to_string(expected) + " as in the header";
}

std::string render_raw(std::string_view bytes, std::size_t max_bytes)
{
    if (bytes.substr(0, 2) == "\r\n")
        bytes.remove_prefix(2);
    else if (!bytes.empty() && (bytes.front() == '\n' || bytes.front() == '\r'))
        bytes.remove_prefix(1);
    std::string out;
    out.reserve(std::min(bytes.size(), max_bytes) + 8);
    while (!bytes.empty() && out.size() < max_bytes) {
        const auto bad = first_bad_byte(bytes);
        const std::size_t good = bad ? bad->offset : bytes.size();
        out.append(bytes.substr(0, good));
        if (!bad) {
            bytes = {};
            break;
        }
        out += "\\x";
        out += "0123456789ABCDEF"[bad->byte >> 4];
        out += "0123456789ABCDEF"[bad->byte & 15];
        bytes.remove_prefix(good + 1);
    }
    if (out.size() > max_bytes || (!bytes.empty() && out.size() >= max_bytes)) {
        std::size_t cut = std::min(out.size(), max_bytes);
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
        out.resize(cut);
        out += "...";
    }
    return out;
}

std::string header_key(std::string_view header)
{
    // A column name longer than any preset name could match is not read: its key is empty.
    if (header.size() > limits::kHeader) return std::string();
    // ASCII spelling of U+00C0..U+00FF (UTF-8 C3 80..C3 BF); "" for × and ÷.
    static constexpr const char *kLatin1[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
    };
    std::string key;
    key.reserve(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
        const char c = header[i];
        if (c >= 'A' && c <= 'Z') {
            key += static_cast<char>(c - 'A' + 'a');
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            key += c;
        } else if (c == '\xC3' && i + 1 < header.size()) {
            const auto c2 = static_cast<unsigned char>(header[i + 1]);
            if (c2 >= 0x80 && c2 <= 0xBF) {
                key += kLatin1[c2 - 0x80];
                ++i;
            }
        }
    }
    return key;
}

std::vector<std::string> unique_headers(const std::vector<std::optional<std::string_view>> &headers)
{
    constexpr std::string_view kSpace = " ";
    std::vector<std::string> names(headers.size());
    std::vector<bool> from_file(headers.size(), false);
    std::unordered_set<std::string> taken;  // every name of the file: generated names avoid them
    for (std::size_t i = 0; i < headers.size(); ++i) {
        std::string name;
        if (headers[i]) {
            std::string_view h = *headers[i];
            for (std::size_t at; (at = h.find(kBom)) != std::string_view::npos; h.remove_prefix(at + kBom.size()))
                name.append(h.substr(0, at));
            name.append(h);
        }
        const std::size_t b = name.find_first_not_of(kSpace);
        name = b == std::string::npos ? std::string() : name.substr(b, name.find_last_not_of(kSpace) - b + 1);
        from_file[i] = !name.empty();
        if (from_file[i]) taken.insert(name);
        names[i] = std::move(name);
    }
    std::unordered_set<std::string> used;
    std::unordered_map<std::string, std::size_t> seen;  // occurrences so far of each name of the file
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (from_file[i]) {
            const std::size_t occurrence = ++seen[names[i]];
            if (occurrence == 1 && used.insert(names[i]).second) continue;
            for (std::size_t k = std::max<std::size_t>(occurrence, 2);; ++k) {
                std::string candidate = names[i] + "#" + std::to_string(k);
                if (taken.count(candidate) == 0 && used.insert(candidate).second) {
                    names[i] = std::move(candidate);
                    break;
                }
            }
            continue;
        }
        const std::string base = "column_" + std::to_string(i + 1);
        if (taken.count(base) == 0 && used.insert(base).second) {
            names[i] = base;
            continue;
        }
        for (std::size_t k = 2;; ++k) {
            std::string candidate = base + "#" + std::to_string(k);
            if (taken.count(candidate) == 0 && used.insert(candidate).second) {
                names[i] = std::move(candidate);
                break;
            }
        }
    }
    return names;
}

}  // namespace outreach::csv
