#!/usr/bin/env bash
# Kamailio 5.6 (Debian package) as the relay benchmark's comparison target,
# with scripts/bench/kamailio.cfg, on loopback only.
#
#   kamailio.sh start PORT RUNDIR   install if needed, start, wait for the
#                                   WebSocket port, print the pid (last line
#                                   of stdout; everything else goes to stderr)
#   kamailio.sh stop RUNDIR         stop the instance started from RUNDIR
#   kamailio.sh install             install the packages if missing
#
# KAMAILIO_CFG: another configuration (scripts/test/kamailio-trunk.cfg,
# the SIP bridge tests' trunk); it gets -A PORT=N besides WS_PORT, and
# KAMAILIO_DEFINES (one NAME[=VALUE] a line) as more -A defines.
#
# The instance keeps its pid file, runtime directory and log (kamailio.log)
# in RUNDIR; /etc/kamailio and the system service are not used. Run as root.
# Environment: KAMAILIO_TCP_CHILDREN (default 2), KAMAILIO_SHM_MB (1024: at 5,000 MESSAGE/s finished transactions alone outgrow 256),
# KAMAILIO_PKG_MB (16), KAMAILIO_NO_NONCE_COUNT=1 (turn the nc check off).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cfg="${KAMAILIO_CFG:-$here/kamailio.cfg}"

log() { echo "kamailio.sh: $*" >&2; }
die() { log "$@"; exit 1; }

usage() {
    echo "usage: $0 start PORT RUNDIR | $0 stop RUNDIR | $0 install" >&2
    exit 2
}

modules_dir() {
    local d
    for d in /usr/lib/*/kamailio/modules /usr/lib/kamailio/modules /usr/lib64/kamailio/modules; do
        [ -d "$d" ] && { echo "$d"; return 0; }
    done
    return 1
}

installed() {
    command -v kamailio >/dev/null 2>&1 || return 1
    local d
    d="$(modules_dir)" || return 1
    [ -f "$d/websocket.so" ] && [ -f "$d/xhttp.so" ] && [ -f "$d/tls.so" ]
}

# The package's postinst would start the system service (sysvinit: only if
# /etc/default/kamailio says RUN_KAMAILIO=yes; systemd: always, on 5060 with
# /etc/kamailio/kamailio.cfg). A policy-rc.d that denies every start keeps
# it down during the install (both invoke-rc.d and deb-systemd-invoke obey
# it); one that was there already is left as it was.
install_kamailio() {
    local policy=/usr/sbin/policy-rc.d ours=0 rc=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        ours=1
    fi
    log "installing kamailio kamailio-websocket-modules (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    local pkgs=(kamailio kamailio-websocket-modules kamailio-tls-modules)
    if ! apt-get install -y -q -o Dpkg::Use-Pty=0 "${pkgs[@]}" >&2; then
        log "install failed; apt-get update and retry"
        apt-get update -q >&2 && apt-get install -y -q -o Dpkg::Use-Pty=0 "${pkgs[@]}" >&2 || rc=$?
    fi
    [ "$ours" = 1 ] && rm -f "$policy"
    [ "$rc" = 0 ] || die "apt-get install failed"
    disable_system_service
}

# Make sure no system kamailio (the package's service) runs or starts on
# boot; only its own pid file identifies it, no process is killed by name.
disable_system_service() {
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        systemctl stop kamailio.service >/dev/null 2>&1 || true
        systemctl disable kamailio.service >/dev/null 2>&1 || true
    else
        if [ -x /etc/init.d/kamailio ]; then
            /etc/init.d/kamailio stop >/dev/null 2>&1 || true
        fi
        if command -v update-rc.d >/dev/null 2>&1 && [ -x /etc/init.d/kamailio ]; then
            update-rc.d kamailio disable >/dev/null 2>&1 || true
        fi
    fi
    local pf pid
    for pf in /run/kamailio/kamailio.pid /var/run/kamailio/kamailio.pid; do
        [ -f "$pf" ] || continue
        pid="$(cat "$pf" 2>/dev/null || true)"
        if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = kamailio ]; then
            log "stopping the system kamailio (pid $pid)"
            kill "$pid" 2>/dev/null || true
        fi
    done
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

alive() {
    [ -n "${1:-}" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = kamailio ]
}

cmd_start() {
    local port="$1" rundir="$2"
    if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
        die "bad port: $port"
    fi
    [ "$(id -u)" = 0 ] || die "run as root (apt-get, raising the open-files limit)"
    mkdir -p "$rundir"
    rundir="$(cd "$rundir" && pwd)"
    local pidfile="$rundir/kamailio.pid" portfile="$rundir/kamailio.port"

    # Already running from this RUNDIR on this port: nothing to do.
    local old
    old="$(cat "$pidfile" 2>/dev/null || true)"
    if alive "$old"; then
        if [ "$(cat "$portfile" 2>/dev/null)" = "$port" ] && port_open "$port"; then
            echo "$old"
            return 0
        fi
        cmd_stop "$rundir"
    fi

    installed || install_kamailio
    installed || die "kamailio or its websocket/xhttp modules are missing after the install"

    if port_open "$port"; then
        die "port $port on 127.0.0.1 is already taken"
    fi

    local args=(-f "$cfg" -P "$pidfile" -Y "$rundir" -w "$rundir"
        -m "${KAMAILIO_SHM_MB:-1024}" -M "${KAMAILIO_PKG_MB:-16}"
        -E -DD
        -A "WS_PORT=$port" -A "PORT=$port" -A "TCP_CHILDREN=${KAMAILIO_TCP_CHILDREN:-2}")
    if [ "${KAMAILIO_NO_NONCE_COUNT:-0}" = 1 ]; then
        args+=(-A NO_NONCE_COUNT)
    fi
    # More preprocessor defines for the configuration, one per line
    # (NAME or NAME=VALUE; a string value in double quotes).
    local define
    while IFS= read -r define; do
        [ -n "$define" ] && args+=(-A "$define")
    done <<<"${KAMAILIO_DEFINES:-}"

    kamailio -c "${args[@]}" >"$rundir/kamailio-check.log" 2>&1 \
        || { cat "$rundir/kamailio-check.log" >&2; die "config check failed"; }

    # Many WebSockets: raise the open-files limit for the server.
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

    rm -f "$pidfile"
    echo "$port" >"$portfile"
    # -DD: the main process stays in the foreground of this background job
    # (it still forks its workers); setsid gives it its own process group,
    # and no file descriptor of the caller is kept open (the caller may be
    # reading this script's stdout to its end).
    setsid kamailio "${args[@]}" </dev/null >"$rundir/kamailio.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$rundir/kamailio.main"

    local _
    for _ in $(seq 1 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$rundir/kamailio.log" >&2 || true
            die "kamailio exited during start-up (log: $rundir/kamailio.log)"
        fi
        if port_open "$port" && [ -s "$pidfile" ]; then
            cat "$pidfile"
            return 0
        fi
        sleep 0.1
    done
    tail -n 30 "$rundir/kamailio.log" >&2 || true
    kill "$pid" 2>/dev/null || true
    die "kamailio did not open 127.0.0.1:$port within 30 s"
}

cmd_stop() {
    local rundir="$1" pid
    [ -d "$rundir" ] || return 0
    pid="$(cat "$rundir/kamailio.pid" 2>/dev/null || cat "$rundir/kamailio.main" 2>/dev/null || true)"
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        local _
        for _ in $(seq 1 100); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            log "kamailio (pid $pid) ignored SIGTERM for 10 s; killing its process group"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    # Workers left behind by a main process that died: they are in its
    # process group (setsid above made the main pid the group id).
    if [ -n "$pid" ] && pgrep -g "$pid" >/dev/null 2>&1; then
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$rundir/kamailio.pid" "$rundir/kamailio.main" "$rundir/kamailio.port"
}

case "${1:-}" in
    start) [ $# -eq 3 ] || usage; cmd_start "$2" "$3" ;;
    install) installed || install_kamailio ;;
    stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
    *) usage ;;
esac
