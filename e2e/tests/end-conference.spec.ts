// docs/protocol.md §4 "initiator ends it": EndConference, then every participant
// disconnected (the initiator last) and the conference terminated with
// reason ended-by-initiator.
import { test, expect } from '@playwright/test';
import { ANSWERS, addParticipant, row, signIn, startConference, uniquePhone } from './helpers';

test('ending the conference disconnects everyone', async ({ page }) => {
  await signIn(page);
  const me = uniquePhone();
  const conference = await startConference(page, me);
  const other = uniquePhone();

  await addParticipant(conference, 'bob', ANSWERS);
  await expect(row(conference, ANSWERS).getByTestId('participant-state')).toHaveText('connected');
  await addParticipant(conference, 'carol', other, 'work');
  await expect(row(conference, other).getByTestId('participant-state')).toHaveText('connected');

  await conference.getByTestId('end-conference').click();
  await expect(conference.getByTestId('conference-state')).toHaveText('terminated');
  await expect(conference.getByTestId('conference-reason')).toHaveText('ended by you');

  const rows = conference.getByTestId('participant-row');
  await expect(rows).toHaveCount(3);
  for (const phone of [me, ANSWERS, other]) {
    const r = row(conference, phone);
    await expect(r.getByTestId('participant-state')).toHaveText('disconnected');
    await expect(r.getByTestId('participant-history')).toHaveText(/connected → disconnected$/);
    await expect(r.getByTestId('participant-cause')).toHaveText('normal clearing');
  }
  // Over: nothing left to end, disconnect or add to.
  await expect(conference.getByTestId('end-conference')).toHaveCount(0);
  await expect(conference.getByTestId('participant-disconnect')).toHaveCount(0);
  await expect(conference.getByTestId('add-participant')).toHaveCount(0);
  await expect(page.getByTestId('fault')).toHaveCount(0);
});
