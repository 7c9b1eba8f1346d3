// docs/protocol.md §2: a client that reconnects sends c:GetConference and
// replaces its view. The browser's SIP WebSocket is cut mid-conference;
// while it is down the conference changes (from a second tab of the same
// user, which stays connected and shows when the change has happened);
// after the reconnect the first tab shows the conference as it now is.
//
// How the socket is cut: Chromium's offline emulation (context.setOffline,
// or CDP Network.emulateNetworkConditions offline) does not close a
// WebSocket that is already open — the tab stays "registered" (tried with
// Chromium 156). So the test routes the page's /sip WebSocket through
// Playwright (page.routeWebSocket), which relays every frame unchanged to
// the real server; to cut it the test closes both ends, and closes new
// connections at their first frame until the "network" is back. No hook in
// the app.
import { test, expect, type WebSocketRoute } from '@playwright/test';
import { ANSWERS, addParticipant, conferenceOf, endAll, row, signIn, startConference, uniquePhone } from './helpers';

test('after a reconnect the roster is resynchronised from a snapshot', async ({ page, browser }) => {
  let offline = false;
  const open: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/sip$/, (ws) => {
    if (offline) {
      // Refused: closed as soon as the page speaks (its REGISTER), so the
      // page has seen it open and sees it close, like a server going away.
      ws.onMessage(() => ws.close());
      return;
    }
    ws.connectToServer();
    open.push(ws);
  });

  await signIn(page);
  const me = uniquePhone();
  const conference = await startConference(page, me);
  await addParticipant(conference, 'bob', ANSWERS);
  const bob = row(conference, ANSWERS);
  await expect(bob.getByTestId('participant-state')).toHaveText('connected');

  // A second tab of alice's, in its own browser context (its own socket).
  const other = await browser.newContext();
  const tab2 = await other.newPage();
  await signIn(tab2);
  const there = conferenceOf(tab2, me);
  await expect(row(there, ANSWERS).getByTestId('participant-state')).toHaveText('connected');

  // Cut the first tab's connection, and keep it cut.
  offline = true;
  for (const ws of open.splice(0)) {
    await ws.close();
  }
  await expect(page.getByTestId('connection-state')).not.toHaveText('registered');

  // Meanwhile, from the other tab: bob is disconnected, carol added.
  const carol = uniquePhone();
  await row(there, ANSWERS).getByTestId('participant-disconnect').click();
  await addParticipant(there, 'carol', carol);
  await expect(row(there, ANSWERS).getByTestId('participant-state')).toHaveText('disconnected');
  await expect(row(there, carol).getByTestId('participant-state')).toHaveText('connected');

  // The first tab heard none of it: its view is stale.
  await expect(bob.getByTestId('participant-state')).toHaveText('connected');
  await expect(row(conference, carol)).toHaveCount(0);

  // Back online: it re-registers, asks for a snapshot and shows it.
  offline = false;
  await expect(page.getByTestId('connection-state')).toHaveText('registered', { timeout: 20_000 });
  await expect(bob.getByTestId('participant-state')).toHaveText('disconnected');
  await expect(bob.getByTestId('participant-cause')).toHaveText('normal clearing');
  await expect(bob.getByTestId('participant-history')).toHaveText(
    'dialing → ringing → connected → disconnected',
  );
  await expect(row(conference, carol).getByTestId('participant-name')).toHaveText('carol');
  await expect(row(conference, carol).getByTestId('participant-state')).toHaveText('connected');
  await expect(conference.getByTestId('participant-row')).toHaveCount(3);
  await expect(conference.getByTestId('conference-state')).toHaveText('active');
  await expect(page.getByTestId('conference')).toHaveCount(await tab2.getByTestId('conference').count());

  // And it is live again: events reach it as they happen.
  await row(conference, carol).getByTestId('participant-disconnect').click();
  await expect(row(conference, carol).getByTestId('participant-state')).toHaveText('disconnected');
  await expect(page.getByTestId('fault')).toHaveCount(0);

  await endAll(page);
  await other.close();
});
