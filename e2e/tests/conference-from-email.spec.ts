// Seed Figure 3, the headline use: from an e-mail in the inbox, one click
// fills the roster with everyone on it (resolved against the address
// books, the user as initiator), one more starts the call, and three
// people are talking. Erin is on the e-mail but in neither address book:
// she is listed without a number and not called.
import { test, expect } from '@playwright/test';
import { endAll, row, signIn } from './helpers';

test('conference everyone on an e-mail: three people on the call', async ({ page }) => {
  await signIn(page, 'alice');
  await page.getByTestId('nav-inbox').click();
  const email = page.getByTestId('email').filter({ hasText: 'Launch review' });
  await email.getByTestId('conference-everyone').click();

  // Back on the conference page, the roster: Carol (sender), Bob (To), Erin (Cc).
  const draft = page.getByTestId('draft-row');
  await expect(draft.getByTestId('draft-name')).toHaveText(['Carol Chen', 'Bob Baker', 'Erin Example']);
  await expect(draft.filter({ hasText: 'Erin Example' }).getByTestId('draft-no-number')).toBeVisible();
  // Carol has two numbers; her first (work) is chosen.
  await expect(draft.filter({ hasText: 'Carol Chen' }).getByTestId('draft-number')).toHaveValue('+14255550103');
  // Alice is called at her own first number.
  await expect(page.getByTestId('phone')).toHaveValue('+14255550101');

  await page.getByTestId('start-conference').click();
  await expect(page.getByTestId('phone-hint')).toContainText('Erin Example');
  await expect(draft).toHaveCount(0);

  const conference = page
    .getByTestId('conference')
    .filter({ has: page.getByTestId('participant-name').getByText('Carol Chen', { exact: true }) });
  await expect(conference).toHaveCount(1);
  await expect(conference.getByTestId('conference-state')).toHaveText('active');
  for (const phone of ['+14255550101', '+14255550103', '+14255550102']) {
    await expect(row(conference, phone).getByTestId('participant-state')).toHaveText('connected');
  }
  await expect(row(conference, '+14255550101').getByTestId('participant-name')).toHaveText('Alice Adams');
  await expect(conference.getByTestId('participant-row')).toHaveCount(3);
  await endAll(page);
});

test('a broken .eml is refused with a clear message and nothing is added', async ({ page }) => {
  await signIn(page, 'alice');
  await page.getByTestId('nav-inbox').click();
  // The demo inbox has e-mails: count them once they are shown, not before.
  await expect(page.getByTestId('email').first()).toBeVisible();
  const before = await page.getByTestId('email').count();
  await page.getByTestId('upload-eml').setInputFiles({
    name: 'broken.eml', mimeType: 'message/rfc822', buffer: Buffer.from('this is not an e-mail'),
  });
  await expect(page.getByTestId('inbox-error')).toContainText('Not added');
  await expect(page.getByTestId('email')).toHaveCount(before);

  const eml = [
    'From: Dan Novák <dan.novak@rollcall.example>',
    'To: Alice Adams <alice@rollcall.example>',
    'Cc: Zoe Muller <zoe.muller@rollcall.example>',
    'Subject: Uploaded just now',
    'Date: Thu, 26 Nov 2026 16:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Shall we?',
    '',
  ].join('\r\n');
  await page.getByTestId('upload-eml').setInputFiles({
    name: 'plan.eml', mimeType: 'message/rfc822', buffer: Buffer.from(eml),
  });
  await expect(page.getByTestId('email').first().getByTestId('email-subject')).toHaveText('Uploaded just now');
  await page.getByTestId('email').first().getByTestId('conference-everyone').click();
  await expect(page.getByTestId('draft-row').getByTestId('draft-name')).toHaveText(['Dan Novák', 'Zoe Muller']);
});
