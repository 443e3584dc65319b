# pg_outreach: PGXS builds and installs the extension module (make, make install,
# make installcheck); CMake builds the rest (unit tests, benchmarks, fuzz targets, outreachd),
# driven by the targets at the bottom of this file.

# Every release has a directory extension/sql/<version>/ whose files, in name order, are what that
# release adds. The install script of a version is every release directory up to it, in order;
# the upgrade script from the previous release is that version's directory alone. So a fresh
# install is, by construction, the released install plus each upgrade (sql/upgrade.sql checks the
# catalogs agree). Released directories are never edited.
RELEASES     = 0.1.0 0.2.0 0.3.0 0.4.0 0.5.0
EXTVERSION   = $(lastword $(RELEASES))
PG_CONFIG   ?= pg_config

MODULE_big   = pg_outreach
MODULEDIR    = extension
GENERATED    = extension/generated/reference_data.cpp
OBJS         = $(patsubst %.cpp,%.o,$(sort $(wildcard extension/core/*.cpp) $(wildcard extension/pg/*.cpp))) \
               $(GENERATED:.cpp=.o)
DATA         = extension/pg_outreach.control
DATA_built   = $(foreach v,$(RELEASES),extension/pg_outreach--$(v).sql) \
               extension/pg_outreach--0.1.0--0.2.0.sql extension/pg_outreach--0.2.0--0.3.0.sql \
               extension/pg_outreach--0.3.0--0.4.0.sql extension/pg_outreach--0.4.0--0.5.0.sql
EXTRA_CLEAN  = $(GENERATED) extension/pg_outreach--*.sql

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

release_sources = $(sort $(wildcard extension/sql/$(1)/*.sql))

# A released install script never changes: its checksum is recorded in extension/sql/RELEASED.
check_released = want=$$(awk -v v="$(1)" '$$1 == v {print $$2}' extension/sql/RELEASED); \
	 got=$$(sha256sum $@ | cut -d' ' -f1); \
	 if [ -n "$$want" ] && [ "$$want" != "$$got" ]; then \
	     echo "extension/sql/$(1)/ (or an earlier release) was edited: released scripts must not change (sha256 $$got, released $$want)" >&2; \
	     rm -f $@; exit 1; fi

extension/pg_outreach--0.1.0.sql: $(call release_sources,0.1.0) extension/sql/RELEASED
	cat $(call release_sources,0.1.0) > $@
	@$(call check_released,0.1.0)
extension/pg_outreach--0.2.0.sql: $(call release_sources,0.1.0) $(call release_sources,0.2.0) extension/sql/RELEASED
	cat $(call release_sources,0.1.0) $(call release_sources,0.2.0) > $@
	@$(call check_released,0.2.0)
extension/pg_outreach--0.3.0.sql: $(call release_sources,0.1.0) $(call release_sources,0.2.0) $(call release_sources,0.3.0) extension/sql/RELEASED
	cat $(call release_sources,0.1.0) $(call release_sources,0.2.0) $(call release_sources,0.3.0) > $@
	@$(call check_released,0.3.0)
extension/pg_outreach--0.4.0.sql: $(foreach v,0.1.0 0.2.0 0.3.0 0.4.0,$(call release_sources,$(v))) extension/sql/RELEASED
	cat $(foreach v,0.1.0 0.2.0 0.3.0 0.4.0,$(call release_sources,$(v))) > $@
	@$(call check_released,0.4.0)
# The open release's folder is a prerequisite too: a file removed from it rebuilds the scripts.
extension/pg_outreach--0.5.0.sql: $(foreach v,0.1.0 0.2.0 0.3.0 0.4.0 0.5.0,$(call release_sources,$(v))) extension/sql/0.5.0
	cat $(filter %.sql,$^) > $@
extension/pg_outreach--0.1.0--0.2.0.sql: $(call release_sources,0.2.0)
	printf '%s\n' '-- pg_outreach 0.1.0 -> 0.2.0, built from extension/sql/0.2.0/ (see the Makefile).' \
	    '\echo Use "ALTER EXTENSION pg_outreach UPDATE TO ''0.2.0''" to load this file. \quit' > $@
	cat $^ >> $@
extension/pg_outreach--0.2.0--0.3.0.sql: $(call release_sources,0.3.0)
	printf '%s\n' '-- pg_outreach 0.2.0 -> 0.3.0, built from extension/sql/0.3.0/ (see the Makefile).' \
	    '\echo Use "ALTER EXTENSION pg_outreach UPDATE TO ''0.3.0''" to load this file. \quit' > $@
	cat $^ >> $@
extension/pg_outreach--0.3.0--0.4.0.sql: $(call release_sources,0.4.0)
	printf '%s\n' '-- pg_outreach 0.3.0 -> 0.4.0, built from extension/sql/0.4.0/ (see the Makefile).' \
	    '\echo Use "ALTER EXTENSION pg_outreach UPDATE TO ''0.4.0''" to load this file. \quit' > $@
	cat $^ >> $@
extension/pg_outreach--0.4.0--0.5.0.sql: $(call release_sources,0.5.0) extension/sql/0.5.0
	printf '%s\n' '-- pg_outreach 0.4.0 -> 0.5.0, built from extension/sql/0.5.0/ (see the Makefile).' \
	    '\echo Use "ALTER EXTENSION pg_outreach UPDATE TO ''0.5.0''" to load this file. \quit' > $@
	cat $(filter %.sql,$^) >> $@

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
extension/pg/module.o: Makefile
