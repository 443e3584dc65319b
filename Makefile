# pg_outreach: PGXS builds and installs the extension module (make, make install,
# make installcheck); CMake builds the rest (unit tests, benchmarks, fuzz targets, outreachd),
# driven by the targets at the bottom of this file.

EXTVERSION   = 0.1.0
PG_CONFIG   ?= pg_config

MODULE_big   = pg_outreach
MODULEDIR    = extension
GENERATED    = extension/generated/reference_data.cpp
OBJS         = $(patsubst %.cpp,%.o,$(sort $(wildcard extension/core/*.cpp) $(wildcard extension/pg/*.cpp))) \
               $(GENERATED:.cpp=.o)
DATA         = extension/pg_outreach.control
DATA_built   = extension/pg_outreach--$(EXTVERSION).sql
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

# The install script: the numbered SQL sources in name order (upgrade scripts live beside them
# under their own pg_outreach--A--B.sql names).
extension/pg_outreach--$(EXTVERSION).sql: $(sort $(wildcard extension/sql/[0-9]*.sql))
	cat $^ > $@

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
