// A restart under an open browser (issue "Nothing lost", point 7): the
// spec runs its own `rollcall serve`, alice starts a conference, the server
// is killed (SIGKILL) and started again on the same database. Without a
// reload, the page reconnects, resyncs, and shows the conference ended by
// the failure — with its reason — instead of losing it.
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANSWERS, addParticipant, row, signIn, startConference, uniquePhone } from './helpers';

const PORT = 18095;
const URL = `http://127.0.0.1:${PORT}`;

test.skip(!!process.env.E2E_BASE_URL, 'runs a server of its own');
test.use({ baseURL: URL });

const db = join(mkdtempSync(join(tmpdir(), 'rollcall-restart-')), 'restart.db');
let server: ChildProcess | undefined;

function start(): ChildProcess {
  return spawn(
    '../target/debug/rollcall',
    ['serve', '--demo', '--demo-password', 'demo-pass', '--http', `127.0.0.1:${PORT}`, '--db', db,
      '--static-dir', '../dist', '--fast', '--auto-hangup-ms', '60000'],
    { stdio: 'ignore', env: { ...process.env, RUST_LOG: 'warn' } },
  );
}

function listening(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: PORT }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function ready() {
  await expect.poll(async () => {
    if (!(await listening())) return 0;
    return (await fetch(`${URL}/healthz`)).status;
  }, { timeout: 20_000 }).toBe(200);
}

test.afterAll(() => {
  server?.kill('SIGKILL');
});

test('the page shows a conference ended by a server restart, without a reload', async ({ page }) => {
  server = start();
  await ready();
  await signIn(page, 'alice');
  const me = uniquePhone();
  const conference = await startConference(page, me);
  await addParticipant(conference, 'bob', ANSWERS);
  await expect(row(conference, ANSWERS).getByTestId('participant-state')).toHaveText('connected');

  server.kill('SIGKILL');
  await new Promise((resolve) => server!.once('exit', resolve));
  server = start();
  await ready();

  await expect(page.getByTestId('connection-state')).toHaveText('registered', { timeout: 20_000 });
  await expect(conference.getByTestId('conference-state')).toHaveText('terminated', { timeout: 20_000 });
  await expect(conference.getByTestId('conference-reason')).toHaveText(/fatal error|bridge fail/i);
  for (const phone of [me, ANSWERS]) {
    await expect(row(conference, phone).getByTestId('participant-state')).toHaveText('disconnected');
  }
});
