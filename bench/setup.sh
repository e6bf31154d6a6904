# Sourced by bench/run.sh and bench/policy.sh: builds and installs
# hoop_mcp, starts a throwaway cluster with the benchmark's target tables
# (items, pgbench's), hoop_mcp, a bench user and its key ($KEY), and the
# connection bench-pg (plus bench-ro with BENCH_CONNECTION=bench-ro).
# Writes $BENCH_STATE/cluster.env for the peer harness; stops the cluster
# on exit.
install_deps
build_install

DIR=$BENCH_STATE/pg
mkdir -p "$BENCH_STATE"
if [ -f "$DIR/data/postmaster.pid" ]; then cluster_stop "$DIR"; fi
rm -rf "$DIR" "$BENCH_STATE/cluster.env"
PGPORT=$(free_port 56500 56600)
HTTP_PORT=$(free_port 19600 19700)
mkdir -p "$DIR" && chown postgres: "$DIR"
as_postgres "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$DIR'
max_connections = 200
shared_preload_libraries = 'hoop_mcp'
hoop_mcp.port = $HTTP_PORT
hoop_mcp.workers = ${HOOP_WORKERS:-1}
CONF
cluster_start "$DIR"
trap 'cluster_stop "$DIR"; [ -x "$PEERS/peers.sh" ] && "$PEERS/peers.sh" stop all >/dev/null 2>&1 || true' EXIT

P=(psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1)
"${P[@]}" -d postgres -c "CREATE DATABASE bench"
"${P[@]}" -d bench <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL,
                    price numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO items SELECT g, 'item-' || g, g % 97, (g * 1.37)::numeric(10,2),
                         '2024-01-01'::timestamptz + g * interval '1 minute'
FROM generate_series(1, 1000) g;
VACUUM ANALYZE items;
SQL
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -i -s 1 -q bench >"$DIR/pgbench-init.log" 2>&1
"${P[@]}" -d postgres -o /dev/null <<SQL
CREATE EXTENSION hoop_mcp;
SELECT hoop_mcp.create_user('bench@example.com', '{admin}', 'Bench');
-- Same trust-auth target the peers use; only a superuser may allow that.
SELECT hoop_mcp.create_connection('bench-pg', 'host=127.0.0.1 port=$PGPORT dbname=bench user=postgres',
                                  allow_passwordless => true);
SQL
# BENCH_CONNECTION=bench-ro: the same target as a read-only connection
# (every exec analysed, run in BEGIN READ ONLY ... ROLLBACK).
if [ "${BENCH_CONNECTION:-bench-pg}" = bench-ro ]; then
	"${P[@]}" -d postgres -o /dev/null -c "SELECT hoop_mcp.create_connection('bench-ro',
		'host=127.0.0.1 port=$PGPORT dbname=bench user=postgres', allow_passwordless => true, read_only => true)"
fi
KEY=$("${P[@]}" -d postgres -At -c "SELECT hoop_mcp.create_api_key('bench@example.com')")
cat >"$BENCH_STATE/cluster.env" <<EOF
PGDIR=$DIR
PGDATA=$DIR/data
PGPORT=$PGPORT
PGPID=$(head -1 "$DIR/data/postmaster.pid")
PGURL=postgres://postgres:x@127.0.0.1:$PGPORT/bench?sslmode=disable
EOF
wait_http "http://127.0.0.1:$HTTP_PORT/api/mcp"

