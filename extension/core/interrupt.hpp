// Cancellation of long core loops without Postgres headers. The host installs a poll function
// once; loops whose length the caller controls (edges of a graph, blocking keys) call
// poll_interrupts() every few thousand steps. In a backend the glue's poll raises a pending
// query cancel as a C++ exception, which unwinds the core (RAII) and reaches the fmgr guard;
// elsewhere (unit tests, outreachd) nothing is installed and polling costs a load and a branch.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>

namespace outreach {

using InterruptPoll = void (*)();

// Installs the poll function (nullptr: none). Not thread-safe; call it once at start-up.
void set_interrupt_poll(InterruptPoll poll) noexcept;

// Calls the installed poll function, which may throw to abandon the work.
void poll_interrupts();

// Polls every `every` calls: for the innermost loops.
class InterruptTicker {
public:
    explicit InterruptTicker(std::size_t every = 4096) : every_(every) {}
    void tick()
    {
        if (++n_ >= every_) {
            n_ = 0;
            poll_interrupts();
        }
    }

private:
    std::size_t every_;
    std::size_t n_ = 0;
};

}  // namespace outreach
