# Shared shell helpers for scripts/*.sh: dependency installation and throwaway PostgreSQL clusters.
# Source it; it defines functions only.

PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin

# Debian packages the build, the tests and the demo need.
OUTREACH_DEPS="postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libphonenumber-dev libprotobuf-dev libicu-dev libre2-dev libcurl4-openssl-dev libmicrohttpd-dev
  nlohmann-json3-dev libssl-dev zlib1g-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libpq-dev
  python3 curl"

log() { printf '==> %s\n' "$*" >&2; }

# Installs missing Debian packages (needs root, or sudo). Skips apt entirely when all are present.
install_deps() {
    local missing=""
    for p in $OUTREACH_DEPS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    log "installing:$missing"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Builds the extension with PGXS and installs it into the system PostgreSQL.
build_and_install_extension() {
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    log "building the extension (PGXS)"
    make -s -j"$(nproc)" >/dev/null
    $sudo make -s install >/dev/null
}

# PostgreSQL refuses to run as root; when we are root the server runs as this system user.
CLUSTER_USER=outreach

as_cluster_user() {
    if [ "$(id -u)" -eq 0 ]; then
        # From /, which the cluster user can enter whatever the caller's directory is.
        (cd / && runuser -u "$CLUSTER_USER" -- "$@")
    else
        "$@"
    fi
}

# Starts a throwaway cluster in directory $1 on port $2 with its socket inside the directory,
# and exports PGHOST/PGPORT/PGUSER/PGDATABASE for psql, pg_regress and the daemon.
cluster_start() {
    local dir=$1 port=$2
    if [ "$(id -u)" -eq 0 ] && ! id "$CLUSTER_USER" >/dev/null 2>&1; then
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$CLUSTER_USER"
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown "$CLUSTER_USER" "$dir"
    chmod 700 "$dir"
    as_cluster_user "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    as_cluster_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses='' -c fsync=off -c max_connections=50" start >/dev/null \
        || { cat "$dir/server.log" >&2; return 1; }
    # The socket directory must be reachable by clients running as another user.
    chmod 711 "$dir"
    export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres
}

cluster_stop() {
    local dir=$1
    [ -d "$dir/data" ] && as_cluster_user "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# A signature that is certainly wrong: its last character changed, never to itself (a forgery made
# by setting it to 0 would be the real signature whenever that already ends in 0, one time in 16).
forge_signature() {
    local sig=$1
    if [ "${sig: -1}" = 0 ]; then echo "${sig%?}1"; else echo "${sig%?}0"; fi
}
