// Importing contacts from a vCard file in the address-book picker: a
// broken file is refused naming the line, and nothing is stored; a good
// one adds its cards, which then resolve by name and merge with the
// directory like any contact.
import { test, expect } from '@playwright/test';
import { signIn } from './helpers';

function vcf(lines: string[]) {
  return { name: 'contacts.vcf', mimeType: 'text/vcard', buffer: Buffer.from(lines.join('\r\n') + '\r\n') };
}

test('vCard import in the picker: broken file refused, good file added', async ({ page }) => {
  await signIn(page, 'bob');
  await page.getByTestId('add-person-submit').click(); // empty box: the picker
  await expect(page.getByTestId('picker')).toBeVisible();

  await page.getByTestId('upload-vcard').setInputFiles(vcf([
    'BEGIN:VCARD', 'VERSION:3.0', 'FN:Frank Fictional', 'TEL;TYPE=cell:555 0100', 'END:VCARD',
  ]));
  await expect(page.getByTestId('add-person-message')).toContainText('Nothing imported');
  await expect(page.getByTestId('add-person-message')).toContainText('line 4');
  await expect(page.getByTestId('picker-person').filter({ hasText: 'Frank Fictional' })).toHaveCount(0);

  await page.getByTestId('upload-vcard').setInputFiles(vcf([
    'BEGIN:VCARD', 'VERSION:4.0', 'FN:Frank Fictional', 'EMAIL:frank@fiction.example',
    'TEL;TYPE=cell:+1 425 555 0190', 'END:VCARD',
    'BEGIN:VCARD', 'VERSION:3.0', 'FN:Carol Chen', 'TEL;TYPE=cell:+1 425 555 0193', 'END:VCARD',
  ]));
  await expect(page.getByTestId('add-person-message')).toHaveText('Imported 2 contacts.');
  await expect(page.getByTestId('picker-person').filter({ hasText: 'Frank Fictional' })).toBeVisible();

  // Carol's new mobile merges with her directory entry: one person, three numbers.
  await page.getByTestId('add-person').fill('carol');
  await page.getByTestId('add-person-submit').click();
  const carol = page.getByTestId('draft-row').filter({ hasText: 'Carol Chen' });
  await expect(carol.locator('option')).toHaveText(['mobile · +14255550193', 'work · +14255550103', 'home · +14255550113']);
});
