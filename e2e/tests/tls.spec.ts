// The create flow over HTTPS and WSS (issue "Safe to put on the internet",
// point 1): the page comes over TLS, so the app opens its SIP WebSocket
// with wss:// on the same port, and a conference comes up as over HTTP.
import { test, expect } from '@playwright/test';
import { TLS_URL, signIn, startConference, uniquePhone } from './helpers';

test.skip(!TLS_URL, 'needs the e2e TLS server');
test.use({ baseURL: TLS_URL, ignoreHTTPSErrors: true });

test('the whole create flow over HTTPS and WSS', async ({ page }) => {
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await signIn(page, 'alice');
  expect(sockets).toEqual([`${TLS_URL!.replace('https', 'wss')}/sip`]);
  const phone = uniquePhone();
  const conference = await startConference(page, phone);
  await expect(conference.getByTestId('conference-state')).toHaveText(/active/);
});
