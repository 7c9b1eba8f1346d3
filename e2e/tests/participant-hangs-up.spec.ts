// docs/protocol.md §4 "participant hangs up": +15005550004 answers, then hangs
// up by itself; the conference carries on.
import { test, expect } from '@playwright/test';
import { HANGS_UP, addParticipant, endAll, row, signIn, startConference, uniquePhone } from './helpers';

test.afterEach(async ({ page }) => endAll(page));

test('a participant who hangs up shows connected, then disconnected', async ({ page }) => {
  await signIn(page);
  const me = uniquePhone();
  const conference = await startConference(page, me);

  await addParticipant(conference, 'carol', HANGS_UP);
  const carol = row(conference, HANGS_UP);
  await expect(carol.getByTestId('participant-state')).toHaveText('disconnected');
  await expect(carol.getByTestId('participant-history')).toHaveText(
    'dialing → ringing → connected → disconnected',
  );
  await expect(carol.getByTestId('participant-cause')).toHaveText('normal clearing');

  await expect(row(conference, me).getByTestId('participant-state')).toHaveText('connected');
  await expect(conference.getByTestId('conference-state')).toHaveText('active');
  await expect(conference.getByTestId('conference-reason')).toHaveCount(0);
});
