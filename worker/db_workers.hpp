// Database work of the HTTP side, off the threads that serve HTTP: a few threads, each with its own
// connection (opened lazily, with timeouts), taking jobs from one bounded queue. A job that waits
// on a lock holds only its own thread and connection, never the server's event loop nor another
// pool (/healthz has a pool of its own).
#pragma once

#include "libpq.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace outreach::worker {

struct DbSettings {
    std::string name;              // the pool's name, also in application_name
    std::string dsn;               // libpq connection string; empty = PG* environment
    int connect_timeout_s = 3;     // libpq connect_timeout (a setting in dsn wins)
    int statement_timeout_ms = 0;  // 0 = the server's default
    int lock_timeout_ms = 0;
};

// One worker thread's connection.
class DbSession {
public:
    explicit DbSession(const DbSettings &settings) : settings_(settings) {}

    // Runs f(connection). A connection that broke is opened again once; a failure to connect is a
    // libpq::Error with SQLSTATE 08001, so callers can tell "unreachable" from an SQL error.
    template <typename F>
    auto run(F &&f) -> decltype(f(std::declval<libpq::Connection &>()))
    {
        for (int attempt = 0;; ++attempt) {
            const bool fresh = !conn_;
            try {
                return f(connection());
            } catch (const libpq::Error &) {
                if (conn_ && PQstatus(conn_->raw()) == CONNECTION_OK) throw;  // an SQL error: the connection is fine
                conn_.reset();
                if (fresh || attempt >= 1) throw;
            }
        }
    }

    // Whether the session holds a working connection (false after one broke, or before the first).
    bool connected() const { return conn_ && PQstatus(conn_->raw()) == CONNECTION_OK; }

private:
    libpq::Connection &connection();
    const DbSettings &settings_;
    std::unique_ptr<libpq::Connection> conn_;
};

class DbWorkers {
public:
    using Job = std::function<void(DbSession &)>;
    DbWorkers(DbSettings settings, int threads, std::size_t max_queue);
    // Runs what is queued, then stops.
    ~DbWorkers();
    DbWorkers(const DbWorkers &) = delete;
    DbWorkers &operator=(const DbWorkers &) = delete;

    // Queues a job; false when the queue is full or the pool is stopping (the job is not run).
    bool submit(Job job);
    void stop();

private:
    void loop();
    DbSettings settings_;
    std::size_t max_queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace outreach::worker
