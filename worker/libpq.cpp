// libpq wrapper (see libpq.hpp).
#include "libpq.hpp"

namespace outreach::libpq {

Connection::Connection(const std::string &dsn) : conn_(PQconnectdb(dsn.c_str())) { check_connected(); }

Connection::Connection(const std::string &dsn, const std::vector<std::pair<std::string, std::string>> &defaults)
{
    // the defaults come first: with expand_dbname, what the connection string says comes later and wins
    std::vector<const char *> keys, values;
    for (const auto &[k, v] : defaults) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    if (!dsn.empty()) {
        keys.push_back("dbname");
        values.push_back(dsn.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_.reset(PQconnectdbParams(keys.data(), values.data(), 1));
    check_connected();
}

void Connection::check_connected()
{
    if (!conn_) throw Error("cannot allocate a PostgreSQL connection");
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        std::string msg = PQerrorMessage(conn_.get());
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        throw Error("cannot connect to PostgreSQL: " + msg);
    }
    // All text is UTF-8 whatever the client locale says; the extension requires a UTF-8 database.
    PQsetClientEncoding(conn_.get(), "UTF8");
}

void Connection::fail(const PGresult *r, const std::string &what) const
{
    // The server's primary message and hint, without the severity prefix and PL/pgSQL context.
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const char *hint = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_HINT) : nullptr;
    std::string msg = primary ? std::string(primary) + (hint ? std::string(" (hint: ") + hint + ")" : std::string())
                              : std::string(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_.get()));
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    throw Error(msg.empty() ? what + " failed" : msg, state ? state : "");
}

Result Connection::exec(const std::string &sql, const std::vector<std::optional<std::string>> &params)
{
    std::vector<const char *> values;
    values.reserve(params.size());
    for (const auto &p : params) values.push_back(p ? p->c_str() : nullptr);
    Result r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                          nullptr, 0));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(r.get(), "statement");
    return r;
}

void Connection::send(const std::string &sql, const std::vector<std::optional<std::string>> &params)
{
    std::vector<const char *> values;
    values.reserve(params.size());
    for (const auto &p : params) values.push_back(p ? p->c_str() : nullptr);
    if (!PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                           nullptr, 0))
        fail(nullptr, "statement");
}

Result Connection::receive()
{
    // one statement was sent: its result, then NULL. Any error result (also one after the first,
    // such as a failure at commit) is what the call returns, raised once the connection is drained.
    Result first, error;
    while (PGresult *next = PQgetResult(conn_.get())) {
        const ExecStatusType st = PQresultStatus(next);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            if (!error)
                error.reset(next);
            else
                PQclear(next);
        } else if (!first) {
            first.reset(next);
        } else {
            PQclear(next);
        }
    }
    if (error || !first) fail(error.get(), "statement");
    return first;
}

void Connection::copy_begin(const std::string &sql)
{
    Result r(PQexec(conn_.get(), sql.c_str()));
    if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) fail(r.get(), "COPY");
}

void Connection::copy_send(std::string_view data)
{
    if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1) fail(nullptr, "COPY data");
}

void Connection::copy_end()
{
    if (PQputCopyEnd(conn_.get(), nullptr) != 1) fail(nullptr, "COPY end");
    Result r(PQgetResult(conn_.get()));
    const bool ok = r && PQresultStatus(r.get()) == PGRES_COMMAND_OK;
    if (!ok) {
        // drain whatever else the server sends for this command before reporting
        while (Result more{PQgetResult(conn_.get())}) {}
        fail(r.get(), "COPY");
    }
    while (Result more{PQgetResult(conn_.get())}) {}
}

std::string value(const Result &r, int row, int col)
{
    return PQgetisnull(r.get(), row, col) ? std::string() : std::string(PQgetvalue(r.get(), row, col));
}

bool is_null(const Result &r, int row, int col) { return PQgetisnull(r.get(), row, col) != 0; }

int column(const Result &r, const char *name)
{
    const int col = PQfnumber(r.get(), name);
    if (col < 0) throw Error(std::string("the result has no column \"") + name + "\"");
    return col;
}

std::string text_array_literal(const std::vector<std::string> &items)
{
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

}  // namespace outreach::libpq
