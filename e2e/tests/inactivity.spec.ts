// docs/protocol.md §4 "fatal error", the inactivity trigger: on the second e2e
// server (inactivity timeout 3 s), a conference where nobody but the
// initiator is on the call ends by itself: the initiator is disconnected
// (normal clearing) and the conference terminated with `inactivity`.
import { test, expect } from '@playwright/test';
import { INACTIVE_URL, row, signIn, startConference, uniquePhone } from './helpers';

test.skip(!INACTIVE_URL, 'needs the second e2e server of playwright.config.ts');
test.use({ baseURL: INACTIVE_URL });

test('a conference nobody joins ends after the inactivity timeout', async ({ page }) => {
  await signIn(page);
  const me = uniquePhone();
  const conference = await startConference(page, me);
  await expect(conference.getByTestId('conference-state')).toHaveText('terminated', { timeout: 15_000 });
  await expect(conference.getByTestId('conference-reason')).toHaveText('ended after inactivity');
  await expect(row(conference, me).getByTestId('participant-history')).toHaveText('dialing → ringing → connected → disconnected');
  await expect(row(conference, me).getByTestId('participant-cause')).toHaveText('normal clearing');
  await expect(conference.getByTestId('end-conference')).toHaveCount(0);
});
