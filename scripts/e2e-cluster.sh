#!/usr/bin/env bash
# The cluster of e2e/tests/cluster.spec.ts: a throw-away PostgreSQL cluster
# and a nats-server on loopback, then two `rollcall serve` nodes sharing
# them (each with its own gateway and conference service), on HTTP ports
# PORT1 and PORT2, node 1 first (it seeds the demo data). Extra flags after
# the ports go to both nodes. Stopping the script stops everything and
# removes the database.
#
#   e2e-cluster.sh PORT1 PORT2 [serve flags…]
set -euo pipefail
port1=$1 port2=$2
shift 2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$(mktemp -d /tmp/rollcall-e2e-cluster.XXXX)
pids=()
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop() {
    # The nodes first (they say goodbye to the cluster), then the engines.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    as_postgres "$bin/pg_ctl" stop -D "$dir/pg" -m immediate -s 2>/dev/null || true
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 0' TERM INT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_port=$(free_port) nats_port=$(free_port)

[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
as_postgres "$bin/initdb" -D "$dir/pg" -A trust -U postgres --no-sync -E UTF8 >/dev/null
as_postgres "$bin/postgres" -D "$dir/pg" -p "$pg_port" -k "$dir" -c listen_addresses=127.0.0.1 -F >"$dir/pg.log" 2>&1 &
pids+=($!)
until "$bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q; do sleep 0.1; done
db="postgres://postgres@127.0.0.1:$pg_port/postgres"

nats-server -a 127.0.0.1 -p "$nats_port" >"$dir/nats.log" 2>&1 &
pids+=($!)

node() {
    "$root/target/debug/rollcall" serve --http "127.0.0.1:$1" --db "$db" \
        --cluster "nats://127.0.0.1:$nats_port" --node "e2e-$2" --gateway-password e2e-gateway \
        --cluster-heartbeat-ms 200 --cluster-timeout-ms 1000 "${@:3}" &
    pids+=($!)
    until curl -sf "http://127.0.0.1:$1/config.json" >/dev/null; do
        kill -0 "${pids[-1]}" || exit 1
        sleep 0.1
    done
}
node "$port1" 1 "$@"
node "$port2" 2 "$@"
wait -n "${pids[@]}"
