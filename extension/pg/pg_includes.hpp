// The only way Postgres headers enter the C++ build: wrapped in extern "C", included only by
// files in extension/pg/. extension/core/ refuses them (core/no_postgres.hpp).
#pragma once

#define OUTREACH_PG_GLUE 1

// Postgres headers are C; a few inline functions trip C++ warnings that are not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
extern "C" {
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
}
#pragma GCC diagnostic pop
