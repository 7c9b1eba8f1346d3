// docs/protocol.md §4 "add", failed outcome: +15005550001 is not in service
// (cause 1) and never rings.
import { test, expect } from '@playwright/test';
import { UNALLOCATED, addParticipant, endAll, row, signIn, startConference, uniquePhone } from './helpers';

test.afterEach(async ({ page }) => endAll(page));

test('an unallocated number fails with "number not in service"', async ({ page }) => {
  await signIn(page);
  const conference = await startConference(page, uniquePhone());

  await addParticipant(conference, 'nobody', UNALLOCATED);
  const nobody = row(conference, UNALLOCATED);
  await expect(nobody.getByTestId('participant-state')).toHaveText('failed');
  await expect(nobody.getByTestId('participant-cause')).toHaveText('number not in service');
  await expect(nobody.getByTestId('participant-history')).toHaveText('dialing → failed');
  await expect(nobody.getByTestId('participant-disconnect')).toHaveCount(0);
  await expect(conference.getByTestId('conference-state')).toHaveText('active');
});
