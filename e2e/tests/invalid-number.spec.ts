// docs/protocol.md §5: a number that is not E.164 is refused before dialling
// with a c:InvalidNumber Fault, which the error banner shows.
import { test, expect } from '@playwright/test';
import { addParticipant, endAll, signIn, startConference, uniquePhone } from './helpers';

test.afterEach(async ({ page }) => endAll(page));

test('an invalid number shows a Fault and adds nobody', async ({ page }) => {
  await signIn(page);
  const conference = await startConference(page, uniquePhone());

  await addParticipant(conference, 'bob', '425 555 0101');
  const fault = page.getByTestId('fault');
  await expect(fault).toHaveCount(1);
  await expect(fault.getByTestId('fault-text')).toContainText('4255550101');
  await expect(fault.getByTestId('fault-text')).toContainText('E.164');
  await expect(conference.getByTestId('participant-row')).toHaveCount(1);
  await expect(conference.getByTestId('conference-state')).toHaveText('active');
});
