// docs/protocol.md §4 "add", the no-answer outcome: +15005550003 rings until the
// network's no-answer timeout (8 s in the e2e server), then `no-answer`,
// cause 19, in words.
import { test, expect } from '@playwright/test';
import { NO_ANSWER, addParticipant, endAll, row, signIn, startConference, uniquePhone } from './helpers';

test.afterEach(async ({ page }) => endAll(page));

test('a phone nobody answers rings, then shows "no answer"', async ({ page }) => {
  await signIn(page);
  const conference = await startConference(page, uniquePhone());
  await addParticipant(conference, 'nobody', NO_ANSWER);
  const nobody = row(conference, NO_ANSWER);
  await expect(nobody.getByTestId('participant-state')).toHaveText('ringing');
  await expect(nobody.getByTestId('participant-state')).toHaveText('no-answer', { timeout: 20_000 });
  await expect(nobody.getByTestId('participant-cause')).toHaveText('no answer');
  await expect(nobody.getByTestId('participant-history')).toHaveText('dialing → ringing → no-answer');
  await expect(conference.getByTestId('conference-state')).toHaveText('active');
});
