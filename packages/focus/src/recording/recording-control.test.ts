// Recording control through the real XMPP server and focus (protocols.md §6): a scripted recorder
// component in the jibri brewery, participants in a room. Who may start, what the recorder is
// sent, and what the room sees in the focus's presence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_JIBRI, NS_MUC, NS_MUC_USER, child, decodeJibriIq, decodeRecordingStatus, el, encodeJibriIq, encodeJibriStatus } from '@plenum/xmpp/codec';
import { Bot } from '../../test/integration/xmpp-bot.ts';
import { FOCUS_DOMAIN, FakeBridge, Participant, startStack } from '../../test/integration/stack.ts';
import type { Stack } from '../../test/integration/stack.ts';

const JIBRI_BREWERY = 'jibribrewery@internal.plenum.localhost';
const RECORDER_DOMAIN = 'recorder.plenum.localhost';

const conditionOf = (iq: El): string | undefined =>
  child(iq, 'error')?.children.find((c): c is El => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text')?.name;
const isModeratorPresence = (p: Participant) => (e: El): boolean =>
  e.name === 'presence' && e.attrs.from === p.occupantJid && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role === 'moderator';
/** The focus's room presence with this recording status. */
const recordingStatus = (p: Participant, status: string) => (e: El): boolean => {
  if (e.name !== 'presence' || e.attrs.from !== p.focusOccupant) return false;
  const s = decodeRecordingStatus(e);
  return s.ok && s.value?.status === status;
};

/** A recorder as the focus sees it: a component in the jibri brewery announcing idle. */
async function scriptedRecorder(stack: Stack, nick: string): Promise<Bot> {
  const bot = await Bot.connect(stack.server.componentPort, { kind: 'component', domain: RECORDER_DOMAIN, secret: 'r1' });
  stack.bots.push(bot);
  bot.send(el('presence', { from: `${RECORDER_DOMAIN}/${nick}`, to: `${JIBRI_BREWERY}/${nick}` }, el('x', { xmlns: NS_MUC }), encodeJibriStatus({ busy: 'idle', health: 'healthy' })));
  await bot.next((e) => e.name === 'presence' && e.attrs.from === `${JIBRI_BREWERY}/${nick}`, 5000, 'recorder self-presence');
  return bot;
}

const startIq = (p: Participant): El => el('iq', { type: 'set', to: p.focusOccupant }, el('jibri', { xmlns: NS_JIBRI, action: 'start', recording_mode: 'file' }));
const stopIq = (p: Participant): El => el('iq', { type: 'set', to: p.focusOccupant }, el('jibri', { xmlns: NS_JIBRI, action: 'stop', recording_mode: 'file' }));
const nextJibri = (bot: Bot, action: string): Promise<El> =>
  bot.next((e) => e.name === 'iq' && e.attrs.type === 'set' && child(e, 'jibri', NS_JIBRI)?.attrs.action === action, 5000, `recorder gets ${action}`);

async function room(name: string): Promise<{ stack: Stack; host: Participant; guest: Participant }> {
  const stack = await startStack({ server: { components: { secrets: [`${FOCUS_DOMAIN}=f1`, '*.bridge.plenum.localhost=b1', `${RECORDER_DOMAIN}=r1`] } } });
  try {
    await FakeBridge.start(stack, 'jvb1');
    const host = await Participant.join(stack, name);
    await host.bot.next(isModeratorPresence(host), 5000, 'host is moderator');
    const guest = await Participant.join(stack, name);
    return { stack, host, guest };
  } catch (error) {
    await stack.close();
    throw error;
  }
}

test('no recorder in the brewery: a moderator\'s start is service-unavailable', async () => {
  const { stack, host } = await room('norec');
  try {
    const reply = await host.bot.request(startIq(host));
    assert.is(reply.attrs.type, 'error');
    assert.is(conditionOf(reply), 'service-unavailable');
  } finally {
    await stack.close();
  }
});

test('a guest may not start; the moderator starts, the room sees pending → on → off, the recorder gets room and session_id', async () => {
  const { stack, host, guest } = await room('standup');
  try {
    const recorder = await scriptedRecorder(stack, 'rec1');
    const refused = await guest.bot.request(startIq(guest));
    assert.is(refused.attrs.type, 'error');
    assert.is(conditionOf(refused), 'forbidden');

    const replyP = host.bot.request(startIq(host));
    const start = await nextJibri(recorder, 'start');
    const sent = decodeJibriIq(child(start, 'jibri', NS_JIBRI) as El);
    assert.ok(sent.ok);
    assert.is(sent.value.room, guest.roomJid);
    assert.is(sent.value.recordingMode, 'file');
    const sessionId = sent.value.sessionId as string;
    assert.ok(sessionId.length > 0);
    recorder.send(el('iq', { type: 'result', id: start.attrs.id, to: start.attrs.from, from: start.attrs.to }));
    const reply = await replyP;
    assert.is(reply.attrs.type, 'result');
    assert.is(child(reply, 'jibri', NS_JIBRI)?.attrs.session_id, sessionId);
    const pending = await guest.bot.next(recordingStatus(guest, 'pending'), 5000, 'pending status');
    const pendingStatus = decodeRecordingStatus(pending);
    assert.ok(pendingStatus.ok);
    assert.match(pendingStatus.value?.initiator ?? '', /@plenum\.localhost\//);

    // The recorder reports it is recording, from its brewery occupant to the focus's.
    const on = await recorder.request(el('iq', { type: 'set', from: `${RECORDER_DOMAIN}/rec1`, to: `${JIBRI_BREWERY}/focus` }, encodeJibriIq({ status: 'on', sessionId })));
    assert.is(on.attrs.type, 'result');
    await guest.bot.next(recordingStatus(guest, 'on'), 5000, 'on status');

    // A second start in the same room is refused while this one runs.
    const again = await host.bot.request(startIq(host));
    assert.is(conditionOf(again), 'not-allowed');

    const stopP = host.bot.request(stopIq(host));
    const stop = await nextJibri(recorder, 'stop');
    assert.is(child(stop, 'jibri', NS_JIBRI)?.attrs.session_id, sessionId);
    recorder.send(el('iq', { type: 'result', id: stop.attrs.id, to: stop.attrs.from, from: stop.attrs.to }));
    assert.is((await stopP).attrs.type, 'result');
    await recorder.request(el('iq', { type: 'set', from: `${RECORDER_DOMAIN}/rec1`, to: `${JIBRI_BREWERY}/focus` }, encodeJibriIq({ status: 'off', sessionId })));
    const off = decodeRecordingStatus(await guest.bot.next(recordingStatus(guest, 'off'), 5000, 'off status'));
    assert.ok(off.ok);
    assert.is(off.value?.failureReason, undefined);
  } finally {
    await stack.close();
  }
});

test('a recorder that leaves the brewery mid-recording: the room sees off with an error', async () => {
  const { stack, host, guest } = await room('crash');
  try {
    const recorder = await scriptedRecorder(stack, 'rec2');
    const replyP = host.bot.request(startIq(host));
    const start = await nextJibri(recorder, 'start');
    recorder.send(el('iq', { type: 'result', id: start.attrs.id, to: start.attrs.from, from: start.attrs.to }));
    assert.is((await replyP).attrs.type, 'result');
    await guest.bot.next(recordingStatus(guest, 'pending'), 5000, 'pending status');
    recorder.send(el('presence', { from: `${RECORDER_DOMAIN}/rec2`, to: `${JIBRI_BREWERY}/rec2`, type: 'unavailable' }));
    const off = decodeRecordingStatus(await guest.bot.next(recordingStatus(guest, 'off'), 5000, 'off status'));
    assert.ok(off.ok);
    assert.is(off.value?.failureReason, 'error');
  } finally {
    await stack.close();
  }
});

const isRecordingLink = (e: El): boolean => e.name === 'message' && (child(e, 'json-message', 'http://jitsi.org/jitmeet')?.children[0] ?? '').toString().includes('"recording-link"');

test('the download link in the recorder\'s final status reaches the initiator only, privately from the focus occupant', async () => {
  const { stack, host, guest } = await room('linked');
  try {
    const recorder = await scriptedRecorder(stack, 'rec3');
    const replyP = host.bot.request(startIq(host));
    const start = await nextJibri(recorder, 'start');
    const sessionId = child(start, 'jibri', NS_JIBRI)?.attrs.session_id as string;
    recorder.send(el('iq', { type: 'result', id: start.attrs.id, to: start.attrs.from, from: start.attrs.to }));
    assert.is((await replyP).attrs.type, 'result');
    const url = 'https://rec.example/recordings/0123456789abcdef0123456789abcdef0123456789a/';
    const off = await recorder.request(el('iq', { type: 'set', from: `${RECORDER_DOMAIN}/rec3`, to: `${JIBRI_BREWERY}/focus` },
      encodeJibriIq({ status: 'off', sessionId, downloadUrl: url })));
    assert.is(off.attrs.type, 'result');
    const link = await host.bot.next(isRecordingLink, 5000, 'recording link');
    assert.is(link.attrs.type, 'chat');
    assert.is(link.attrs.from, host.focusOccupant, 'sent by the focus occupant');
    const body = JSON.parse(String(child(link, 'json-message', 'http://jitsi.org/jitmeet')?.children[0])) as { type: string; url: string };
    assert.equal([body.type, body.url], ['recording-link', url]);
    // The guest sees the recording end like everyone, but not the link.
    await guest.bot.next(recordingStatus(guest, 'off'), 5000, 'off status');
    await new Promise((r) => setTimeout(r, 300));
    assert.not.ok(guest.bot.inbox.some(isRecordingLink), 'the guest did not get the link');
  } finally {
    await stack.close();
  }
});

test.run();
