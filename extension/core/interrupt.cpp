// The core's cancellation hook (see interrupt.hpp).
#include "interrupt.hpp"

namespace outreach {
namespace {
InterruptPoll installed = nullptr;
}  // namespace

void set_interrupt_poll(InterruptPoll poll) noexcept { installed = poll; }

void poll_interrupts()
{
    if (installed != nullptr) installed();
}

}  // namespace outreach
