// Shared steps of the flow tests: sign in, start a conference, add a
// participant, find a row. Not a spec file (Playwright runs *.spec.ts only).
import { expect, type Locator, type Page } from '@playwright/test';

export const PASSWORD = 'demo-pass';

/// The second e2e server, whose conferences end after 3 s of inactivity
/// (playwright.config.ts); none when testing a server started by hand.
export const INACTIVE_URL = process.env.E2E_BASE_URL ? undefined : 'http://127.0.0.1:18081';

/// The e2e server on HTTPS/WSS with a self-signed certificate
/// (playwright.config.ts); none when testing a server started by hand.
/// The server whose bridge is SIP, calling real phones (playwright.config.ts).
export const SIP_URL = process.env.E2E_BASE_URL ? undefined : 'http://127.0.0.1:18082';
/// Its phones: baresip, answering at once.
export const SIP_PHONES = ['+14255550201', '+14255550202', '+14255550203'];
export const TLS_URL = process.env.E2E_BASE_URL ? undefined : 'https://127.0.0.1:18443';
/// The two nodes of the e2e cluster (playwright.config.ts, scripts/e2e-cluster.sh).
export const CLUSTER_URLS = process.env.E2E_BASE_URL ? undefined : ['http://127.0.0.1:18090', 'http://127.0.0.1:18091'];

/// The Chromium flags every spec runs with (playwright.config.ts).
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/// Test numbers of the simulated network (README.md).
export const ANSWERS = '+14255550101';
export const UNALLOCATED = '+15005550001';
export const BUSY = '+15005550002';
export const NO_ANSWER = '+15005550003';
export const HANGS_UP = '+15005550004';

/// A number nobody else in the suite uses (it answers, like any ordinary
/// number), so that a test finds its own conference card even when the
/// roster also lists conferences earlier tests left running.
export function uniquePhone(): string {
  return '+1206' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
}

export async function signIn(page: Page, user = 'alice', password = PASSWORD) {
  await page.goto('/');
  await page.getByTestId('sign-in-user').fill(user);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId('connection-state')).toHaveText('registered');
  // The address books have loaded (the demo users are in the directory):
  // the person's own numbers are offered as "call me at".
  await expect(page.getByTestId('my-number').first()).toBeVisible();
}

/// The card of the conference whose initiator is at `phone`.
export function conferenceOf(page: Page, phone: string): Locator {
  return page
    .getByTestId('conference')
    .filter({ has: page.getByTestId('participant-phone').getByText(phone, { exact: true }) });
}

/// The row of the participant at `phone` in a conference card.
export function row(conference: Locator, phone: string): Locator {
  return conference
    .getByTestId('participant-row')
    .filter({ has: conference.page().getByTestId('participant-phone').getByText(phone, { exact: true }) });
}

/// Starts a conference calling the initiator at `phone`; returns its card
/// once the conference has an id. `waitConnected`: also wait for the
/// initiator to answer and the conference to go active.
export async function startConference(page: Page, phone: string, waitConnected = true): Promise<Locator> {
  await page.getByTestId('phone').fill(phone);
  await page.getByTestId('start-conference').click();
  const conference = conferenceOf(page, phone);
  await expect(conference).toHaveCount(1);
  await expect(conference.getByTestId('conference-id')).not.toBeEmpty();
  if (waitConnected) {
    await expect(row(conference, phone).getByTestId('participant-state')).toHaveText('connected');
    await expect(conference.getByTestId('conference-state')).toHaveText('active');
  }
  return conference;
}

export async function addParticipant(
  conference: Locator,
  name: string,
  phone: string,
  location = 'home',
) {
  await conference.getByTestId('add-name').fill(name);
  await conference.getByTestId('add-phone').fill(phone);
  await conference.getByTestId('add-location').selectOption(location);
  await conference.getByTestId('add-participant').click();
}

/// Ends every conference still going, so that later tests start from a
/// quiet server (ListConferences after sign-in lists what is left).
export async function endAll(page: Page) {
  const end = page.getByTestId('end-conference');
  for (let left = await end.count(); left > 0; left--) {
    await end.first().click();
    await expect(end).toHaveCount(left - 1);
  }
}
