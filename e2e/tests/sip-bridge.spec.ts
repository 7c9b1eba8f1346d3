// Real calls: the server of this spec runs `--bridge sip`, and its
// conferences ring three baresip phones on loopback (scripts/e2e-sip-phones.sh),
// which answer. From the browser nothing differs: Start, add people, watch
// them ring and connect, disconnect everyone.
import { test, expect } from '@playwright/test';
import { PASSWORD, SIP_PHONES, SIP_URL, addParticipant, row, startConference } from './helpers';

test.skip(!SIP_URL, 'needs the SIP bridge server that playwright.config.ts starts');

test('a conference rings real phones over SIP and they connect', async ({ page }) => {
  await page.goto(SIP_URL!);
  await page.getByTestId('sign-in-user').fill('alice');
  await page.getByTestId('sign-in-password').fill(PASSWORD);
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId('connection-state')).toHaveText('registered');

  const [me, bob, carol] = SIP_PHONES;
  const conference = await startConference(page, me);
  await addParticipant(conference, 'bob', bob, 'work');
  await addParticipant(conference, 'carol', carol, 'mobile');
  for (const phone of [bob, carol]) {
    const leg = row(conference, phone);
    await expect(leg.getByTestId('participant-state')).toHaveText('connected');
    // A real phone rang first (180 Ringing), then answered (200 OK).
    await expect(leg.getByTestId('participant-history')).toHaveText('dialing → ringing → connected');
  }
  await expect(page.getByTestId('fault')).toHaveCount(0);

  await conference.getByTestId('end-conference').click();
  await expect(conference.getByTestId('conference-state')).toHaveText('terminated');
  for (const phone of [me, bob, carol]) {
    await expect(row(conference, phone).getByTestId('participant-state')).toHaveText('disconnected');
  }
});
