// docs/protocol.md §4 "initiator hangs up": alice is called at a number she
// holds in her own phone panel, answers there, adds bob, and hangs up
// there: bob is disconnected and the conference terminated with
// initiator-hung-up. Driven by hand, not by a timer, so nothing races.
import { test, expect, type Page } from '@playwright/test';
import { ANSWERS, addParticipant, row, signIn, startConference, uniquePhone } from './helpers';

function myPhone(page: Page, number: string) {
  return page
    .getByTestId('panel-phone')
    .filter({ has: page.getByTestId('panel-phone-number').getByText(number, { exact: true }) });
}

test('when the initiator hangs up the conference ends', async ({ page }) => {
  await signIn(page);
  const mine = uniquePhone();
  await page.getByTestId('nav-phones').click();
  await page.getByTestId('panel-number').fill(mine);
  await page.getByTestId('panel-hold').click();
  const phone = myPhone(page, mine);
  await expect(phone.getByTestId('panel-call-state')).toHaveText('idle');

  await page.getByTestId('nav-conference').click();
  const conference = await startConference(page, mine, false);
  await page.getByTestId('nav-phones').click();
  await phone.getByTestId('panel-answer').click();
  await expect(phone.getByTestId('panel-call-state')).toHaveText('connected');

  await page.getByTestId('nav-conference').click();
  await expect(conference.getByTestId('conference-state')).toHaveText('active');
  await addParticipant(conference, 'bob', ANSWERS);
  const bob = row(conference, ANSWERS);
  await expect(bob.getByTestId('participant-state')).toHaveText('connected');

  await page.getByTestId('nav-phones').click();
  await phone.getByTestId('panel-hangup').click();
  await page.getByTestId('nav-conference').click();

  const me = row(conference, mine);
  await expect(conference.getByTestId('conference-state')).toHaveText('terminated');
  await expect(conference.getByTestId('conference-reason')).toHaveText('the initiator hung up');
  await expect(me.getByTestId('participant-history')).toHaveText('dialing → ringing → connected → disconnected');
  await expect(me.getByTestId('participant-cause')).toHaveText('normal clearing');
  await expect(bob.getByTestId('participant-state')).toHaveText('disconnected');
  await expect(bob.getByTestId('participant-history')).toHaveText('dialing → ringing → connected → disconnected');
  await expect(conference.getByTestId('end-conference')).toHaveCount(0);
  await expect(conference.getByTestId('add-participant')).toHaveCount(0);
  await expect(page.getByTestId('fault')).toHaveCount(0);

  await page.getByTestId('nav-phones').click();
  await phone.getByTestId('panel-release').click();
  await expect(phone).toHaveCount(0);
});
