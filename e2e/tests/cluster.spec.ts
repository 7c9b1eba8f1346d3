// Two users on two nodes of a cluster (issue 14; scripts/e2e-cluster.sh):
// `rollcall serve` nodes sharing a PostgreSQL database and a nats-server.
// Alice signs in on node 1, Bob on node 2: she sees him come online and go
// again (his registration is known across nodes), and each starts a
// conference through their own node that connects and ends.
import { test, expect, type Page } from '@playwright/test';
import { CLUSTER_URLS, signIn, startConference, uniquePhone } from './helpers';

async function runConference(page: Page) {
  const conference = await startConference(page, uniquePhone());
  await conference.getByTestId('end-conference').click();
  await expect(conference.getByTestId('conference-state')).toHaveText('terminated');
}

test.skip(!CLUSTER_URLS, 'the cluster is started by playwright.config.ts');
test.use({ baseURL: CLUSTER_URLS?.[0] });

test('a user on one node sees one on another come and go, and both run conferences', async ({ page, browser }) => {
  await signIn(page, 'alice');
  await page.getByTestId('add-person').fill('bob baker');
  await page.getByTestId('add-person-submit').click();
  const bob = page.getByTestId('draft-row').filter({ hasText: 'Bob Baker' });
  await expect(bob.getByTestId('presence')).toHaveText('offline');

  const other = await browser.newContext({ baseURL: CLUSTER_URLS![1] });
  const bobsPage = await other.newPage();
  await signIn(bobsPage, 'bob');
  await expect(bob.getByTestId('presence')).toHaveText('online');

  // Bob's conference, through node 2: created, answered, active, ended.
  await runConference(bobsPage);

  await other.close();
  await expect(bob.getByTestId('presence')).toHaveText('offline');
  // Alice's, through node 1 (the draft with Bob goes with it).
  await runConference(page);
});
