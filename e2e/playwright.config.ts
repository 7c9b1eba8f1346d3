// Playwright drives Debian's Chromium (/usr/bin/chromium; no browser
// download) against a real `rollcall serve` that this config starts: demo
// users alice/bob/carol with password `demo-pass`, a throw-away SQLite file,
// the built front end from ../dist, and `--fast` simulator delays (a few
// hundred ms) so that every state is visible yet the suite stays quick.
// +15005550004 stays on the line for 2.5 s rather than --fast's 200 ms, so
// the roster shows it connected before it hangs up
// (participant-hangs-up.spec.ts). A phone held in the phone panel rings for
// 8 s before "no answer": time enough for a test to answer it by hand
// (phone-panel.spec.ts, initiator-hangs-up.spec.ts), and the no-answer test
// number gives up after the same 8 s (no-answer.spec.ts), and a person asked
// to confirm has 8 s to press 1 (conference-control.spec.ts).
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from './tests/helpers';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PORT = 18080;
/// The second server (helpers.ts: INACTIVE_URL).
const INACTIVE_PORT = 18081;
/// The fourth: conferences are real SIP calls to three baresip phones
/// (helpers.ts: SIP_URL, scripts/e2e-sip-phones.sh; phones' SIP on 26110–26130).
const SIP_PORT = 18082;
/// The third, over HTTPS/WSS with a certificate made at start
/// (helpers.ts: TLS_URL), pinging WebSockets every second so that a proxy
/// with a short idle timeout keeps the tunnel (proxy.spec.ts).
const TLS_PORT = 18443;
/// Two nodes of a cluster on PostgreSQL and NATS (helpers.ts: CLUSTER_URLS,
/// scripts/e2e-cluster.sh).
const CLUSTER_PORTS = [18090, 18091];
// E2E_BASE_URL=http://host:port runs the tests against a server you
// started yourself (it must have the demo users with password demo-pass).
const external = process.env.E2E_BASE_URL;
const db = join(mkdtempSync(join(tmpdir(), 'rollcall-e2e-')), 'rollcall.db');

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? 'list' : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: external ?? `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      // Without the networking flags Chromium keeps dialling Google's hosts,
      // which this machine's closed network refuses (DESIGN.md).
      args: CHROMIUM_ARGS,
    },
  },
  webServer: external ? undefined : [
    server(PORT, db, '--auto-hangup-ms 2500 --no-answer-ms 8000 --confirm-ms 8000'),
    // A second server whose conferences end after 3 s without anyone but
    // the initiator (inactivity.spec.ts): its own database, so a timeout
    // that short ends none of the other tests' conferences.
    server(INACTIVE_PORT, join(mkdtempSync(join(tmpdir(), 'rollcall-e2e-')), 'inactive.db'), '--inactivity-ms 3000'),
    tlsServer(TLS_PORT),
    sipServer(SIP_PORT),
    clusterServer(),
  ],
});

/// `rollcall serve` over HTTPS on `port`, with a self-signed certificate
/// written by `rollcall dev-cert` just before.
function tlsServer(port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-e2e-tls-'));
  // Configured like a hosted demo: TLS and self-service accounts.
  const tls = `--tls-cert ${dir}/cert.pem --tls-key ${dir}/key.pem --ws-ping-s 1 --signup`;
  const spec = server(port, join(dir, 'tls.db'), tls, 'https');
  return {
    ...spec,
    command: `../target/debug/rollcall dev-cert --out ${dir} >/dev/null && ${spec.command}`,
    ignoreHTTPSErrors: true,
  };
}

/// `rollcall serve --bridge sip` on `port`, its calls reaching three real
/// phones (scripts/e2e-sip-phones.sh starts them first).
function sipServer(port: number) {
  const db = join(mkdtempSync(join(tmpdir(), 'rollcall-e2e-')), 'sip.db');
  return {
    ...server(port, db, ''),
    command: `../scripts/e2e-sip-phones.sh ${port} ${db} 26100 --demo --demo-password demo-pass --static-dir ../dist`,
  };
}

/// Two `rollcall serve` nodes of a cluster (scripts/e2e-cluster.sh starts
/// PostgreSQL and nats-server first, and stops them with the nodes).
function clusterServer() {
  const [one, two] = CLUSTER_PORTS;
  return {
    ...server(two, 'unused', ''),
    command:
      `../scripts/e2e-cluster.sh ${one} ${two} --demo --demo-password demo-pass --static-dir ../dist --fast ` +
      `--max-live-conferences 1000`,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  };
}

/// `rollcall serve` with the demo users on `port`, at --fast speed, plus `extra` flags.
function server(port: number, database: string, extra: string, scheme = 'http') {
  return {
    command:
      `../target/debug/rollcall serve --demo --demo-password demo-pass ` +
      `--http 127.0.0.1:${port} --db ${database} --static-dir ../dist --fast ` +
      // Tests leave conferences running; the suite's alice starts dozens.
      `--max-live-conferences 1000 --panel-any-number ${extra}`,
    url: `${scheme}://127.0.0.1:${port}/config.json`,
    reuseExistingServer: false,
    // Server logs show in the test output (prefixed [WebServer]); warnings
    // and errors only, unless RUST_LOG says otherwise.
    env: { RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    timeout: 60_000,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
  };
}
