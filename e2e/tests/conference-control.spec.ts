// Running the call (docs/protocol.md §6) from the browser: mute one, mute
// all and unmute; lock (the add box says why it is disabled) and unlock;
// a person whose desk phone is busy is tried at their mobile at once
// ("busy at work — trying mobile"); a participant asked to confirm hears
// the announcement in the phone panel and joins by pressing 1; and a card
// a person can read at a glance, on a phone-width screen too.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { BUSY, addParticipant, endAll, row, signIn, startConference, uniquePhone } from './helpers';

async function personIn(browser: Browser, user: string, viewport?: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const page = await context.newPage();
  await signIn(page, user);
  return page;
}

test('mute one, mute all, unmute; lock and unlock', async ({ page }) => {
  await signIn(page, 'alice');
  const conference = await startConference(page, uniquePhone());
  const [bob, carol] = [uniquePhone(), uniquePhone()];
  await addParticipant(conference, 'Bob', bob, 'work');
  await addParticipant(conference, 'Carol', carol, 'mobile');
  for (const phone of [bob, carol]) {
    await expect(row(conference, phone).getByTestId('participant-state')).toHaveText('connected');
  }
  await expect(conference.getByTestId('conference-count')).toHaveText('3 on the call');

  await row(conference, bob).getByTestId('participant-mute').click();
  await expect(row(conference, bob).getByTestId('participant-muted')).toBeVisible();
  await expect(row(conference, carol).getByTestId('participant-muted')).toHaveCount(0);
  await expect(row(conference, bob).getByTestId('participant-mute')).toHaveText('Unmute');

  await conference.getByTestId('mute-all').click();
  await expect(row(conference, carol).getByTestId('participant-muted')).toBeVisible();
  await expect(conference.getByTestId('participant-muted')).toHaveCount(2); // never the initiator
  await expect(conference.getByTestId('mute-all')).toHaveText('Unmute all');
  await conference.getByTestId('mute-all').click();
  await expect(conference.getByTestId('participant-muted')).toHaveCount(0);

  await conference.getByTestId('lock-conference').click();
  await expect(conference.getByTestId('conference-locked')).toBeVisible();
  await expect(conference.getByTestId('add-locked-reason')).toHaveText('The conference is locked: unlock it to add people.');
  await expect(conference.getByTestId('add-participant')).toBeDisabled();
  await conference.getByTestId('lock-conference').click();
  await expect(conference.getByTestId('conference-locked')).toHaveCount(0);
  await expect(conference.getByTestId('add-locked-reason')).toHaveCount(0);
  await expect(conference.getByTestId('add-participant')).toBeEnabled();
  await endAll(page);
});

test('busy at work: the mobile is tried at once', async ({ page }) => {
  await signIn(page, 'carol');
  // Fred's mobile is a phone carol holds in her panel: it rings until she
  // answers, long enough to read the row.
  const mobile = uniquePhone();
  await page.getByTestId('nav-phones').click();
  await page.getByTestId('panel-number').fill(mobile);
  await page.getByTestId('panel-hold').click();
  const panel = page.getByTestId('panel-phone').filter({ hasText: mobile });
  await expect(panel.getByTestId('panel-call-state')).toHaveText('idle');
  await page.getByTestId('nav-conference').click();

  await page.getByTestId('add-person-submit').click(); // the picker
  await page.getByTestId('upload-vcard').setInputFiles({
    name: 'fred.vcf',
    mimeType: 'text/vcard',
    buffer: Buffer.from(['BEGIN:VCARD', 'VERSION:3.0', 'FN:Fred Fallback', `TEL;TYPE=work:${BUSY}`,
      `TEL;TYPE=cell:${mobile}`, 'END:VCARD', ''].join('\r\n')),
  });
  await expect(page.getByTestId('add-person-message')).toHaveText('Imported 1 contact.');
  await page.getByTestId('add-person').fill('fred fallback');
  await page.getByTestId('add-person-submit').click();
  const draft = page.getByTestId('draft-row').filter({ hasText: 'Fred Fallback' });
  await draft.getByTestId('draft-number').selectOption(BUSY); // work first

  const me = uniquePhone();
  await page.getByTestId('phone').fill(me);
  await page.getByTestId('start-conference').click();
  const conference = page.getByTestId('conference').filter({ has: page.getByTestId('participant-phone').getByText(me, { exact: true }) });
  const fred = conference.getByTestId('participant-row').filter({ hasText: 'Fred Fallback' });
  await expect(fred.getByTestId('participant-fallback')).toHaveText('busy at work — trying mobile');
  await expect(fred.getByTestId('participant-attempt')).toHaveText('attempt 2');
  await expect(fred.getByTestId('participant-phone')).toHaveText(mobile);
  await expect(fred.getByTestId('participant-state')).toHaveText('ringing');
  await expect(conference.getByTestId('conference-title')).toHaveText('Conference with Fred Fallback');

  // Carol picks up as Fred and presses 1: connected at the mobile.
  await page.getByTestId('nav-phones').click();
  await panel.getByTestId('panel-answer').click();
  await panel.getByTestId('panel-key-1').click();
  await expect(panel.getByTestId('panel-call-state')).toHaveText('connected');
  await panel.getByTestId('panel-release').click();
  await page.getByTestId('nav-conference').click();
  await expect(fred.getByTestId('participant-history')).toContainText('connected');
  await expect(fred.getByTestId('participant-fallback')).toHaveCount(0);
  await endAll(page);
});

test('asked to confirm, bob hears the announcement in his phone panel and presses 1', async ({ browser }) => {
  const alice = await personIn(browser, 'alice');
  const bob = await personIn(browser, 'bob');
  const bobsPhone = uniquePhone();
  await bob.getByTestId('nav-phones').click();
  await bob.getByTestId('panel-number').fill(bobsPhone);
  await bob.getByTestId('panel-hold').click();
  const panel = bob.getByTestId('panel-phone').filter({ hasText: bobsPhone });
  await expect(panel.getByTestId('panel-call-state')).toHaveText('idle');

  // A roster with bob's number on it: confirmation is on by default.
  await alice.getByTestId('add-person').fill(bobsPhone);
  await alice.getByTestId('add-person-submit').click();
  await expect(alice.getByTestId('confirm-setting')).toBeChecked();
  const me = uniquePhone();
  await alice.getByTestId('phone').fill(me);
  await alice.getByTestId('start-conference').click();
  const conference = alice.getByTestId('conference').filter({ has: alice.getByTestId('participant-phone').getByText(me, { exact: true }) });
  const bobRow = row(conference, bobsPhone);

  await expect(panel.getByTestId('panel-call-state')).toContainText('ringing');
  await panel.getByTestId('panel-answer').click();
  await expect(panel.getByTestId('panel-call-state')).toHaveText('confirming');
  await expect(panel.getByTestId('panel-announcement')).toHaveText(
    'Alice Adams is calling you into a conference. Press 1 to join.');
  await expect(bobRow.getByTestId('participant-state')).toHaveText('confirming');

  await panel.getByTestId('panel-key-1').click();
  await expect(panel.getByTestId('panel-call-state')).toHaveText('connected');
  await expect(panel.getByTestId('panel-keypad')).toHaveCount(0);
  await expect(bobRow.getByTestId('participant-state')).toHaveText('connected');
  await expect(bobRow.getByTestId('participant-history')).toHaveText('dialing → ringing → confirming → connected');

  // Muted by alice: bob's panel says so.
  await bobRow.getByTestId('participant-mute').click();
  await expect(panel.getByTestId('panel-muted')).toBeVisible();

  await panel.getByTestId('panel-release').click();
  await endAll(alice);
  await alice.context().close();
  await bob.context().close();
});

test('a card read at a glance, on a phone-width screen too', async ({ browser }) => {
  const page = await personIn(browser, 'alice', { width: 390, height: 844 });
  await page.getByTestId('nav-inbox').click();
  await page.getByTestId('email').filter({ hasText: 'Launch review' }).getByTestId('conference-everyone').click();
  await expect(page.getByTestId('draft-subject')).toContainText('Launch review');
  await page.getByTestId('start-conference').click();

  const conference = page.getByTestId('conference').filter({ has: page.getByTestId('conference-title').getByText('Launch review') });
  await expect(conference).toHaveCount(1);
  await expect(conference.getByTestId('conference-count')).toHaveText('3 on the call');
  await expect(conference.getByTestId('conference-duration')).toHaveText(/^\d+:\d\d$/);
  const first = await conference.getByTestId('conference-duration').textContent();
  await expect(conference.getByTestId('conference-duration')).not.toHaveText(first!); // it runs
  for (const id of ['conference-title', 'lock-conference', 'mute-all', 'end-conference']) {
    await expect(conference.getByTestId(id)).toBeInViewport();
  }
  await expect(conference.getByTestId('participant-mute').first()).toBeVisible();
  // Nothing is wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await endAll(page);
  await page.context().close();
});
