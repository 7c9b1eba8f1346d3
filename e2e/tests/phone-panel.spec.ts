// Two people, two browser contexts: alice starts a conference and adds a
// number that bob holds in his phone panel; bob's phone rings, he answers
// (alice sees him connected) and later hangs up (alice sees him
// disconnected, "normal clearing"). Then a declined call: cause 21.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { endAll, row, signIn, startConference, uniquePhone, addParticipant } from './helpers';

async function personIn(browser: Browser, user: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, user);
  return page;
}

/// Bob's panel row for `number`.
function phoneRow(page: Page, number: string) {
  return page.getByTestId('panel-phone').filter({ has: page.getByTestId('panel-phone-number').getByText(number, { exact: true }) });
}

async function hold(page: Page, number: string) {
  await page.getByTestId('nav-phones').click();
  await page.getByTestId('panel-number').fill(number);
  await page.getByTestId('panel-hold').click();
  await expect(phoneRow(page, number).getByTestId('panel-call-state')).toHaveText('idle');
}

test('bob answers and hangs up in the phone panel while alice watches', async ({ browser }) => {
  const alice = await personIn(browser, 'alice');
  const bob = await personIn(browser, 'bob');
  const bobsPhone = uniquePhone();
  await hold(bob, bobsPhone);

  const conference = await startConference(alice, uniquePhone());
  await addParticipant(conference, 'bob', bobsPhone, 'mobile');
  const bobRow = row(conference, bobsPhone);
  const bobsPanel = phoneRow(bob, bobsPhone);

  // It rings — and keeps ringing until bob acts.
  await expect(bobsPanel.getByTestId('panel-call-state')).toContainText('ringing');
  await expect(bobRow.getByTestId('participant-state')).toHaveText('ringing');

  await bobsPanel.getByTestId('panel-answer').click();
  await expect(bobsPanel.getByTestId('panel-call-state')).toHaveText('connected');
  await expect(bobRow.getByTestId('participant-state')).toHaveText('connected');

  await bobsPanel.getByTestId('panel-hangup').click();
  await expect(bobsPanel.getByTestId('panel-call-state')).toHaveText('idle');
  await expect(bobRow.getByTestId('participant-state')).toHaveText('disconnected');
  await expect(bobRow.getByTestId('participant-cause')).toHaveText('normal clearing');
  await expect(bobRow.getByTestId('participant-history')).toHaveText('dialing → ringing → connected → disconnected');
  await expect(conference.getByTestId('conference-state')).toHaveText('active');

  // A second call to the same phone, declined: cause 21.
  await addParticipant(conference, 'bob again', bobsPhone, 'mobile');
  await expect(bobsPanel.getByTestId('panel-call-state')).toContainText('ringing');
  await bobsPanel.getByTestId('panel-decline').click();
  const declined = conference.getByTestId('participant-row').filter({ hasText: 'bob again' });
  await expect(declined.getByTestId('participant-state')).toHaveText('failed');
  await expect(declined.getByTestId('participant-cause')).toHaveText('call rejected');

  // Nobody else sees bob's phone.
  await alice.getByTestId('nav-phones').click();
  await expect(alice.getByTestId('phone-panel')).toBeVisible();
  await expect(phoneRow(alice, bobsPhone)).toHaveCount(0);

  await bobsPanel.getByTestId('panel-release').click();
  await expect(bobsPanel).toHaveCount(0);
  await alice.getByTestId('nav-conference').click();
  await endAll(alice);
  // Signed out for good: later tests see bob offline.
  await alice.context().close();
  await bob.context().close();
});
