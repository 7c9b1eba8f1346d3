#!/usr/bin/env bash
# What the black-box tests need from Debian, installed once (idempotent,
# quiet when present): iptables for the NAT test (backend/tests/nat.rs,
# which also needs root for network namespaces and skips without them);
# baresip, the desktop SIP phone of backend/tests/desktop_phone.rs and the
# phones of the SIP bridge's tests; espeak-ng, the voice of the SIP
# bridge's announcements (without it they use the recorded prompt); Kamailio, the SIP trunk of
# backend/tests/sip_trunk.rs (installed by scripts/bench/kamailio.sh, which
# keeps the package's system service from starting); xmllint (libxml2-utils),
# which checks conference-info documents against RFC 4575's schema
# (shared/tests/conference_info_schema.rs, backend/tests/conference_events.rs);
# PostgreSQL and nats-server, the engines of a cluster, each test starting
# a throw-away instance of its own (backend/src/store/testing.rs,
# backend/tests/cluster.rs, conference_instances.rs, restart.rs,
# scripts/e2e-cluster.sh).
set -euo pipefail

need=()
command -v iptables >/dev/null || need+=(iptables)
command -v ip >/dev/null || need+=(iproute2)
command -v baresip >/dev/null || need+=(baresip-core)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v nats-server >/dev/null || need+=(nats-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    bash "$(dirname "${BASH_SOURCE[0]}")/bench/kamailio.sh" install >&2
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "test-deps: cannot install ${need[*]} (not root, or no apt-get); the tests needing them will skip" >&2
    exit 0
fi
echo "test-deps: apt-get install ${need[*]}" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
