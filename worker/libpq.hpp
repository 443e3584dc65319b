// A small RAII layer over libpq for outreachd: a connection, results that free themselves, and
// errors as exceptions carrying the server's message and SQLSTATE. It is the daemon's client side,
// in namespace outreach::libpq; outreach::pg is the extension's backend glue (extension/pg/).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace outreach::libpq {

// A failed libpq call or SQL statement.
class Error : public std::runtime_error {
public:
    Error(std::string message, std::string sqlstate = {})
        : std::runtime_error(std::move(message)), sqlstate_(std::move(sqlstate))
    {}
    const std::string &sqlstate() const { return sqlstate_; }

private:
    std::string sqlstate_;
};

struct ResultDeleter {
    void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

class Connection {
public:
    // Connects with a libpq connection string; empty means the PG* environment variables.
    explicit Connection(const std::string &dsn);
    // The same with defaults of our own (connect_timeout, fallback_application_name, ...) that a
    // setting in `dsn` overrides.
    Connection(const std::string &dsn, const std::vector<std::pair<std::string, std::string>> &defaults);
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Runs a statement with text parameters (std::nullopt is SQL NULL); throws Error unless it
    // succeeds. Returns the result (tuples or command status).
    Result exec(const std::string &sql, const std::vector<std::optional<std::string>> &params = {});

    // The same in two halves, so that the server works while the caller does something else:
    // send() returns at once; receive() waits for the result (throws Error like exec). No other
    // statement may be sent in between.
    void send(const std::string &sql, const std::vector<std::optional<std::string>> &params = {});
    Result receive();

    // COPY ... FROM STDIN: start, send data, finish (finish throws the server's error, if any).
    void copy_begin(const std::string &sql);
    void copy_send(std::string_view data);
    void copy_end();

    PGconn *raw() const { return conn_.get(); }

private:
    struct ConnDeleter {
        void operator()(PGconn *c) const { PQfinish(c); }
    };
    std::unique_ptr<PGconn, ConnDeleter> conn_;
    [[noreturn]] void fail(const PGresult *r, const std::string &what) const;
    void check_connected();
};

// Value of row `row`, column `col` of a result (empty for NULL).
std::string value(const Result &r, int row, int col);
bool is_null(const Result &r, int row, int col);

// The number of the result column called `name` (PQfnumber); throws Error when there is none,
// so that a function whose result changed shape fails loudly instead of being misread.
int column(const Result &r, const char *name);

// A text[] literal of plain strings (array input syntax, every element quoted).
std::string text_array_literal(const std::vector<std::string> &items);

}  // namespace outreach::libpq
