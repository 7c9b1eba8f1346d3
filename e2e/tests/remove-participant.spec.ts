// docs/protocol.md §4 "remove": RemoveParticipant, then the participant is
// disconnected with cause 16 (normal clearing).
import { test, expect } from '@playwright/test';
import { ANSWERS, addParticipant, endAll, row, signIn, startConference, uniquePhone } from './helpers';

test.afterEach(async ({ page }) => endAll(page));

test('disconnecting a connected participant', async ({ page }) => {
  await signIn(page);
  const me = uniquePhone();
  const conference = await startConference(page, me);

  await addParticipant(conference, 'bob', ANSWERS);
  const bob = row(conference, ANSWERS);
  await expect(bob.getByTestId('participant-state')).toHaveText('connected');

  await bob.getByTestId('participant-disconnect').click();
  await expect(bob.getByTestId('participant-state')).toHaveText('disconnected');
  await expect(bob.getByTestId('participant-cause')).toHaveText('normal clearing');
  await expect(bob.getByTestId('participant-history')).toHaveText(
    'dialing → ringing → connected → disconnected',
  );
  await expect(bob.getByTestId('participant-disconnect')).toHaveCount(0);

  // Only bob left: the initiator is still on, the conference still active.
  await expect(row(conference, me).getByTestId('participant-state')).toHaveText('connected');
  await expect(conference.getByTestId('conference-state')).toHaveText('active');
  await expect(page.getByTestId('fault')).toHaveCount(0);
});
