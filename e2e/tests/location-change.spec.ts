// Seed Figure 3: changing the location of a connected participant re-dials
// them at that number. Dan Novák has a work and a mobile number; he is
// connected at work, alice picks "mobile", and the roster shows him
// dialled and connected at the mobile number (the work leg released).
import { test, expect } from '@playwright/test';
import { endAll, row, signIn, uniquePhone } from './helpers';

test('choosing another number for a connected participant calls that number', async ({ page }) => {
  await signIn(page, 'alice');
  await page.getByTestId('add-person').fill('dan novak');
  await page.getByTestId('add-person-submit').click();
  await expect(page.getByTestId('draft-row')).toHaveCount(1);
  const me = uniquePhone();
  await page.getByTestId('phone').fill(me);
  await page.getByTestId('start-conference').click();

  const conference = page.getByTestId('conference').filter({ has: page.getByTestId('participant-phone').getByText(me, { exact: true }) });
  const work = row(conference, '+14255550170');
  await expect(work.getByTestId('participant-state')).toHaveText('connected');

  await work.getByTestId('participant-location').selectOption('+14255550171');
  const mobile = row(conference, '+14255550171');
  await expect(mobile.getByTestId('participant-state')).toHaveText('connected');
  // Started from a roster, the conference asks each person to press 1
  // (the simulated phone does): the re-dialled leg is asked too.
  await expect(mobile.getByTestId('participant-history')).toHaveText('dialing → ringing → confirming → connected');
  await expect(mobile.getByTestId('participant-name')).toHaveText('Dan Novák');
  await expect(row(conference, '+14255550170')).toHaveCount(0);
  await expect(conference.getByTestId('participant-row')).toHaveCount(2);

  // The work leg was released (cause 16), as the call history shows.
  const id = (await conference.getByTestId('conference-id').textContent())!.trim();
  await page.getByTestId('nav-history').click();
  const legs = page.getByTestId('call-leg').filter({ hasText: id });
  await expect(legs.filter({ hasText: '+14255550170' }).getByTestId('call-outcome')).toHaveText('disconnected · normal clearing');
  await page.getByTestId('nav-conference').click();
  await endAll(page);
});
