// docs/protocol.md §4 "add": AddParticipant, then that participant rings and
// answers; the row's history proves the order.
import { test, expect } from '@playwright/test';
import { ANSWERS, addParticipant, endAll, row, signIn, startConference, uniquePhone } from './helpers';

test.afterEach(async ({ page }) => endAll(page));

test('an added participant is dialled, rings and answers', async ({ page }) => {
  await signIn(page);
  const me = uniquePhone();
  const conference = await startConference(page, me);

  await addParticipant(conference, 'bob', ANSWERS, 'mobile');
  const bob = row(conference, ANSWERS);
  await expect(bob.getByTestId('participant-name')).toHaveText('bob');
  await expect(bob).toContainText('mobile');
  await expect(bob.getByTestId('participant-state')).toHaveText('connected');
  await expect(bob.getByTestId('participant-history')).toHaveText('dialing → ringing → connected');
  await expect(bob.getByTestId('participant-cause')).toHaveCount(0);

  // A live leg can be disconnected; the initiator's row has no such button
  // (the initiator leaves by ending the conference).
  await expect(bob.getByTestId('participant-disconnect')).toBeVisible();
  await expect(row(conference, me).getByTestId('participant-disconnect')).toHaveCount(0);
  // The form is ready for the next one.
  await expect(conference.getByTestId('add-phone')).toHaveValue('');
  await expect(page.getByTestId('fault')).toHaveCount(0);
});
