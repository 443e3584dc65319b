#include "run.hpp"

#include "config.hpp"
#include "classification.hpp"
#include "enrichment.hpp"
#include "libpq.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "providers.hpp"
#include "webhooks.hpp"

#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <thread>

namespace outreach::worker {
namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_reload = 0;

// Signal handlers only set flags; the loop acts on them.
void on_stop(int) { g_stop = 1; }
void on_reload(int) { g_reload = 1; }

void install_signals()
{
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sa.sa_handler = on_reload;
    sigaction(SIGHUP, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

// Sleeps up to `d`, waking early for a stop signal.
void nap(std::chrono::milliseconds d)
{
    const auto until = std::chrono::steady_clock::now() + d;
    while (!g_stop && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(d, std::chrono::milliseconds(100)));
}

// Waits for a NOTIFY on the connection's socket, or the poll interval, or a signal.
void wait_for_work(libpq::Connection &db, std::chrono::milliseconds timeout)
{
    const int fd = PQsocket(db.raw());
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!g_stop && !g_reload) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd p{fd, POLLIN, 0};
        const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 200)));
        if (n > 0) {
            if (!PQconsumeInput(db.raw())) throw libpq::Error(PQerrorMessage(db.raw()));
            bool woke = false;
            while (PGnotify *note = PQnotifies(db.raw())) {
                woke = true;
                PQfreemem(note);
            }
            if (woke) return;
        }
    }
}

const ProviderSettings &settings_of(const Config &c, const std::string &provider)
{
    return provider == "twilio" ? c.twilio : c.signalhouse;
}

// A claimed text as claim_sends returned it.
struct Claimed {
    SendRequest request;
    std::string primary, backup;
};

// The columns of outreach.claim_sends' result that outreachd reads, found by name once per batch:
// a column added to or moved in the function's result cannot shift what is read.
struct ClaimColumns {
    explicit ClaimColumns(const libpq::Result &rows)
        : team_id(libpq::column(rows, "team_id")), sms_message_id(libpq::column(rows, "sms_message_id")),
          to_phone(libpq::column(rows, "to_phone")), body(libpq::column(rows, "body")),
          provider(libpq::column(rows, "provider")), backup_provider(libpq::column(rows, "backup_provider")),
          signalhouse_sender(libpq::column(rows, "signalhouse_sender")),
          twilio_from(libpq::column(rows, "twilio_from")),
          twilio_messaging_service_sid(libpq::column(rows, "twilio_messaging_service_sid"))
    {}
    int team_id, sms_message_id, to_phone, body, provider, backup_provider, signalhouse_sender, twilio_from,
        twilio_messaging_service_sid;
};

// Row i of claim_sends' result.
Claimed claimed_row(const libpq::Result &rows, const ClaimColumns &col, int i)
{
    Claimed c;
    c.request.team_id = libpq::value(rows, i, col.team_id);
    c.request.sms_message_id = std::stoll(libpq::value(rows, i, col.sms_message_id));
    c.request.to_phone = libpq::value(rows, i, col.to_phone);
    c.request.body = libpq::value(rows, i, col.body);
    c.primary = libpq::value(rows, i, col.provider);
    c.backup = libpq::value(rows, i, col.backup_provider);
    c.request.signalhouse_sender = libpq::value(rows, i, col.signalhouse_sender);
    c.request.twilio_from = libpq::value(rows, i, col.twilio_from);
    c.request.twilio_messaging_service_sid = libpq::value(rows, i, col.twilio_messaging_service_sid);
    return c;
}

// Performs the prepared requests of one round at once; sandbox providers answer without network.
std::vector<SendOutcome> perform_round(HttpPool &pool, const std::vector<PreparedSend> &round)
{
    std::vector<SendOutcome> outcomes(round.size());
    std::vector<HttpRequest> live;
    std::vector<std::size_t> live_at;
    for (std::size_t i = 0; i < round.size(); ++i) {
        if (round[i].sandbox) {
            outcomes[i] = sandbox_outcome(round[i]);
        } else {
            live.push_back(round[i].http);
            live_at.push_back(i);
        }
    }
    if (!live.empty()) {
        const std::vector<HttpResponse> answers = pool.perform_all(live);
        for (std::size_t k = 0; k < live.size(); ++k)
            outcomes[live_at[k]] = read_send_response(round[live_at[k]], answers[k]);
    }
    return outcomes;
}

// A claimed text's request to one of its providers, with that provider's status callback.
PreparedSend prepare_for(const Config &config, const Claimed &c, const std::string &provider)
{
    SendRequest q = c.request;
    if (!config.public_url.empty())
        q.status_callback_url = config.public_url + "/webhooks/" + provider + "/" + q.team_id;
    return prepare_send(provider, settings_of(config, provider), q, config.connect_timeout, config.request_timeout);
}

// A window of texts whose providers answered, waiting to be recorded.
struct Answered {
    std::string team;
    std::vector<Claimed> texts;
    std::vector<SendOutcome> outcomes;
};

// Commits a window's claimed texts as sending (outreach.start_sends) and returns those that may go:
// a text whose number opted out since the claim is not started. From here a crash leaves a text
// unknown, never re-sent.
std::vector<Claimed> start_window(libpq::Connection &db, const std::vector<Claimed> &window,
                                  const std::optional<std::string> &at)
{
    const std::string &team = window.front().request.team_id;
    std::string ids = "{";
    for (std::size_t i = 0; i < window.size(); ++i)
        ids += (i ? "," : "") + std::to_string(window[i].request.sms_message_id);
    ids += "}";
    const auto started = db.exec(
        "SELECT sms_message_id, started FROM outreach.start_sends($1, $2::bigint[], coalesce($3::timestamptz, now()))",
        {team, ids, at});
    // matched to the window by id, not by row order: a text start_sends does not report is not started
    const int id_col = libpq::column(started, "sms_message_id"), started_col = libpq::column(started, "started");
    std::map<long long, bool> started_of;
    for (int r = 0; r < PQntuples(started.get()); ++r)
        started_of[std::stoll(libpq::value(started, r, id_col))] = libpq::value(started, r, started_col) == "t";
    std::vector<Claimed> going;
    for (const Claimed &c : window) {
        const auto it = started_of.find(c.request.sms_message_id);
        if (it != started_of.end() && it->second) {
            going.push_back(c);
        } else {
            log_event(Level::Info, "send_skipped",
                      {{"team", team},
                       {"text", std::to_string(c.request.sms_message_id)},
                       {"reason", "no longer claimed, or the number opted out since the claim"}});
        }
    }
    return going;
}

// Sends a started window's requests at once; a request that certainly never reached the primary
// provider goes to the backup, again all at once.
std::vector<SendOutcome> perform_window(HttpPool &pool, const Config &config, const std::vector<Claimed> &going)
{
    std::vector<PreparedSend> round;
    for (const Claimed &c : going) round.push_back(prepare_for(config, c, c.primary));
    std::vector<SendOutcome> outcomes = perform_round(pool, round);
    std::vector<PreparedSend> backup_round;
    std::vector<std::size_t> backup_of;
    for (std::size_t i = 0; i < going.size(); ++i) {
        const Claimed &c = going[i];
        if (!outcomes[i].never_left || c.backup.empty() || c.backup == c.primary) continue;
        // A backup without credentials would only pretend: the text would be recorded as sent in
        // sandbox mode and never reach anyone. It stays queued for the primary instead.
        if (settings_of(config, c.backup).sandbox && !settings_of(config, c.primary).sandbox) {
            log_event(Level::Warn, "provider_unreachable",
                      {{"provider", c.primary},
                       {"error", outcomes[i].error_message},
                       {"fallback", "none: " + c.backup + " runs in sandbox mode"}});
            continue;
        }
        log_event(Level::Warn, "provider_unreachable",
                  {{"provider", c.primary}, {"error", outcomes[i].error_message}, {"fallback", c.backup}});
        backup_round.push_back(prepare_for(config, c, c.backup));
        backup_of.push_back(i);
    }
    if (!backup_round.empty()) {
        std::vector<SendOutcome> second = perform_round(pool, backup_round);
        for (std::size_t k = 0; k < second.size(); ++k) outcomes[backup_of[k]] = std::move(second[k]);
    }
    for (const SendOutcome &o : outcomes) {
        metrics().add("outreach_sends_total",
                      {{"provider", o.provider}, {"outcome", o.sandbox ? "sandbox" : o.outcome}});
        if (!o.sandbox) {
            metrics().add("outreach_provider_request_seconds_sum", {{"provider", o.provider}}, o.seconds);
            metrics().add("outreach_provider_request_seconds_count", {{"provider", o.provider}});
        }
        if (o.outcome == "retry") metrics().add("outreach_retries_total", {{"provider", o.provider}});
    }
    return outcomes;
}

// The outcomes of a window as outreach.complete_sends reads them.
std::string outcomes_json(const Answered &a)
{
    nlohmann::json report = nlohmann::json::array();
    for (std::size_t i = 0; i < a.texts.size(); ++i) {
        const SendOutcome &o = a.outcomes[i];
        nlohmann::json item = {{"sms_message_id", a.texts[i].request.sms_message_id},
                               {"outcome", o.outcome},
                               {"provider", o.provider},
                               {"sandbox", o.sandbox},
                               {"retry_after_seconds", o.retry_after_seconds}};
        if (!o.provider_message_id.empty()) item["provider_message_id"] = o.provider_message_id;
        if (!o.error_code.empty()) item["error_code"] = o.error_code;
        if (!o.error_message.empty()) item["error_message"] = o.error_message;
        if (!o.request_json.empty()) item["request"] = nlohmann::json::parse(o.request_json, nullptr, false);
        report.push_back(std::move(item));
    }
    // a provider's error text may hold bytes that are not UTF-8: replaced, never a reason to fail
    return report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char *const k_complete_sql = "SELECT sms_message_id, state FROM outreach.complete_sends($1, $2::jsonb)";

// Logs each text of a recorded window with the state complete_sends left it in.
void log_recorded(const Answered &a, const libpq::Result &done)
{
    std::map<long long, std::string> state_of;
    for (int r = 0; r < PQntuples(done.get()); ++r)
        state_of[std::stoll(libpq::value(done, r, 0))] = libpq::value(done, r, 1);
    for (std::size_t i = 0; i < a.texts.size(); ++i) {
        const SendOutcome &o = a.outcomes[i];
        const SendRequest &q = a.texts[i].request;
        log_event(o.outcome == "sent" ? Level::Info : Level::Warn, "send",
                  {{"team", a.team},
                   {"text", std::to_string(q.sms_message_id)},
                   {"to", mask_phone(q.to_phone)},
                   {"provider", o.provider},
                   {"outcome", o.outcome},
                   {"sandbox", o.sandbox ? "yes" : "no"},
                   {"code", o.error_code},
                   {"state", state_of[q.sms_message_id]}});
    }
}

// Whether a failed statement may simply be run again: a deadlock or serialization failure rolled
// it back whole. Recording outcomes is idempotent (a repeat changes nothing), so it is retried
// rather than left for the reaper, which could only call the texts unknown.
bool retryable(const libpq::Error &e) { return e.sqlstate() == "40P01" || e.sqlstate() == "40001"; }

// Records a window's outcomes, trying again after a deadlock (a delivery callback of one of its
// texts being stored at the same moment).
void record_window(libpq::Connection &db, const Answered &a)
{
    for (int attempt = 1;; ++attempt) {
        try {
            log_recorded(a, db.exec(k_complete_sql, {a.team, outcomes_json(a)}));
            return;
        } catch (const libpq::Error &e) {
            if (!retryable(e) || attempt == 3) throw;
            log_event(Level::Warn, "record_retry",
                      {{"team", a.team}, {"error", e.what()}, {"attempt", std::to_string(attempt)}});
        }
    }
}

// Records windows' outcomes on a connection of its own, one window behind the sender: while the
// server records window k here, the sender's connection starts window k+1 and its requests go
// out. So at any moment at most two windows are in state sending, and a crash leaves at most those
// unknown. A window is dropped from the recorder only once it is recorded: after a database error
// it stays, and is recorded again (outreach.complete_sends is safe to repeat) on a new connection.
class Recorder {
public:
    explicit Recorder(std::string dsn) : dsn_(std::move(dsn)) {}

    // Hands `a` over to be recorded, after waiting for the window handed over before it.
    void submit(Answered a)
    {
        if (!a.texts.empty()) todo_.push_back(std::move(a));
        wait_current();
        send_next();
    }

    // Records every window handed over, and waits for it.
    void finish()
    {
        wait_current();
        while (!todo_.empty()) {
            send_next();
            wait_current();
        }
    }

    // After a database error: the connection is given up (what is in flight may or may not have
    // committed); every window not known to be recorded stays, for the next finish().
    void disconnect()
    {
        conn_.reset();
        busy_ = false;
    }

    // The texts of the windows not recorded yet (for the log when giving up).
    std::size_t unrecorded() const
    {
        std::size_t n = 0;
        for (const Answered &a : todo_) n += a.texts.size();
        return n;
    }

private:
    libpq::Connection &conn()
    {
        if (!conn_) conn_ = std::make_unique<libpq::Connection>(dsn_);
        return *conn_;
    }

    void send_next()
    {
        if (busy_ || todo_.empty()) return;
        conn().send(k_complete_sql, {todo_.front().team, outcomes_json(todo_.front())});
        busy_ = true;
    }

    // Waits for the window in flight. A lost connection leaves it queued (thrown); a window the
    // server refuses is given up with an error in the log (retrying it could only fail again: its
    // texts become unknown when their leases run out), so that one bad window cannot stop the rest.
    void wait_current()
    {
        if (!busy_) return;
        busy_ = false;
        try {
            try {
                log_recorded(todo_.front(), conn().receive());
            } catch (const libpq::Error &e) {
                if (!connected() || !retryable(e)) throw;
                record_window(conn(), todo_.front());
            }
        } catch (const libpq::Error &e) {
            if (!connected()) throw;
            const Answered &a = todo_.front();
            std::string ids;
            for (const Claimed &c : a.texts) ids += (ids.empty() ? "" : ",") + std::to_string(c.request.sms_message_id);
            log_event(Level::Error, "record_refused", {{"team", a.team}, {"texts", ids}, {"error", e.what()}});
        }
        todo_.pop_front();
    }

    bool connected() const { return conn_ && PQstatus(conn_->raw()) == CONNECTION_OK; }

    std::string dsn_;
    std::unique_ptr<libpq::Connection> conn_;
    std::deque<Answered> todo_;  // the front is in flight when busy_
    bool busy_ = false;
};

// Sends a claimed batch window by window, each window one team's texts in claim order: started
// (committed as sending), sent at once, then handed to the recorder.
void send_batch(libpq::Connection &db, Recorder &recorder, HttpPool &pool, const Config &config,
                const libpq::Result &rows, const std::optional<std::string> &at)
{
    const int n = PQntuples(rows.get());
    const ClaimColumns columns(rows);
    std::map<std::string, std::vector<Claimed>> by_team;
    std::vector<std::string> teams;  // in order of first appearance
    for (int i = 0; i < n; ++i) {
        Claimed c = claimed_row(rows, columns, i);
        auto [it, fresh] = by_team.try_emplace(c.request.team_id);
        if (fresh) teams.push_back(c.request.team_id);
        it->second.push_back(std::move(c));
    }
    const std::size_t width = static_cast<std::size_t>(std::max(1, config.send_concurrency));
    for (const std::string &team : teams) {
        const std::vector<Claimed> &texts = by_team[team];
        for (std::size_t from = 0; from < texts.size(); from += width) {
            const std::vector<Claimed> window(texts.begin() + static_cast<long>(from),
                                              texts.begin() + static_cast<long>(std::min(texts.size(), from + width)));
            Answered now{team, start_window(db, window, at), {}};
            now.outcomes = perform_window(pool, config, now.texts);
            recorder.submit(std::move(now));
        }
    }
}

}  // namespace

std::string run_usage()
{
    return "usage: outreachd run [--config FILE] [--dsn DSN] [--once [--at TIMESTAMP]]\n"
           "  Claims due campaign messages, sends them through the team's provider (at most once), serves\n"
           "  /healthz, /metrics and delivery-status webhooks. SIGTERM finishes the messages in hand and exits;\n"
           "  SIGHUP reloads the configuration (the old one stays if the new one is invalid).\n"
           "  --once   send what is due now, then exit\n"
           "  --at     with --once and every provider in sandbox mode: rehearse the sends due at TIMESTAMP,\n"
           "           with the gate (quiet hours, caps) evaluated at that moment\n" +
           config_help();
}

bool parse_run_args(const std::vector<std::string> &args, RunOptions &o, std::string &error)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        auto next = [&](const char *name) -> const std::string * {
            if (i + 1 >= args.size()) {
                error = std::string(name) + " needs a value";
                return nullptr;
            }
            return &args[++i];
        };
        if (a == "--once") {
            o.once = true;
        } else if (a == "--config") {
            const std::string *v = next("--config");
            if (!v) return false;
            o.config_file = *v;
        } else if (a == "--at") {
            const std::string *v = next("--at");
            if (!v) return false;
            o.at = *v;
        } else if (a == "--dsn") {
            const std::string *v = next("--dsn");
            if (!v) return false;
            o.dsn = *v;
        } else {
            error = "unknown option \"" + a + "\"";
            return false;
        }
    }
    if (!o.at.empty() && !o.once) {
        error = "--at needs --once (a rehearsal sends what is due at one moment)";
        return false;
    }
    if (o.config_file.empty())
        if (const char *f = std::getenv("OUTREACH_CONFIG")) o.config_file = f;
    return true;
}

int run_daemon(const RunOptions &options)
{
    auto loaded = load_config(options.config_file, [](const char *k) { return std::getenv(k); });
    if (!loaded.ok()) {
        log_event(Level::Error, "config_invalid", {{"error", loaded.error().message}});
        return 1;
    }
    Config config = loaded.value();
    set_log_level(parse_log_level(config.log_level, Level::Info));
    // a rehearsal at another moment must never reach a real provider
    if (!options.at.empty() && !(config.twilio.sandbox && config.signalhouse.sandbox && config.realestateapi.sandbox &&
                                 config.apollo.sandbox && config.anthropic.sandbox)) {
        log_event(Level::Error, "at_needs_sandbox",
                  {{"error", "--at is only allowed when every provider runs in sandbox mode"}});
        return 2;
    }
    const std::optional<std::string> at = options.at.empty() ? std::nullopt : std::optional<std::string>(options.at);
    const std::string dsn = options.dsn;
    install_signals();
    http_global_init();
    std::unique_ptr<HttpServer> http;
    try {
        http = std::make_unique<HttpServer>(config, dsn);
    } catch (const std::exception &e) {
        log_event(Level::Error, "http_listen_failed", {{"listen", config.http_listen}, {"error", e.what()}});
        return 1;
    }
    log_event(Level::Info, "started",
              {{"worker", config.worker_name},
               {"http_port", std::to_string(http->port())},
               {"signalhouse", config.signalhouse.sandbox ? "sandbox" : config.signalhouse.base_url},
               {"twilio", config.twilio.sandbox ? "sandbox" : config.twilio.base_url},
               {"anthropic", config.anthropic.sandbox ? "sandbox" : config.anthropic.model},
               {"realestateapi", config.realestateapi.sandbox ? "sandbox" : config.realestateapi.base_url},
               {"apollo", config.apollo.sandbox ? "sandbox" : config.apollo.base_url},
               {"once", options.once ? "yes" : "no"}});

    std::unique_ptr<libpq::Connection> db;
    std::unique_ptr<Recorder> recorder;  // the outcomes of sent windows, recorded on a second connection
    HttpPool pool(config.send_concurrency);
    std::mt19937 rng(std::random_device{}());
    std::chrono::milliseconds backoff{250};
    const std::chrono::milliseconds max_backoff{30000};
    while (!g_stop) {
        if (g_reload) {
            g_reload = 0;
            auto fresh = load_config(options.config_file, [](const char *k) { return std::getenv(k); });
            if (!fresh.ok()) {
                log_event(Level::Error, "reload_rejected",
                          {{"error", fresh.error().message}, {"kept", "previous configuration"}});
            } else {
                if (!config.same_fixed_settings(fresh.value()))
                    log_event(
                        Level::Warn, "reload_partial",
                        {{"note", "listen address, DSN, worker name and spool directory change on restart only"}});
                Config next = fresh.value();
                next.http_listen = config.http_listen;
                next.spool_dir = config.spool_dir;
                next.spool_dir_default = config.spool_dir_default;
                next.worker_name = config.worker_name;
                config = next;
                set_log_level(parse_log_level(config.log_level, Level::Info));
                http->update_config(config);
                log_event(Level::Info, "reloaded",
                          {{"signalhouse", config.signalhouse.sandbox ? "sandbox" : "live"},
                           {"twilio", config.twilio.sandbox ? "sandbox" : "live"},
                           {"anthropic", config.anthropic.sandbox ? "sandbox" : "live"}});
            }
        }
        try {
            if (!db) {
                db = std::make_unique<libpq::Connection>(dsn);
                db->exec("LISTEN outreach_sends");
                db->exec("LISTEN outreach_replies");
                if (!recorder) recorder = std::make_unique<Recorder>(dsn);
                recorder->finish();  // windows answered before a database error are recorded first
                log_event(Level::Info, "connected", {{"worker", config.worker_name}});
                backoff = std::chrono::milliseconds(250);
            }
            // the last window is recorded before the reaper looks, and before the next claim: a claim
            // and a recording that both count a failure would otherwise wait on each other's
            // counter and queue rows
            recorder->finish();
            const auto reaped = db->exec("SELECT outreach.reap_stale_sends(coalesce($1::timestamptz, now()))", {at});
            if (libpq::value(reaped, 0, 0) != "0") {
                metrics().add("outreach_unknown_total", {{"reason", "lease_expired"}},
                              std::stod(libpq::value(reaped, 0, 0)));
                log_event(Level::Warn, "reaped", {{"unknown", libpq::value(reaped, 0, 0)}});
            }
            // an import whose session died (a killed client or backend) would stay 'created' forever
            const auto abandoned = db->exec("SELECT outreach.reap_abandoned_imports()");
            if (libpq::value(abandoned, 0, 0) != "0")
                log_event(Level::Warn, "reaped_imports", {{"failed", libpq::value(abandoned, 0, 0)}});
            // webhooks spooled while the database was unreachable, in order, on a webhook connection
            http->replay_spool();
            // delivery callbacks stored while their text was locked, or before its provider id was recorded
            // inbound texts stored but never received (a failure between the two calls): a STOP among
            // them must not wait for a provider retry that will not come
            receive_stranded_inbound(*db);
            const auto late = db->exec("SELECT outreach.apply_received_webhooks()");
            if (libpq::value(late, 0, 0) != "0")
                log_event(Level::Info, "webhooks_applied_late", {{"events", libpq::value(late, 0, 0)}});
            // claimed in one transaction with the gate; each is committed as sending just before its request
            const auto rows =
                db->exec("SELECT * FROM outreach.claim_sends($1, $2, $3::interval, coalesce($4::timestamptz, now()))",
                         {config.worker_name, std::to_string(config.batch),
                          std::to_string(config.lease.count()) + " seconds", at});
            const int n = PQntuples(rows.get());
            if (n > 0) metrics().add("outreach_claims_total", {}, n);
            // a stop signal lets the claimed batch finish; a kill leaves the unstarted ones to the reaper,
            // which queues them again (they never left)
            if (n > 0) send_batch(*db, *recorder, pool, config, rows, at);
            const int jobs = run_enrichment(*db, config, at);
            const int labels = run_classification(*db, pool, config, at);
            const int captures = run_email_captures(*db, config);
            if (n >= config.batch || jobs >= config.enrichment_batch || labels >= config.classification_batch ||
                captures >= config.classification_batch)
                continue;
            recorder->finish();  // nothing more is due right now: record the last window before waiting
            if (options.once && n == 0 && jobs == 0 && labels == 0 && captures == 0) break;
            if (!options.once) wait_for_work(*db, config.poll_interval);
        } catch (const libpq::Error &e) {
            // A deadlock or serialization failure rolled back one statement and nothing else: the
            // connections are fine, and what it meant to do is done again on the next turn (a claim
            // is claimed again; a window that failed to start is still claimed and goes back to the
            // queue with its lease).
            if (retryable(e) && db && PQstatus(db->raw()) == CONNECTION_OK) {
                log_event(Level::Warn, "database_retry", {{"error", e.what()}});
                continue;
            }
            log_event(Level::Error, "database_error",
                      {{"error", e.what()}, {"retry_in_ms", std::to_string(backoff.count())}});
            // what was answered is recorded now if the recorder's connection still works, else
            // after reconnecting
            if (recorder) {
                try {
                    recorder->finish();
                } catch (const libpq::Error &) {
                    recorder->disconnect();
                }
            }
            db.reset();
            // capped exponential backoff with jitter
            std::uniform_int_distribution<long long> jitter(backoff.count() / 2, backoff.count());
            nap(std::chrono::milliseconds(jitter(rng)));
            backoff = std::min(backoff * 2, max_backoff);
            if (options.once && g_stop) break;
        }
    }
    // a stop signal lets the last windows' outcomes be recorded
    if (recorder) {
        try {
            recorder->finish();
        } catch (const libpq::Error &e) {
            log_event(Level::Error, "database_error",
                      {{"error", e.what()},
                       {"unrecorded_texts", std::to_string(recorder->unrecorded())},
                       {"note", "their leases run out and they become unknown"}});
        }
    }
    log_event(Level::Info, "stopped", {{"worker", config.worker_name}});
    return 0;
}

}  // namespace outreach::worker
