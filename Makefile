# hoop_mcp: hoop.dev's MCP server inside PostgreSQL (PGXS build)

EXTENSION = hoop_mcp
EXTVERSION = 0.1
MODULE_big = hoop_mcp
OBJS = \
	src/hoop_mcp.o \
	src/shmem.o \
	src/mcp_session.o \
	src/call.o \
	src/worker.o \
	src/changes.o \
	src/waits.o \
	src/http.o \
	src/mcp.o \
	src/auth.o \
	src/tools.o \
	src/plans.o \
	src/rows.o \
	src/cache.o \
	src/connections.o \
	src/target.o \
	src/psql_split.o \
	src/psql_format.o \
	src/psql_run.o \
	src/json.o \
	src/oauth.o \
	src/fetch.o \
	src/jwk.o \
	src/jwt.o \
	src/sqlapi.o \
	src/util.o
# The install script is built from its parts, in this order: the data model
# (sql/schema/), then the tools, one file per family (sql/tools/), the last
# of which grants them.
INSTALL_PARTS = $(sort $(wildcard sql/schema/*.sql)) $(sort $(wildcard sql/tools/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
PGFILEDESC = "hoop_mcp - governed MCP server for AI agents"

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(shell $(PG_CONFIG) --includedir) -DEXTVERSION=\"$(EXTVERSION)\"
SHLIB_LINK = -lmicrohttpd -lpq -lcrypto -lcurl

# pg_regress: tests in sql/, expected output in expected/.  They need a
# server with hoop_mcp in shared_preload_libraries (test/run-tests starts
# one), so installcheck is the way to run them.
REGRESS = install identity connections sessions reviews jwt oauth privileges
REGRESS_OPTS = --dbname=contrib_regression
# Isolation specs (specs/): races between concurrent decisions.
ISOLATION = review_races

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS)
	cat $^ > $@

# Rebuild everything when a header changes.
$(OBJS): $(wildcard src/*.h)
