// The C++/Postgres error boundary (docs/architecture.md, "The C++/Postgres boundary").
//
// Postgres reports errors by longjmp; C++ unwinds by exceptions. Two tools keep them apart:
//   guard(f)   wraps every fmgr entry point (declared with OUTREACH_ENTRY_POINT, below). It runs
//              f, catches every C++ exception, copies what it needs into plain buffers, leaves
//              the catch block, and only then raises the Postgres error with a proper SQLSTATE.
//   pg_call(f) wraps every Postgres call made from C++ code that can ereport. It runs f inside
//              PG_TRY; a longjmp lands in the same frame, the error is copied and flushed, and it
//              continues as a C++ exception (PgError) that guard() re-raises unchanged.
// Between them no longjmp ever crosses a C++ frame with live objects, and no C++ exception
// ever reaches Postgres.
#pragma once

#include "pg_includes.hpp"

#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

namespace outreach::pg {

// A Postgres error caught by pg_call, on its way back to Postgres through guard().
class PgError : public std::exception {
public:
    explicit PgError(ErrorData *data) : data_(data) {}
    ErrorData *data() const { return data_; }
    const char *what() const noexcept override { return data_ && data_->message ? data_->message : "Postgres error"; }

private:
    ErrorData *data_;
};

// An error our own code raises about its input: an SQLSTATE, a message naming the offending
// input, and an optional hint.
class UserError : public std::exception {
public:
    UserError(int sqlstate, std::string message, std::string hint = {})
        : sqlstate_(sqlstate), message_(std::move(message)), hint_(std::move(hint))
    {}
    int sqlstate() const { return sqlstate_; }
    const char *what() const noexcept override { return message_.c_str(); }
    const std::string &hint() const { return hint_; }

private:
    int sqlstate_;
    std::string message_;
    std::string hint_;
};

// Runs a Postgres function that may ereport(ERROR) from C++ code. f must not create C++ objects
// with destructors itself: it is the frame the longjmp lands in.
template <typename F>
auto pg_call(F &&f) -> decltype(f())
{
    using R = decltype(f());
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    if constexpr (std::is_void_v<R>) {
        PG_TRY();
        {
            f();
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(caller_context);
            error = CopyErrorData();
            FlushErrorState();
        }
        PG_END_TRY();
        if (error != nullptr) throw PgError(error);
    } else {
        static_assert(std::is_scalar_v<R>, "pg_call returns plain data (pointers, Datums, numbers) only");
        volatile R result{};
        PG_TRY();
        {
            result = f();
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(caller_context);
            error = CopyErrorData();
            FlushErrorState();
        }
        PG_END_TRY();
        if (error != nullptr) throw PgError(error);
        return result;
    }
}

// Lets a query cancel or a termination in (as a PgError through guard()) every `every` calls.
inline void check_interrupts_every(std::uint64_t &count, std::uint64_t every)
{
    if (++count % every == 0) pg_call([] { CHECK_FOR_INTERRUPTS(); });
}

namespace detail {
// Copies an exception message into a fixed buffer (no allocation: we may be out of memory),
// never cutting a UTF-8 sequence in two.
inline void copy_message(char *dst, std::size_t size, const char *src)
{
    std::size_t n = 0;
    if (src != nullptr) {
        while (n < size - 1 && src[n] != '\0') ++n;
        if (src[n] != '\0')
            while (n > 0 && (static_cast<unsigned char>(src[n]) & 0xC0) == 0x80) --n;
        std::memcpy(dst, src, n);
    }
    dst[n] = '\0';
}
}  // namespace detail

// Runs the body of an fmgr entry point. Every exit is either a returned Datum or a Postgres
// error raised here, after the C++ exception has been fully handled.
template <typename F>
Datum guard(F &&body)
{
    char message[1024];
    char hint[512];
    int sqlstate = 0;
    ErrorData *pg_error = nullptr;
    message[0] = hint[0] = '\0';
    try {
        return body();
    } catch (const PgError &e) {
        pg_error = e.data();
    } catch (const UserError &e) {
        sqlstate = e.sqlstate();
        detail::copy_message(message, sizeof message, e.what());
        detail::copy_message(hint, sizeof hint, e.hint().c_str());
    } catch (const std::bad_alloc &) {
        sqlstate = ERRCODE_OUT_OF_MEMORY;
        detail::copy_message(message, sizeof message, "pg_outreach: out of memory");
    } catch (const std::exception &e) {
        sqlstate = ERRCODE_INTERNAL_ERROR;
        detail::copy_message(message, sizeof message, e.what());
    } catch (...) {
        sqlstate = ERRCODE_INTERNAL_ERROR;
        detail::copy_message(message, sizeof message, "pg_outreach: unknown C++ exception");
    }
    // No exception is in flight any more: safe to longjmp.
    if (pg_error != nullptr) ReThrowError(pg_error);
    if (hint[0] != '\0') ereport(ERROR, (errcode(sqlstate), errmsg("%s", message), errhint("%s", hint)));
    ereport(ERROR, (errcode(sqlstate), errmsg("%s", message)));
    pg_unreachable();
}

}  // namespace outreach::pg

// Declares and defines one SQL-callable C function: its fmgr V1 info record and its extern "C"
// entry point, which runs `body` (an expression of type Datum that may read `fcinfo`) inside
// guard(). Use it at namespace scope in outreach::pg (never in an anonymous namespace: the symbol
// must stay visible to the dynamic loader), with a semicolon after it, for example
//     OUTREACH_ENTRY_POINT(outreach_sms_units, sms_units_body(fcinfo));
// The body is variadic so that it may contain commas.
#define OUTREACH_ENTRY_POINT(name, ...)                                       \
    extern "C" {                                                              \
    PG_FUNCTION_INFO_V1(name);                                                \
    Datum name(PG_FUNCTION_ARGS)                                              \
    {                                                                         \
        (void)fcinfo;                                                         \
        return ::outreach::pg::guard([&]() -> Datum { return __VA_ARGS__; }); \
    }                                                                         \
    }                                                                         \
    static_assert(true, "OUTREACH_ENTRY_POINT is followed by a semicolon")
