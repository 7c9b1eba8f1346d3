// docs/protocol.md §4 "add", busy outcome: +15005550002 rings, then busy (17).
import { test, expect } from '@playwright/test';
import { BUSY, addParticipant, endAll, row, signIn, startConference, uniquePhone } from './helpers';

test.afterEach(async ({ page }) => endAll(page));

test('a busy participant shows busy, with the cause in words', async ({ page }) => {
  await signIn(page);
  const conference = await startConference(page, uniquePhone());

  await addParticipant(conference, 'bob', BUSY);
  const bob = row(conference, BUSY);
  await expect(bob.getByTestId('participant-state')).toHaveText('busy');
  await expect(bob.getByTestId('participant-cause')).toHaveText('busy');
  await expect(bob.getByTestId('participant-history')).toHaveText('dialing → ringing → busy');
  // Over: nothing to disconnect.
  await expect(bob.getByTestId('participant-disconnect')).toHaveCount(0);
  // The conference carries on.
  await expect(conference.getByTestId('conference-state')).toHaveText('active');

  // The row's button follows the call: Call tries again (a new leg takes
  // the row's place), Remove takes the row off the roster.
  await bob.getByTestId('participant-connect').click();
  await expect(conference.getByTestId('participant-row')).toHaveCount(2);
  await expect(bob.getByTestId('participant-history')).toHaveText('dialing → ringing → busy');
  await bob.getByTestId('participant-remove').click();
  await expect(bob).toHaveCount(0);
  await expect(conference.getByTestId('participant-row')).toHaveCount(1);
});
