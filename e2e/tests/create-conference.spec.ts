// The seed's main flow (Figure 4) as a person sees it: sign in, ask to be
// called, watch the call come up in the roster.
import { test, expect, type Page } from '@playwright/test';

async function signIn(page: Page, user: string, password: string) {
  await page.goto('/');
  await page.getByTestId('sign-in-user').fill(user);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
}

test('start a conference and see the initiator ring, answer and the conference go active', async ({ page }) => {
  await signIn(page, 'alice', 'demo-pass');
  await expect(page.getByTestId('connection-state')).toHaveText('registered');
  // Her directory entry has loaded: she is called by her name.
  await expect(page.getByTestId('my-number').first()).toBeVisible();

  await page.getByTestId('phone').fill('+14255550100');
  await page.getByTestId('location').selectOption('work');
  await page.getByTestId('start-conference').click();

  const conference = page.getByTestId('conference').first();
  await expect(conference.getByTestId('conference-id')).not.toBeEmpty();

  // The initiator is participant one: its row appears with the number we typed.
  const initiator = conference.getByTestId('participant-row').first();
  await expect(initiator.getByTestId('participant-name')).toHaveText('Alice Adams');
  await expect(initiator.getByTestId('participant-phone')).toHaveText('+14255550100');

  // States in order. Under --fast the phone rings for only a few hundred
  // ms, less than Playwright's polling may catch on the live state, so the
  // row's history (every state it went through) is what proves the order.
  const state = initiator.getByTestId('participant-state');
  const history = initiator.getByTestId('participant-history');
  await expect(history).toContainText('ringing');
  await expect(state).toHaveText(/connected/);
  await expect(history).toHaveText('dialing → ringing → connected');
  await expect(conference.getByTestId('conference-state')).toHaveText(/active/);
  await expect(page.getByTestId('fault')).toHaveCount(0);
});

test('a wrong password shows an error and stays signed out', async ({ page }) => {
  await signIn(page, 'alice', 'not-the-password');
  await expect(page.getByTestId('sign-in-error')).toBeVisible();
  await expect(page.getByTestId('sign-in-error')).toContainText(/password|refused|denied/i);
  await expect(page.getByTestId('sign-in-submit')).toBeVisible();
  await expect(page.getByTestId('start-conference')).toHaveCount(0);
});

test('a double-click on Start makes one conference', async ({ page }) => {
  await signIn(page, 'alice', 'demo-pass');
  await expect(page.getByTestId('my-number').first()).toBeVisible();
  const phone = '+1206' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
  await page.getByTestId('phone').fill(phone);
  await page.getByTestId('start-conference').dblclick();
  const mine = page
    .getByTestId('conference')
    .filter({ has: page.getByTestId('participant-phone').getByText(phone, { exact: true }) });
  await expect(mine.getByTestId('conference-state')).toHaveText('active');
  await expect(mine).toHaveCount(1);
  await mine.getByTestId('end-conference').click();
});
