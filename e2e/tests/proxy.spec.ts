// The seed's core claim, traversal (issue "Safe to put on the internet",
// point 2): Chromium reaches Rollcall only through an HTTP proxy of the
// kind corporations run — tinyproxy, allowing CONNECT to the TLS port and
// nothing else, and cutting tunnels idle for 3 s. Over HTTPS/WSS the app
// signs in, stays connected through idle time longer than the proxy's
// timeout (the server pings every second), and starts a conference; the
// proxy's log shows the tunnel. Plain ws:// is refused by the same proxy.
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, TLS_URL, signIn, startConference, uniquePhone } from './helpers';

const PROXY_PORT = 18888;
/// The proxy's idle timeout: longer silences cut a tunnel.
const PROXY_IDLE_S = 3;

test.skip(!TLS_URL, 'needs the e2e TLS server');
test.describe.configure({ mode: 'serial' });

let proxy: ChildProcess | undefined;
let log = '';

test.beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-proxy-'));
  log = join(dir, 'tinyproxy.log');
  const tlsPort = new URL(TLS_URL!).port;
  writeFileSync(
    join(dir, 'tinyproxy.conf'),
    [
      `Port ${PROXY_PORT}`,
      'Listen 127.0.0.1',
      `Timeout ${PROXY_IDLE_S}`,
      `LogFile "${log}"`,
      'LogLevel Info',
      'MaxClients 50',
      'Allow 127.0.0.1',
      `ConnectPort ${tlsPort}`,
      'DisableViaHeader Yes',
      '',
    ].join('\n'),
  );
  proxy = spawn('tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: 'ignore' });
  await expect.poll(() => listening(PROXY_PORT), { timeout: 10_000 }).toBe(true);
});

test.afterAll(() => {
  proxy?.kill();
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function proxyLog(): string {
  try {
    return readFileSync(log, 'utf8');
  } catch {
    return '';
  }
}

test.use({
  baseURL: TLS_URL,
  ignoreHTTPSErrors: true,
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    // <-loopback> removes the implicit bypass of 127.0.0.1, so even the
    // local server is reached through the proxy.
    args: [...CHROMIUM_ARGS, `--proxy-server=http://127.0.0.1:${PROXY_PORT}`, '--proxy-bypass-list=<-loopback>'],
  },
});

test('over HTTPS/WSS through a CONNECT-only proxy with a short idle timeout', async ({ page }) => {
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await signIn(page, 'alice');
  const tlsPort = new URL(TLS_URL!).port;
  expect(proxyLog()).toContain(`CONNECT 127.0.0.1:${tlsPort}`);

  // Silent for longer than the proxy lets a tunnel idle: the server's
  // WebSocket pings keep it open, so nothing reconnects.
  await page.waitForTimeout((PROXY_IDLE_S + 2) * 1000);
  await expect(page.getByTestId('connection-state')).toHaveText('registered');
  const conference = await startConference(page, uniquePhone());
  await expect(conference.getByTestId('conference-state')).toHaveText(/active/);
  expect(sockets).toHaveLength(1);
});

test('the same proxy refuses plain ws:// to the HTTP port', async ({ page }) => {
  const httpPort = 18080;
  await page.goto(`http://127.0.0.1:${httpPort}/`);
  await page.getByTestId('sign-in-user').fill('alice');
  await page.getByTestId('sign-in-password').fill('demo-pass');
  await page.getByTestId('sign-in-submit').click();
  await expect.poll(proxyLog, { timeout: 10_000 }).toContain(`Refused CONNECT method on port ${httpPort}`);
  await expect(page.getByTestId('connection-state')).not.toHaveText('registered');
});
