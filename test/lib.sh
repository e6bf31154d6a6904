# Shared shell helpers for the demo, the test runner and CI.  Source it.
#
# PostgreSQL refuses to run as root, so the server (initdb, pg_ctl) runs as
# the "postgres" OS user; clients may run as anyone.

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HOOP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

as_postgres() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# Debian packages needed to build, run and test hoop_mcp.
install_deps() {
	local pkgs="build-essential postgresql-15 postgresql-client-15 postgresql-server-dev-15
		libmicrohttpd-dev libssl-dev libcurl4-openssl-dev libpq-dev libipc-run-perl curl ca-certificates"
	command -v node >/dev/null && command -v npm >/dev/null || pkgs="$pkgs nodejs npm"
	local missing=""
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages:$missing (run as root, or install them)" >&2
		return 1
	fi
	echo "installing:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
	id -u postgres >/dev/null 2>&1 ||
		useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
}

build_install() {
	(cd "$HOOP_ROOT" && make -s with_llvm=no >/dev/null && make -s with_llvm=no install >/dev/null)
}

free_port() {
	local p
	for p in $(seq "$1" "$2"); do
		(exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# cluster_init DIR PGPORT HTTPPORT [extra postgresql.conf lines]
cluster_init() {
	local dir=$1 pgport=$2 httpport=$3 extra=${4:-}
	mkdir -p "$dir"
	chown postgres: "$dir"
	chmod 755 "$dir"
	as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
	cat >>"$dir/data/postgresql.conf" <<CONF
port = $pgport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_preload_libraries = 'hoop_mcp'
hoop_mcp.port = $httpport
$extra
CONF
}

cluster_start() {
	as_postgres "$PGBIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start >/dev/null ||
		{ tail -n 30 "$1/server.log"; return 1; }
}

cluster_stop() {
	[ -f "$1/data/postmaster.pid" ] || return 0
	as_postgres "$PGBIN/pg_ctl" -D "$1/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# Waits until the MCP endpoint answers (any HTTP status).
wait_http() {
	local url=$1 i
	for i in $(seq 1 100); do
		curl -s -o /dev/null "$url" && return 0
		sleep 0.1
	done
	echo "no answer from $url" >&2
	return 1
}
