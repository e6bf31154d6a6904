# hoop_mcp: hoop.dev's MCP server inside PostgreSQL (PGXS build)

EXTENSION = hoop_mcp
EXTVERSION = 0.1
MODULE_big = hoop_mcp
OBJS = \
	src/hoop_mcp.o \
	src/worker/loop.o \
	src/worker/batch.o \
	src/net/http.o \
	src/net/handoff.o \
	src/net/slow_clients.o \
	src/mcp/server.o \
	src/mcp/jsonrpc.o \
	src/mcp/session.o \
	src/tools/registry.o \
	src/tools/on_target.o \
	src/tools/exec.o \
	src/tools/schema.o \
	src/tools/reviews_wait.o \
	src/policy/analyse.o \
	src/policy/read_only.o \
	src/policy/detect.o \
	src/policy/risk.o \
	src/policy/pattern.o \
	src/policy/policy.o \
	src/policy/guardrails.o \
	src/policy/masking.o \
	src/auth/apikey.o \
	src/auth/vouch.o \
	src/auth/oauth.o \
	src/auth/fetch.o \
	src/auth/jwk.o \
	src/auth/jwt.o \
	src/store/audit.o \
	src/store/cache.o \
	src/store/connections.o \
	src/store/extension.o \
	src/store/plans.o \
	src/store/rows.o \
	src/store/sessions.o \
	src/store/sqlapi.o \
	src/target/driver.o \
	src/target/psql_run.o \
	src/target/psql_split.o \
	src/target/psql_format.o \
	src/request/request.o \
	src/ipc/cancels.o \
	src/ipc/changes.o \
	src/ipc/workers.o \
	src/lib/config.o \
	src/lib/json.o \
	src/lib/subxact.o \
	src/lib/util.o
# The install script is built from its parts, in this order: the data model
# (sql/schema/), then the tools, one file per family (sql/tools/), the last
# of which grants them.
INSTALL_PARTS = $(sort $(wildcard sql/schema/*.sql)) $(sort $(wildcard sql/tools/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
PGFILEDESC = "hoop_mcp - governed MCP server for AI agents"

PG_CONFIG ?= pg_config
# Our headers are named from src/ ("store/rows.h"), as PostgreSQL names its own.
PG_CPPFLAGS = -I$(srcdir)/src -I$(shell $(PG_CONFIG) --includedir) -DEXTVERSION=\"$(EXTVERSION)\"
SHLIB_LINK = -lmicrohttpd -lpq -lcrypto -lcurl

# pg_regress: tests in sql/, expected output in expected/.  They need a
# server with hoop_mcp in shared_preload_libraries (test/run-tests starts
# one), so installcheck is the way to run them.
REGRESS = install detectors identity connections sessions reviews jwt oauth read_only privileges guardrails datamasking analysis
REGRESS_OPTS = --dbname=contrib_regression
# Isolation specs (specs/): races between concurrent decisions.
ISOLATION = review_races

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS)
	cat $^ > $@

# Rebuild everything when a header changes.
$(OBJS): $(wildcard src/*/*.h)

# src/ calls only downward and has no circles (doc/design.md, "Layers").
.PHONY: check-layers
check-layers:
	perl $(srcdir)/test/check-layers.pl $(srcdir)/src
