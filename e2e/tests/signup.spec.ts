// The hosted demo (issue "Safe to put on the internet", point 9): a
// visitor creates an account from the sign-in page of a server run with
// --signup (the e2e TLS server) and tries the headline flow at once — an
// e-mail of their starter inbox, "Conference everyone", Start — with
// nothing set up by anyone.
import { test, expect } from '@playwright/test';
import { TLS_URL } from './helpers';

test.skip(!TLS_URL, 'needs the e2e TLS server (run with --signup)');
test.use({ baseURL: TLS_URL, ignoreHTTPSErrors: true });

test('a visitor signs up and calls everyone on an e-mail', async ({ page }) => {
  const name = `visitor${Date.now() % 1_000_000}`;
  await page.goto('/');
  await page.getByTestId('sign-up-toggle').click();
  await page.getByTestId('sign-in-user').fill(name);
  await page.getByTestId('sign-in-password').fill('a-good-password');
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId('connection-state')).toHaveText('registered');

  await page.getByTestId('nav-inbox').click();
  const email = page.getByTestId('email').first();
  await expect(email).toBeVisible();
  await email.getByTestId('conference-everyone').click();
  await expect(page.getByTestId('draft-row').first()).toBeVisible();
  // Call the visitor at one of their own new numbers, then everyone.
  await page.getByTestId('my-number').first().click();
  await page.getByTestId('start-conference').click();
  const conference = page.getByTestId('conference').first();
  await expect(conference.getByTestId('conference-state')).toHaveText(/active/);
  await expect(conference.getByTestId('participant-row')).not.toHaveCount(1);
});

test('a taken name is refused with a clear message', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('sign-up-toggle').click();
  await page.getByTestId('sign-in-user').fill('alice');
  await page.getByTestId('sign-in-password').fill('a-good-password');
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId('sign-in-error')).toContainText('taken');
});
