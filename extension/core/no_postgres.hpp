// Every file in extension/core/ includes this first (through its own header). The core is pure
// C++: it must build and be unit-tested without a PostgreSQL server, and it must never longjmp.
// If a Postgres header has been included in a core translation unit, the C++/Postgres boundary
// (docs/architecture.md) is broken and the build stops here. (The CMake build also compiles the
// core with no Postgres include path at all, so an include anywhere in a core file fails there.)
// Only extension/pg/, which includes core headers after postgres.h on purpose, sets
// OUTREACH_PG_GLUE (pg/pg_includes.hpp).
#pragma once
#if !defined(OUTREACH_PG_GLUE) && (defined(PG_VERSION_NUM) || defined(POSTGRES_H))
#error "extension/core/ is pure C++: do not include postgres.h (or any Postgres header) here"
#endif
