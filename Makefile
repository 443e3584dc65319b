# pg_outreach: PGXS builds and installs the extension module (make, make install,
# make installcheck); CMake builds the rest (unit tests, benchmarks, fuzz targets, outreachd),
# driven by the targets at the bottom of this file.

# extension/sql/ holds what pg_outreach is today: one file per journey step, each object defined
# once in its final form. The install script of the current version is those files concatenated in
# name order (the pgvector rule). extension/history/ holds the past, frozen: the install script of
# the oldest supported release and every upgrade script, checked against SHA256SUMS on every build.
# A release adds one hand-written delta there (the open release's delta has no checksum line yet);
# sql/upgrade.sql proves that the oldest release plus every delta equals a fresh install.
EXTVERSION  := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" extension/pg_outreach.control)
PG_CONFIG   ?= pg_config
MODULE_big   = pg_outreach
MODULEDIR    = extension
GENERATED    = extension/generated/reference_data.cpp
OBJS         = $(patsubst %.cpp,%.o,$(sort $(wildcard extension/core/*.cpp) $(wildcard extension/pg/*.cpp))) \
               $(GENERATED:.cpp=.o)
STEP_SOURCES = $(sort $(wildcard extension/sql/[0-9]*.sql))
HISTORY      = $(sort $(wildcard extension/history/pg_outreach--*.sql))
DATA         = extension/pg_outreach.control $(HISTORY)
DATA_built   = extension/pg_outreach--$(EXTVERSION).sql
EXTRA_CLEAN  = $(GENERATED) extension/pg_outreach--$(EXTVERSION).sql

# pg_regress: one file per capability under sql/ with its expected output under expected/.
REGRESS     := $(sort $(notdir $(basename $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=pg_trgm --load-extension=pg_outreach
ISOLATION   := $(sort $(notdir $(basename $(wildcard specs/*.spec))))
ISOLATION_OPTS = --load-extension=pg_trgm --load-extension=pg_outreach

PG_CPPFLAGS  = -I$(srcdir)/extension -DOUTREACH_VERSION='"$(EXTVERSION)"'
PG_CXXFLAGS  = -std=c++20 -Wall -Wextra -Wno-missing-field-initializers -Wno-register
SHLIB_LINK   = -lphonenumber -lprotobuf-lite -lre2 -licui18n -licuuc -licudata -lstdc++

# The module is C++ with no use for LLVM JIT inlining; skip the bitcode PGXS would build.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The folder is a prerequisite too, so removing a step file rebuilds the script. Each object is
# defined once, in its final form: CREATE OR REPLACE has no place in the sources (a second
# CREATE FUNCTION of the same signature then fails the install).
extension/pg_outreach--$(EXTVERSION).sql: $(STEP_SOURCES) extension/sql check-history
	@! grep -n 'CREATE OR REPLACE' $(STEP_SOURCES) || \
	    { echo "extension/sql/: define each object once, with CREATE (the delta may replace)" >&2; exit 1; }
	{ printf '%s\n' '-- pg_outreach $(EXTVERSION) install script, built from extension/sql/[0-9]*.sql (see the Makefile).' \
	      '\echo Use "CREATE EXTENSION pg_outreach" to load this file. \quit'; cat $(STEP_SOURCES); } > $@

# Released scripts never change: every history file has a checksum line, except deltas into the
# open (current, unreleased) version, which get theirs when it is released.
check-history:
	@cd extension/history && sha256sum --quiet --strict -c SHA256SUMS || \
	    { echo "extension/history/: a released script was edited; write a delta to the open release instead" >&2; exit 1; }
	@for f in extension/history/pg_outreach--*.sql; do f=$${f##*/}; \
	    grep -q "  $$f\$$" extension/history/SHA256SUMS || case $$f in *--$(EXTVERSION).sql) ;; \
	    *) echo "extension/history/$$f has no checksum and is not a delta into the open release $(EXTVERSION)" >&2; exit 1;; esac; done
.PHONY: check-history

# The shipped reference CSVs, embedded in the library.
$(GENERATED): extension/data/embed.sh $(wildcard extension/data/*.csv)
	@mkdir -p $(dir $@)
	sh extension/data/embed.sh extension/data $@

# Data files, their licences and attribution travel with the installed extension.
install: install-reference-data
install-reference-data:
	$(MKDIR_P) '$(DESTDIR)$(datadir)/extension/pg_outreach'
	$(INSTALL_DATA) extension/data/*.csv extension/data/README.md '$(DESTDIR)$(datadir)/extension/pg_outreach/'
	$(MKDIR_P) '$(DESTDIR)$(datadir)/extension/pg_outreach/LICENSES'
	$(INSTALL_DATA) extension/data/LICENSES/* '$(DESTDIR)$(datadir)/extension/pg_outreach/LICENSES/'
.PHONY: install-reference-data

# ---- CMake-driven parts ---------------------------------------------------------------------
BUILD_DIR ?= build
cmake-build:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD_DIR) -j$$(nproc)
unit: cmake-build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$$(nproc)
.PHONY: cmake-build unit

# The library reports EXTVERSION (outreach.library_version): rebuild it when the version changes.
extension/pg/module.o: extension/pg_outreach.control
