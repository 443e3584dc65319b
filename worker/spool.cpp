#include "spool.hpp"

#include "log.hpp"

#include <zlib.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace outreach::worker {
namespace {

using json = nlohmann::json;

void put_u32(std::string &out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get_u32(std::string_view s, std::size_t at)
{
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
    return v;
}

std::uint32_t checksum(std::string_view payload)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    // zlib takes lengths as uInt: fed in pieces
    for (std::size_t at = 0; at < payload.size(); at += 1u << 30) {
        const std::size_t n = std::min<std::size_t>(payload.size() - at, 1u << 30);
        crc = crc32(crc, reinterpret_cast<const Bytef *>(payload.data() + at), static_cast<uInt>(n));
    }
    return static_cast<std::uint32_t>(crc);
}

// The length of the whole record at `at`, or 0 when none starts there.
std::size_t record_at(std::string_view data, std::size_t at)
{
    if (data.size() - at < spool_header_bytes || data.substr(at, 4) != spool_magic) return 0;
    const std::size_t length = get_u32(data, at + 4);
    if (length > spool_max_record || data.size() - at - spool_header_bytes < length) return 0;
    if (checksum(data.substr(at + spool_header_bytes, length)) != get_u32(data, at + 8)) return 0;
    return spool_header_bytes + length;
}

// Writes all of `data` at the end of fd (O_APPEND); false on any failure.
bool write_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool read_all(int fd, std::size_t from, std::size_t length, std::string &out)
{
    out.resize(length);
    std::size_t done = 0;
    while (done < length) {
        const ssize_t n = ::pread(fd, out.data() + done, length - done, static_cast<off_t>(from + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::size_t file_size(int fd)
{
    struct stat st {};
    return fstat(fd, &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

// A new directory entry is durable only once the directory is synced.
bool sync_dir(const std::string &dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

// mkdir -p with mode 0700 for what it creates.
void make_dirs(const std::string &dir)
{
    std::string at;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = dir.find('/', pos + 1);
        at = dir.substr(0, pos);
        if (at.empty()) continue;
        if (::mkdir(at.c_str(), 0700) != 0 && errno != EEXIST)
            throw std::runtime_error("cannot create spool directory " + at + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::runtime_error("spool directory " + dir + " is not a directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw std::runtime_error("spool directory " + dir + " is not writable");
}

bool is_spool_file(const std::string &name)
{
    return name.size() > 10 && name.rfind("spool-", 0) == 0 && name.compare(name.size() - 4, 4, ".log") == 0;
}

}  // namespace

std::string spool_payload(const SpooledRequest &r)
{
    const json j = {{"v", 1},
                    {"provider", r.provider},
                    {"team", r.team},
                    {"path", r.path},
                    {"host", r.host},
                    {"remote", r.remote},
                    {"body", r.body},
                    {"received_at", r.received_at},
                    {"headers", r.headers}};
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<SpooledRequest> spooled_request(std::string_view payload)
{
    const json j = json::parse(payload, nullptr, false);
    if (!j.is_object() || j.value("v", 0) != 1) return std::nullopt;
    SpooledRequest r;
    for (auto [name, field] : {std::pair<const char *, std::string *>{"provider", &r.provider},
                               {"team", &r.team},
                               {"path", &r.path},
                               {"host", &r.host},
                               {"remote", &r.remote},
                               {"body", &r.body},
                               {"received_at", &r.received_at}}) {
        if (!j.contains(name) || !j[name].is_string()) return std::nullopt;
        *field = j[name].get<std::string>();
    }
    if (j.contains("headers") && j["headers"].is_object()) r.headers = j["headers"];
    return r;
}

std::string encode_spool_record(std::string_view payload)
{
    std::string out;
    out.reserve(spool_header_bytes + payload.size());
    out.append(spool_magic);
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    put_u32(out, checksum(payload));
    out.append(payload);
    return out;
}

SpoolScan scan_spool(std::string_view data)
{
    SpoolScan scan;
    std::size_t at = 0;
    while (at < data.size()) {
        if (const std::size_t n = record_at(data, at)) {
            scan.records.push_back({at + spool_header_bytes, n - spool_header_bytes});
            at += n;
            continue;
        }
        // not a whole record here: the next one that is whole, if any, is where reading goes on
        std::size_t next = at + 1;
        for (;; ++next) {
            next = data.find(spool_magic, next);
            if (next == std::string_view::npos || record_at(data, next)) break;
        }
        if (next == std::string_view::npos) {
            scan.torn_tail = data.size() - at;
            break;
        }
        scan.skipped.push_back({at, next - at});
        at = next;
    }
    scan.end = data.size() - scan.torn_tail;
    return scan;
}

Spool::Spool(std::string dir) : dir_(std::move(dir))
{
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    if (dir_.empty()) throw std::runtime_error("the spool directory is empty");
    make_dirs(dir_);
    std::lock_guard<std::mutex> lock(mutex_);
    adopt_orphans();
}

Spool::~Spool()
{
    std::lock_guard<std::mutex> lock(mutex_);
    // an own file that holds nothing waiting goes; one that does stays for the next process
    if (own_.fd >= 0) {
        if (own_.pending == 0) ::unlink(own_.path.c_str());
        ::close(own_.fd);
    }
    for (File &f : adopted_) ::close(f.fd);
}

// Locks and counts the files of processes that died (their lock is free). Called with mutex_ held.
void Spool::adopt_orphans()
{
    DIR *d = ::opendir(dir_.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (const dirent *e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (is_spool_file(name)) names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());  // oldest first: the name starts with its creation time
    for (const std::string &name : names) {
        const std::string path = dir_ + "/" + name;
        if (path == own_.path) continue;
        if (std::any_of(adopted_.begin(), adopted_.end(), [&](const File &f) { return f.path == path; })) continue;
        const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // its process lives
            ::close(fd);
            continue;
        }
        File f;
        f.path = path;
        f.fd = fd;
        std::string data;
        if (read_all(fd, 0, file_size(fd), data)) f.pending = scan_spool(data).records.size();
        log_event(Level::Warn, "spool_adopted",
                  {{"file", path},
                   {"records", std::to_string(f.pending)},
                   {"note", "left by a process that ended; replayed once the database answers"}});
        adopted_.push_back(std::move(f));
    }
}

// Creates this process's file, locked before it is visible under its final name. mutex_ held.
bool Spool::open_own()
{
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    char name[96];
    std::snprintf(name, sizeof name, "spool-%015lld-%ld.log", static_cast<long long>(ms),
                  static_cast<long>(::getpid()));
    const std::string path = dir_ + "/" + name;
    const std::string temp = dir_ + "/.new-" + name;
    const int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_event(Level::Error, "spool_failed", {{"file", temp}, {"error", std::strerror(errno)}});
        return false;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || ::rename(temp.c_str(), path.c_str()) != 0 || !sync_dir(dir_)) {
        log_event(Level::Error, "spool_failed", {{"file", path}, {"error", std::strerror(errno)}});
        ::unlink(temp.c_str());
        ::close(fd);
        return false;
    }
    own_.path = path;
    own_.fd = fd;
    own_.offset = 0;
    own_.pending = 0;
    own_.own = true;
    return true;
}

bool Spool::append(std::string_view payload)
{
    if (payload.size() > spool_max_record) return false;
    const std::string record = encode_spool_record(payload);
    std::lock_guard<std::mutex> lock(mutex_);
    if (own_.fd < 0 && !open_own()) return false;
    const std::size_t before = file_size(own_.fd);
    if (!write_all(own_.fd, record) || ::fdatasync(own_.fd) != 0) {
        log_event(Level::Error, "spool_failed", {{"file", own_.path}, {"error", std::strerror(errno)}});
        // nothing half-written stays behind for the next record to follow
        if (::ftruncate(own_.fd, static_cast<off_t>(before)) == 0) ::fdatasync(own_.fd);
        return false;
    }
    ++own_.pending;
    return true;
}

std::size_t Spool::replay_file(File &f, const std::function<Outcome(const std::string &)> &handle, bool &stopped)
{
    std::string data;
    std::size_t base;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        base = f.offset;
        const std::size_t size = file_size(f.fd);
        if (size <= base || !read_all(f.fd, base, size - base, data)) return 0;
    }
    const SpoolScan scan = scan_spool(data);
    // appends hold mutex_ until their record is whole and synced: what was read is whole records,
    // or bytes a crash or a bad disk left
    for (const auto &s : scan.skipped)
        log_event(Level::Warn, "spool_record_skipped",
                  {{"file", f.path},
                   {"offset", std::to_string(base + s.offset)},
                   {"bytes", std::to_string(s.length)},
                   {"reason", "length or checksum does not match"}});
    std::size_t done = 0;
    for (const auto &r : scan.records) {
        if (handle(data.substr(r.offset, r.length)) == Outcome::retry_later) {
            stopped = true;
            return done;
        }
        ++done;
        std::lock_guard<std::mutex> lock(mutex_);
        f.offset = base + r.offset + r.length;
        if (f.pending > 0) --f.pending;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (scan.torn_tail > 0) {
        log_event(Level::Warn, "spool_torn_tail",
                  {{"file", f.path},
                   {"offset", std::to_string(base + scan.end)},
                   {"bytes", std::to_string(scan.torn_tail)},
                   {"reason", "a record cut short (a crash while it was appended); skipped"}});
    }
    f.offset = base + data.size();
    if (f.own) {
        // everything appended so far is in the database: the file starts again, empty
        if (file_size(f.fd) == f.offset) {
            if (::ftruncate(f.fd, 0) == 0) ::fdatasync(f.fd);
            f.offset = 0;
            f.pending = 0;
        }
    } else {
        f.pending = 0;
    }
    return done;
}

std::size_t Spool::replay(const std::function<Outcome(const std::string &)> &handle)
{
    std::lock_guard<std::mutex> one(replay_mutex_);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        adopt_orphans();
    }
    std::size_t done = 0;
    bool stopped = false;
    // the adopted files are older than anything this process appended
    while (!stopped) {
        File *f = nullptr;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!adopted_.empty()) f = &adopted_.front();
        }
        if (!f) break;
        done += replay_file(*f, handle, stopped);
        if (stopped) break;
        std::lock_guard<std::mutex> lock(mutex_);
        ::unlink(f->path.c_str());
        sync_dir(dir_);
        ::close(f->fd);
        log_event(Level::Info, "spool_file_replayed", {{"file", f->path}});
        adopted_.erase(adopted_.begin());
    }
    if (!stopped) {
        bool have_own;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            have_own = own_.fd >= 0;
        }
        if (have_own) done += replay_file(own_, handle, stopped);
    }
    return done;
}

std::size_t Spool::depth() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t n = own_.fd >= 0 ? own_.pending : 0;
    for (const File &f : adopted_) n += f.pending;
    return n;
}

}  // namespace outreach::worker
