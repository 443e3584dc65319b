// The durable spool of outreachd: verified webhook requests that arrived while PostgreSQL could not
// be reached, kept on local disk until the database takes them. An inbound STOP is never lost to a
// database restart: it is appended and fsynced before the provider is answered 200, and replayed,
// in order, through the same store-then-receive path once the database is back (replaying twice is
// harmless: every event is stored once per key, every message received once per provider id).
//
// Files. Each process appends to a file of its own, spool-<ms since 1970>-<pid>.log in the spool
// directory, created on its first append (under a temporary name, locked with flock, then renamed,
// and the directory fsynced) and held locked while the process lives. A file whose lock is free
// belongs to a process that died: an outreachd on the same directory adopts it (locks it) when it
// starts, or on its next replay (outreachd looks every minute), replays it and removes it. The own
// file is truncated once everything in it has been replayed; nothing is dropped before the
// database has committed it.
//
// Records. "OSP1", the payload's length (u32, little-endian), its CRC-32 (zlib), the payload. A
// record that a crash cut short, or whose checksum does not match, is skipped with a log line:
// reading resynchronizes at the next record that is whole.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outreach::worker {

// A verified webhook request as the spool keeps it: what the store-then-receive path needs and
// nothing secret (no signature, no credential header; the headers are the storable ones).
struct SpooledRequest {
    std::string provider, team, path, host, remote, body;
    std::string received_at;  // ISO 8601 UTC with milliseconds: when outreachd received it
    nlohmann::json headers = nlohmann::json::object();
};
std::string spool_payload(const SpooledRequest &request);
std::optional<SpooledRequest> spooled_request(std::string_view payload);

// The framing of one record.
inline constexpr std::string_view spool_magic = "OSP1";
inline constexpr std::size_t spool_header_bytes = 12;
inline constexpr std::size_t spool_max_record = 8u << 20;  // far above a webhook body's cap
std::string encode_spool_record(std::string_view payload);

// The whole records of a stretch of spool file, and what could not be read.
struct SpoolScan {
    struct Span {
        std::size_t offset, length;  // of a record's payload, or of skipped bytes
    };
    std::vector<Span> records;
    std::vector<Span> skipped;  // corrupt stretches that whole records follow
    std::size_t end = 0;        // where the whole records end (the torn tail, if any, starts here)
    std::size_t torn_tail = 0;  // bytes after the last whole record that form none
};
SpoolScan scan_spool(std::string_view data);

class Spool {
public:
    // Uses (and creates, mode 0700) `dir`; adopts the files of processes that died. Throws
    // std::runtime_error when the directory cannot be used.
    explicit Spool(std::string dir);
    ~Spool();
    Spool(const Spool &) = delete;
    Spool &operator=(const Spool &) = delete;

    // Appends one record and makes it durable (fdatasync; the directory too when the file is new).
    // False when it could not: nothing of it is left in the file.
    bool append(std::string_view payload);

    // What handle() says about a record.
    enum class Outcome { done, retry_later };
    // Replays the waiting records, oldest file first, each in order: a record is dropped from the
    // spool only after handle() said done. Stops at the first retry_later. Returns the records done.
    std::size_t replay(const std::function<Outcome(const std::string &payload)> &handle);

    // Records waiting (this process's and those of the files it adopted).
    std::size_t depth() const;
    const std::string &dir() const { return dir_; }

private:
    struct File {
        std::string path;
        int fd = -1;
        std::size_t offset = 0;   // records before it are replayed
        std::size_t pending = 0;  // whole records after it
        bool own = false;
    };
    void adopt_orphans();
    bool open_own();
    std::size_t replay_file(File &f, const std::function<Outcome(const std::string &)> &handle, bool &stopped);

    std::string dir_;
    mutable std::mutex mutex_;
    std::mutex replay_mutex_;  // one replay at a time
    File own_;
    std::vector<File> adopted_;
};

}  // namespace outreach::worker
