// outreachd import (see import.hpp).
#include "import.hpp"

#include "copy_text.hpp"
#include "libpq.hpp"

#include "core/csv.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>

namespace outreach::worker {
namespace {

constexpr std::size_t kReadChunk = 1u << 20;  // bytes read from the file at a time
constexpr std::size_t kCopyChunk = 1u << 20;  // bytes of COPY data sent at a time

struct FileCloser {
    void operator()(std::FILE *f) const { std::fclose(f); }
};

// A file that cannot be read, a header that cannot be used: the import fails with this message.
class ImportFailure : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string base_name(const std::string &path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Progress on stderr when it is a terminal: a bar by bytes, rows and throughput, redrawn at most
// ten times a second and erased when done.
class Progress {
public:
    Progress(std::ostream &err, bool enabled, std::uint64_t total_bytes)
        : err_(err), enabled_(enabled), total_(total_bytes), start_(std::chrono::steady_clock::now())
    {}

    void update(std::uint64_t bytes, std::uint64_t rows, bool force = false)
    {
        if (!enabled_) return;
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        const double secs = std::chrono::duration<double>(now - start_).count();
        const double frac = total_ ? static_cast<double>(bytes) / static_cast<double>(total_) : 0.0;
        constexpr int width = 30;
        const int filled = static_cast<int>(frac * width);
        std::ostringstream line;
        line << "\r[" << std::string(static_cast<std::size_t>(filled), '=')
             << std::string(static_cast<std::size_t>(width - filled), ' ') << "] " << std::setw(3)
             << static_cast<int>(frac * 100) << "%  " << rows << " rows  " << std::fixed << std::setprecision(1)
             << (secs > 0 ? static_cast<double>(bytes) / secs / 1e6 : 0.0) << " MB/s ";
        err_ << line.str() << std::flush;
    }

    void message(const std::string &text)
    {
        if (enabled_) err_ << "\r\033[K" << text << std::flush;
    }

    void clear()
    {
        if (enabled_) err_ << "\r\033[K" << std::flush;
    }

private:
    std::ostream &err_;
    bool enabled_;
    std::uint64_t total_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_{};
};

struct Rejection {
    std::uint64_t row;
    std::uint64_t line;
    std::string reason;
    std::uint64_t start;  // the record's bytes in the file: [start, end)
    std::uint64_t end;
};

// Rejected rows wait in an unnamed temporary file, as the COPY lines of import_errors, until the
// rows' COPY is done: kept in memory, a file of millions of bad rows would grow outreachd by
// gigabytes. Created on the first rejection.
class RejectionSpool {
public:
    void add(const std::string &line)
    {
        if (!file_) {
            file_.reset(std::tmpfile());
            if (!file_)
                throw ImportFailure(std::string("cannot create a temporary file for rejected rows: ") +
                                    std::strerror(errno));
        }
        if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size())
            throw ImportFailure(std::string("cannot write rejected rows to a temporary file: ") + std::strerror(errno));
        ++count_;
    }

    std::uint64_t count() const { return count_; }

    // Hands the spooled lines back in chunks of about kCopyChunk bytes.
    template <typename Send>
    void replay(Send &&send)
    {
        if (!file_) return;
        if (std::fflush(file_.get()) != 0 || std::fseek(file_.get(), 0, SEEK_SET) != 0)
            throw ImportFailure(std::string("cannot read back rejected rows: ") + std::strerror(errno));
        std::string chunk(kCopyChunk, '\0');
        for (;;) {
            const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file_.get());
            if (n > 0) send(std::string_view(chunk.data(), n));
            if (n < chunk.size()) {
                if (std::ferror(file_.get()))
                    throw ImportFailure(std::string("cannot read back rejected rows: ") + std::strerror(errno));
                return;
            }
        }
    }

private:
    std::unique_ptr<std::FILE, FileCloser> file_;
    std::uint64_t count_ = 0;
};

// The COPY line of one rejection for import_errors (team_id, data_source_id, row_number,
// line_number, severity, reason, value).
std::string rejection_line(const std::string &team, const std::string &id, const Rejection &rj,
                           const std::optional<std::string> &raw)
{
    std::string line;
    copy_text::append_value(line, team);
    line += '\t';
    line += id;
    line += '\t';
    copy_text::append_int(line, rj.row);
    line += '\t';
    copy_text::append_int(line, rj.line);
    line += "\trejected\t";
    copy_text::append_value(line, rj.reason);
    line += '\t';
    if (raw)
        copy_text::append_value(line, *raw);
    else
        line += "\\N";
    line += '\n';
    return line;
}

// The rejected record as written (csv::render_raw), read back from the file; nullopt when the
// input is not a regular file (a pipe cannot be read twice) or cannot be read again.
std::optional<std::string> raw_of(int fd, bool seekable, const Rejection &r)
{
    if (!seekable) return std::nullopt;
    std::string bytes(static_cast<std::size_t>(std::min<std::uint64_t>(r.end - r.start, 8192)), '\0');
    if (!bytes.empty()) {
        const ssize_t got = pread(fd, bytes.data(), bytes.size(), static_cast<off_t>(r.start));
        if (got < 0) return std::nullopt;
        bytes.resize(static_cast<std::size_t>(got));
    }
    return csv::render_raw(bytes);
}

void print_summary(std::ostream &out, const std::string &file, const std::string &team, const libpq::Result &s)
{
    const auto col = [&](const char *name) { return libpq::value(s, 0, PQfnumber(s.get(), name)); };
    out << "imported " << file << " into team " << team << " as data source " << col("data_source_id") << "\n"
        << "  rows read           " << col("rows_read") << "\n"
        << "  imported            " << col("rows_imported") << "\n"
        << "  rejected            " << col("rows_rejected") << "\n"
        << "  field warnings      " << col("field_warnings") << "\n"
        << "  personas created    " << col("personas_created") << "  merged " << col("personas_merged") << "\n"
        << "  businesses created  " << col("businesses_created") << "  merged " << col("businesses_merged") << "\n"
        << "  leads created       " << col("leads_created") << "\n"
        << "  reviews opened      " << col("reviews_opened") << "\n"
        << "  elapsed             " << col("elapsed") << "\n";
    if (col("rows_rejected") != "0" || col("field_warnings") != "0")
        out << "  details: SELECT * FROM outreach.import_errors WHERE data_source_id = " << col("data_source_id")
            << " ORDER BY row_number;\n";
}

}  // namespace

const char *import_usage()
{
    return "usage: outreachd import --team TEAM [--preset NAME] [--map FIELD=HEADER,...] [--name NAME]\n"
           "                        [--delimiter C] [--dsn CONNINFO] [--quiet] FILE.csv\n"
           "  Loads FILE.csv into team TEAM: every row becomes a source record or a rejection in\n"
           "  outreach.import_errors; people and companies are resolved against the team's data.\n"
           "  --preset   column preset (a row of outreach.import_lead_presets; default usdatabiz)\n"
           "  --map      override the preset for this run, e.g. --map phone=Mobile,email=E-Mail\n"
           "  --dsn      libpq connection string (default: PGHOST, PGPORT, PGDATABASE, PGUSER ...)\n";
}

Result<std::string> parse_column_map(const std::vector<std::string> &specs)
{
    nlohmann::ordered_json map = nlohmann::ordered_json::object();
    for (const std::string &spec : specs) {
        std::vector<std::string> segments;
        std::size_t start = 0;
        while (start <= spec.size()) {
            const std::size_t comma = spec.find(',', start);
            const std::string seg = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (seg.find('=') == std::string::npos && !segments.empty())
                segments.back() += "," + seg;
            else
                segments.push_back(seg);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        for (const std::string &seg : segments) {
            const std::size_t eq = seg.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == seg.size())
                return Error{ErrorKind::invalid_argument, "--map: \"" + seg + "\" is not FIELD=HEADER"};
            map[seg.substr(0, eq)] = seg.substr(eq + 1);
        }
    }
    try {
        return map.dump();
    } catch (const nlohmann::json::exception &e) {  // invalid UTF-8 in an argument
        return Error{ErrorKind::invalid_argument, std::string("--map: ") + e.what()};
    }
}

Result<ImportOptions> parse_import_args(const std::vector<std::string> &args)
{
    ImportOptions o;
    std::vector<std::string> maps;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        const auto value = [&](const char *flag) -> Result<std::string> {
            if (i + 1 >= args.size()) return Error{ErrorKind::invalid_argument, std::string(flag) + " needs a value"};
            return args[++i];
        };
        Result<std::string> v = std::string();
        if (a == "--team") {
            if (!(v = value("--team")).ok()) return v.error();
            o.team = v.value();
        } else if (a == "--preset") {
            if (!(v = value("--preset")).ok()) return v.error();
            o.preset = v.value();
        } else if (a == "--map") {
            if (!(v = value("--map")).ok()) return v.error();
            maps.push_back(v.value());
        } else if (a == "--dsn") {
            if (!(v = value("--dsn")).ok()) return v.error();
            o.dsn = v.value();
        } else if (a == "--name") {
            if (!(v = value("--name")).ok()) return v.error();
            o.name = v.value();
        } else if (a == "--delimiter") {
            if (!(v = value("--delimiter")).ok()) return v.error();
            const std::string d = v.value() == "\\t" || v.value() == "tab" ? std::string("\t") : v.value();
            if (d.size() != 1)
                return Error{ErrorKind::invalid_argument,
                             "--delimiter must be one character, not \"" + v.value() + "\""};
            o.delimiter = d[0];
        } else if (a == "--quiet" || a == "-q") {
            o.quiet = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return Error{ErrorKind::invalid_argument, "unknown option " + a};
        } else if (o.file.empty()) {
            o.file = a;
        } else {
            return Error{ErrorKind::invalid_argument,
                         "only one file per import (got \"" + o.file + "\" and \"" + a + "\")"};
        }
    }
    if (o.team.empty()) return Error{ErrorKind::invalid_argument, "--team is required"};
    if (o.file.empty()) return Error{ErrorKind::invalid_argument, "no CSV file given"};
    Result<std::string> map = parse_column_map(maps);
    if (!map.ok()) return map.error();
    o.map_json = map.value();
    if (o.name.empty()) o.name = base_name(o.file);
    return o;
}

int run_import(const ImportOptions &o, std::ostream &out, std::ostream &err)
{
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(o.file.c_str(), "rb"));
    if (!file) {
        err << "outreachd import: cannot open " << o.file << ": " << std::strerror(errno) << "\n";
        return 1;
    }
    struct stat st {};
    const std::uint64_t total =
        fstat(fileno(file.get()), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
    csv::Options copts;
    copts.delimiter = o.delimiter;
    Result<csv::Reader> made = csv::Reader::create(copts);
    if (!made.ok()) {
        err << "outreachd import: " << made.error().message << "\n";
        return 1;
    }
    csv::Reader reader = std::move(made.value());

    std::unique_ptr<libpq::Connection> db;
    std::string id;
    try {
        db = std::make_unique<libpq::Connection>(o.dsn);
        libpq::Result r = db->exec("SELECT outreach.begin_import($1, $2, $3, $4, $5::jsonb)",
                                   {o.team, o.name, o.file, o.preset, o.map_json});
        id = libpq::value(r, 0, 0);
    } catch (const std::exception &e) {
        err << "outreachd import: " << e.what() << "\n";
        return 1;
    }

    Progress progress(err, !o.quiet && isatty(STDERR_FILENO), total);
    try {
        db->exec("BEGIN");
        std::vector<char> chunk(kReadChunk);
        csv::Record rec;
        bool eof = false;
        const auto read_more = [&] {
            const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get());
            if (n > 0) reader.feed(std::string_view(chunk.data(), n));
            if (n < chunk.size()) {
                if (std::ferror(file.get())) throw ImportFailure("cannot read " + o.file + ": " + std::strerror(errno));
                eof = true;
                reader.finish();
            }
        };

        // the header
        bool have_header = false;
        while (!have_header) {
            if (reader.next(rec)) {
                if (rec.problem)
                    throw ImportFailure(o.file + ": the header row cannot be read: " + rec.problem->message);
                have_header = true;
                break;
            }
            if (eof) throw ImportFailure(o.file + " is empty: no header row");
            read_more();
        }
        const std::vector<std::string> header = reader.header();
        db->exec("SELECT outreach.set_import_headers($1, $2, $3::text[])",
                 {o.team, id, libpq::text_array_literal(header)});
        db->exec(
            "CREATE TEMP TABLE _outreach_stage (row_number bigint, line_number bigint, fields text[]) ON COMMIT DROP");

        // the rows: good ones to the staging table, the others to import_errors afterwards
        db->copy_begin("COPY _outreach_stage (row_number, line_number, fields) FROM STDIN");
        std::string buf;
        buf.reserve(kCopyChunk + 64 * 1024);
        RejectionSpool rejected;
        const bool seekable = total > 0 || S_ISREG(st.st_mode);
        std::uint64_t rows = 0;
        std::string problem;
        std::uint64_t record_start = reader.bytes_consumed();  // after the header
        for (;;) {
            while (reader.next(rec)) {
                ++rows;
                const std::uint64_t record_end = reader.bytes_consumed();
                const std::uint64_t start = record_start;
                record_start = record_end;
                problem = rec.problem ? rec.problem->message : csv::column_count_message(rec, header.size());
                if (!problem.empty()) {
                    const Rejection rj{rec.number, rec.first_line, problem, start, record_end};
                    rejected.add(rejection_line(o.team, id, rj, raw_of(fileno(file.get()), seekable, rj)));
                    continue;
                }
                copy_text::append_int(buf, rec.number);
                buf += '\t';
                copy_text::append_int(buf, rec.first_line);
                buf += '\t';
                copy_text::append_text_array(buf, rec.fields);
                buf += '\n';
                if (buf.size() >= kCopyChunk) {
                    db->copy_send(buf);
                    buf.clear();
                }
            }
            progress.update(reader.bytes_consumed(), rows);
            if (eof) break;
            read_more();
        }
        if (!buf.empty()) db->copy_send(buf);
        db->copy_end();
        progress.update(reader.bytes_consumed(), rows, true);

        if (rejected.count() > 0) {
            db->copy_begin(
                "COPY outreach.import_errors (team_id, data_source_id, row_number, line_number, severity, reason, value) FROM STDIN");
            rejected.replay([&](std::string_view chunk) { db->copy_send(chunk); });
            db->copy_end();
        }

        progress.message("resolving " + std::to_string(rows) + " rows ...");
        libpq::Result summary =
            db->exec("SELECT * FROM outreach.import_staged($1, $2, '_outreach_stage')", {o.team, id});
        db->exec("COMMIT");
        progress.clear();
        print_summary(out, o.file, o.team, summary);
        return 0;
    } catch (const std::exception &e) {
        progress.clear();
        const std::string message = e.what();
        try {
            db->exec("ROLLBACK");
            db->exec("SELECT outreach.fail_import($1, $2, $3)", {o.team, id, message});
        } catch (const std::exception &) {
            // the connection itself is gone; the job stays in its last committed state
        }
        err << "outreachd import: " << message << "\n"
            << "outreachd import: data source " << id << " failed; nothing of " << o.file << " was imported\n";
        return 1;
    }
}

}  // namespace outreach::worker
