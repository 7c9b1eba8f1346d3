// The Messages page (issue "Safe to put on the internet", point 8): a
// person reads the SIP/SOAP messages the server logged on their own
// connections — their CreateConference and the events it caused — and
// nobody else's.
import { test, expect, type Browser } from '@playwright/test';
import { signIn, startConference, uniquePhone } from './helpers';

async function personIn(browser: Browser, user: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, user);
  return page;
}

test('each person reads the messages of their own conferences only', async ({ browser }) => {
  const alice = await personIn(browser, 'alice');
  const phone = uniquePhone();
  const conference = await startConference(alice, phone);
  const conferenceId = (await conference.getByTestId('conference-id').textContent())!.trim();

  // Everything logged on her connections: her request is there, whole.
  await alice.getByTestId('nav-messages').click();
  const logged = alice.getByTestId('logged-message');
  const request = logged.filter({ hasText: 'MESSAGE sip:conference@' }).filter({ hasText: phone });
  await expect(request).toHaveCount(1);
  await request.locator('summary').click();
  await expect(request.getByTestId('logged-text')).toContainText('CreateConference');

  // Only what mentions the conference: its answer and events, received.
  await alice.getByTestId('messages-conference').fill(conferenceId);
  await alice.getByTestId('messages-refresh').click();
  await expect(request).toHaveCount(0); // the request named no conference yet
  const events = logged.filter({ hasText: 'MESSAGE sip:alice@' });
  await expect(events.first()).toBeVisible();
  await events.first().locator('summary').click();
  await expect(events.first().getByTestId('logged-text')).toContainText(conferenceId);

  const bob = await personIn(browser, 'bob');
  await bob.getByTestId('nav-messages').click();
  await bob.getByTestId('messages-conference').fill(conferenceId);
  await bob.getByTestId('messages-refresh').click();
  await expect(bob.getByTestId('message-log')).toContainText('No messages.');
  // Signed out, as people leave: later specs expect alice and bob offline.
  await alice.context().close();
  await bob.context().close();
});
