#include "db_workers.hpp"

#include "log.hpp"

namespace outreach::worker {

libpq::Connection &DbSession::connection()
{
    if (conn_) return *conn_;
    try {
        conn_ = std::make_unique<libpq::Connection>(
            settings_.dsn, std::vector<std::pair<std::string, std::string>>{
                               {"connect_timeout", std::to_string(settings_.connect_timeout_s)},
                               {"fallback_application_name", "outreachd " + settings_.name}});
        if (settings_.statement_timeout_ms > 0)
            conn_->exec("SET statement_timeout = " + std::to_string(settings_.statement_timeout_ms));
        if (settings_.lock_timeout_ms > 0)
            conn_->exec("SET lock_timeout = " + std::to_string(settings_.lock_timeout_ms));
    } catch (const libpq::Error &e) {
        conn_.reset();
        throw libpq::Error(e.what(), "08001");
    }
    return *conn_;
}

DbWorkers::DbWorkers(DbSettings settings, int threads, std::size_t max_queue)
    : settings_(std::move(settings)), max_queue_(max_queue)
{
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

DbWorkers::~DbWorkers() { stop(); }

void DbWorkers::stop()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto &t : threads_)
        if (t.joinable()) t.join();
}

bool DbWorkers::submit(Job job)
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ || queue_.size() >= max_queue_) return false;
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void DbWorkers::loop()
{
    DbSession session(settings_);
    for (;;) {
        Job job;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            // a stop still runs what was queued: each job answers an HTTP request that waits for it
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            job(session);
        } catch (const std::exception &e) {
            log_event(Level::Error, "http_job_failed", {{"pool", settings_.name}, {"error", e.what()}});
        }
    }
}

}  // namespace outreach::worker
