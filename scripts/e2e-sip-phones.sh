#!/usr/bin/env bash
# The SIP bridge's server for e2e/tests/sip-bridge.spec.ts: three Debian
# baresip phones on loopback that answer at once (+14255550201 … 203, SIP
# on ports BASE+10, +20, +30: baresip takes the port above for TLS), then
# `rollcall serve --bridge sip` (RTP on BASE+40 to BASE+99) with a route
# to each, on HTTP port PORT with database DB (extra flags after them).
# Stopping the server stops the phones.
#
#   e2e-sip-phones.sh PORT DB BASE [serve flags…]
set -euo pipefail
port=$1 db=$2 base=$3
shift 3
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$(mktemp -d /tmp/rollcall-e2e-phones.XXXX)
pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 0' TERM INT

routes=()
for i in 1 2 3; do
    number="+1425555020$i"
    sip=$((base + 10 * i))
    mkdir -p "$dir/$i"
    cat >"$dir/$i/config" <<CONFIG
poll_method epoll
sip_listen 127.0.0.1:$sip
net_interface 127.0.0.1
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module account.so
audio_source ausine,$((300 + 200 * i))
ausrc_srate 48000
ausrc_channels 2
CONFIG
    echo "<sip:$number@127.0.0.1>;answermode=auto;regint=0" >"$dir/$i/accounts"
    baresip -f "$dir/$i" </dev/null >"$dir/$i/log" 2>&1 &
    pids+=($!)
    routes+=(--sip-route "$number=127.0.0.1:$sip")
done

"$root/target/debug/rollcall" serve --http "127.0.0.1:$port" --db "$db" \
    --bridge sip "${routes[@]}" --bridge-sip 127.0.0.1:0 --rtp-ports "$((base + 40))-$((base + 99))" "$@" &
pids+=($!)
wait "${pids[-1]}"
