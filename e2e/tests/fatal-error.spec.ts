// docs/protocol.md §4 "fatal error": the bridge fails under a running
// conference (fault injection from the phone panel page); every participant
// is cut off (cause 41, temporary failure) and the conference ends with
// `fatal-error`, in words.
import { test, expect } from '@playwright/test';
import { ANSWERS, addParticipant, row, signIn, startConference, uniquePhone } from './helpers';

test('a bridge failure disconnects everyone and ends the conference', async ({ page }) => {
  await signIn(page);
  const me = uniquePhone();
  const conference = await startConference(page, me);
  await addParticipant(conference, 'bob', ANSWERS);
  await expect(row(conference, ANSWERS).getByTestId('participant-state')).toHaveText('connected');
  const id = (await conference.getByTestId('conference-id').textContent())!.trim();

  await page.getByTestId('nav-phones').click();
  await page.getByTestId('fault-conference').filter({ hasText: id }).getByTestId('crash-bridge').click();
  await expect(page.getByTestId('fault-result')).toContainText(id);
  await page.getByTestId('nav-conference').click();

  await expect(conference.getByTestId('conference-state')).toHaveText('terminated');
  await expect(conference.getByTestId('conference-reason')).toHaveText(/fatal error|bridge fail/i);
  for (const phone of [me, ANSWERS]) {
    await expect(row(conference, phone).getByTestId('participant-state')).toHaveText('disconnected');
    await expect(row(conference, phone).getByTestId('participant-cause')).toHaveText('temporary failure');
  }
  await expect(conference.getByTestId('end-conference')).toHaveCount(0);

  // The legs are in the call history, with how they ended.
  await page.getByTestId('nav-history').click();
  const legs = page.getByTestId('call-leg').filter({ hasText: id });
  await expect(legs).toHaveCount(2);
  await expect(legs.filter({ hasText: ANSWERS }).getByTestId('call-outcome')).toHaveText('disconnected · temporary failure');
});
