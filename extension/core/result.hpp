// Failure as a value. Core functions never touch Postgres and never let an exception escape for
// an expected failure (bad argument); they return an Error that extension/pg/ turns into an
// ereport with the matching errcode.
#pragma once
#include "no_postgres.hpp"

#include <string>
#include <utility>
#include <variant>

namespace outreach {

enum class ErrorKind {
    invalid_argument,  // the caller passed something we cannot work with (maps to 22023)
    internal,          // a library we depend on failed (maps to XX000)
};

struct Error {
    ErrorKind kind;
    std::string message;  // names the offending input, e.g. unknown region "XX"
};

template <typename T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose
    Result(Error error) : v_(std::move(error)) {}  // NOLINT
    bool ok() const { return v_.index() == 0; }
    const T &value() const { return std::get<0>(v_); }
    T &value() { return std::get<0>(v_); }
    const Error &error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

}  // namespace outreach
