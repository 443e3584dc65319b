// Module load: the magic block, the outreach.team_id setting, and the library version that the
// installed SQL can check against.
#include "datum.hpp"

#include "core/interrupt.hpp"

namespace {

// The core's cancellation hook: a pending cancel or termination is processed here, in a frame
// of its own, and leaves as a PgError that unwinds the core up to the entry point's guard.
void poll_backend_interrupts()
{
    if (INTERRUPTS_PENDING_CONDITION()) outreach::pg::pg_call([] { CHECK_FOR_INTERRUPTS(); });
}

}  // namespace

extern "C" {

PG_MODULE_MAGIC;

// The team a session works as; row-level security policies compare every tenant row's team_id
// with it, so that one team never reads or changes another's rows. Empty means "no team":
// tenant tables then show no rows.
static char *outreach_team_id = nullptr;

void _PG_init(void);

void _PG_init(void)
{
    DefineCustomStringVariable("outreach.team_id", "The team (tenant) this session works as.",
                               "Row-level security on every pg_outreach table shows and accepts only rows "
                               "whose team_id equals this setting.",
                               &outreach_team_id, "", PGC_USERSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("outreach");
    outreach::set_interrupt_poll(&poll_backend_interrupts);
}

}  // extern "C"

namespace outreach::pg {

// The version of the loaded shared library, so the SQL side can tell when the two disagree.
OUTREACH_ENTRY_POINT(outreach_library_version, text_datum(OUTREACH_VERSION));

}  // namespace outreach::pg
