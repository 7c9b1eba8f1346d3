// Presence (docs/protocol.md §1, SUBSCRIBE/NOTIFY with PIDF): alice adds Bob
// Baker, a Rollcall user, to her roster by name; he shows offline, turns
// online when bob signs in in another browser, and offline again when he
// signs out.
import { test, expect } from '@playwright/test';
import { signIn } from './helpers';

test('a roster member flips online and offline as he signs in and out', async ({ page, browser }) => {
  await signIn(page, 'alice');
  await page.getByTestId('add-person').fill('bob baker');
  await page.getByTestId('add-person-submit').click();
  const bob = page.getByTestId('draft-row').filter({ hasText: 'Bob Baker' });
  await expect(bob.getByTestId('presence')).toHaveText('offline');

  const other = await browser.newContext();
  const bobsPage = await other.newPage();
  await signIn(bobsPage, 'bob');
  await expect(bob.getByTestId('presence')).toHaveText('online');

  await bobsPage.getByTestId('sign-out').click();
  await expect(bob.getByTestId('presence')).toHaveText('offline');

  await signIn(bobsPage, 'bob');
  await expect(bob.getByTestId('presence')).toHaveText('online');
  await other.close();
  await expect(bob.getByTestId('presence')).toHaveText('offline');
});

test('add by name: accents, case and several matches', async ({ page }) => {
  await signIn(page, 'alice');
  // One person from two books (contacts "Zoe Muller", directory "Zoë Müller").
  await page.getByTestId('add-person').fill('ZOE muller');
  await page.getByTestId('add-person-submit').click();
  const zoe = page.getByTestId('draft-row').filter({ hasText: 'Zoe Muller' });
  await expect(zoe.locator('option')).toHaveText(['mobile · +14255550161', 'work · +14255550160']);

  // "bob" is Bob Baker and Bob O'Brien: a choice.
  await page.getByTestId('add-person').fill('bob');
  await page.getByTestId('add-person-submit').click();
  const choices = page.getByTestId('picker-person');
  await expect(choices).toHaveCount(2);
  await choices.filter({ hasText: "O'Brien" }).getByTestId('picker-add').click();
  await expect(page.getByTestId('draft-row').getByTestId('draft-name')).toHaveText(['Zoe Muller', "Robert O'Brien"]);
  // The O'Brien case: his mobile from the contacts and his office from the directory.
  await expect(page.getByTestId('draft-row').nth(1).locator('option')).toHaveText(['mobile · +14255550142', 'work · +14255550143']);

  // An empty box opens the address book.
  await page.getByTestId('add-person').fill('');
  await page.getByTestId('add-person-submit').click();
  await expect(page.getByTestId('picker-person').filter({ hasText: 'Dan Novák' })).toBeVisible();
  await page.getByTestId('picker-person').filter({ hasText: 'Dan Novák' }).getByTestId('picker-add').click();
  await expect(page.getByTestId('draft-row')).toHaveCount(3);
  await page.getByTestId('draft-row').filter({ hasText: 'Dan' }).getByTestId('draft-remove').click();
  await expect(page.getByTestId('draft-row')).toHaveCount(2);
});
