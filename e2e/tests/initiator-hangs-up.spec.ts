// PROTOCOL.md §4 "initiator hangs up": the initiator at +15005550004
// answers, then hangs up by itself; every other participant is
// disconnected and the conference terminated with initiator-hung-up.
import { test, expect } from '@playwright/test';
import { ANSWERS, HANGS_UP, addParticipant, row, signIn, startConference } from './helpers';

test('when the initiator hangs up the conference ends', async ({ page }) => {
  await signIn(page);
  // Don't wait for "active": the initiator hangs up after the auto-hangup
  // delay (playwright.config.ts), and the participant must be added first.
  const conference = await startConference(page, HANGS_UP, false);
  await addParticipant(conference, 'bob', ANSWERS);

  const me = row(conference, HANGS_UP);
  const bob = row(conference, ANSWERS);
  await expect(conference.getByTestId('conference-state')).toHaveText('terminated');
  await expect(conference.getByTestId('conference-reason')).toHaveText('the initiator hung up');
  await expect(me.getByTestId('participant-history')).toHaveText(
    'dialing → ringing → connected → disconnected',
  );
  await expect(me.getByTestId('participant-cause')).toHaveText('normal clearing');
  await expect(bob.getByTestId('participant-state')).toHaveText('disconnected');
  await expect(bob.getByTestId('participant-history')).toHaveText(/^dialing → .*disconnected$/);
  await expect(conference.getByTestId('end-conference')).toHaveCount(0);
  await expect(conference.getByTestId('add-participant')).toHaveCount(0);
  await expect(page.getByTestId('fault')).toHaveCount(0);
});
