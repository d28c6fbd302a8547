// Issue 8, "in the conference": a call's ConferenceLeg joins a real conference — our XMPP server,
// focus and bridge (testkit startStack) with the gateway's component domain trusted by the focus —
// where a werift participant (testkit MediaParticipant) is. The participant sees the caller with
// the jigasi feature and its name; a tone the leg sends is heard by the participant (with its
// RFC 6464 level, read by the bridge), the participant's tone reaches the leg; the bridge forwards
// the leg no video; sources coming and going reach the leg; a moderator's mute reaches the leg and
// the caller's own unmute lifts it; leaving removes the occupant and its source.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Encoder } from '@evan/opus';
import type { El } from '@plenum/xmpp/codec';
import { NS_JINGLE, NS_MUC_USER, NS_MUTE_AUDIO, child, decodeJingle, el, text } from '@plenum/xmpp/codec';
import { bridgeHttpStats, nextEvent, waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { ConferenceLeg, FEATURE_JIGASI, audioLevelOf } from '../src/conference/index.ts';
import type { ConferenceSide } from '../src/gateway/ports.ts';
import { becomesModerator, legParams, withStack } from './conference-harness.ts';
import { assertTone, toneFrames } from './conference-tones.ts';

/** A VP8 key frame in one packet (RFC 7741 descriptor S=1 PID=0, payload header P=0, start code, 320×240). */
const VP8_KEY_FRAME = Buffer.from([0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, ...new Array<number>(100).fill(7)]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `frames` every 20 ms through `send`. */
async function play(frames: readonly Int16Array[], send: (opus: Uint8Array, pcm: Int16Array) => void): Promise<void> {
  const encoder = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
  for (const pcm of frames) {
    send(encoder.encode(pcm), pcm);
    await sleep(20);
  }
}

const occupantPresence = (from: string, type?: string) => (e: El): boolean =>
  e.name === 'presence' && e.attrs.from === from && e.attrs.type === type;
const hasFeature = (p: El, feature: string): boolean =>
  (child(p, 'features')?.children ?? []).some((f) => typeof f !== 'string' && f.attrs.var === feature);
const sourceInfoOf = (p: El): Record<string, { muted?: boolean }> => JSON.parse(text(child(p, 'SourceInfo')) || '{}') as Record<string, { muted?: boolean }>;

test('a call joins through the focus: seen with the jigasi feature and its name, audio both ways, no video, remote mute and unmute, leaving', () => withStack(async ({ stack, deps, route }) => {
  const people: MediaParticipant[] = [];
  let leg: ConferenceLeg | undefined;
  try {
    const host = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'standup' });
    people.push(host);
    await host.connected();
    await becomesModerator(host);

    leg = await ConferenceLeg.join(deps, legParams('standup'), route);
    const side: ConferenceSide = leg; // the call flow's port is what the leg offers
    assert.ok(side.events !== undefined);
    assert.ok(leg.isConnected, 'media with the bridge is up');
    assert.ok(leg.remoteSources.some((s) => s.ssrc === host.audioSsrc && s.owner === host.id), 'the host\'s audio source is known to the leg');

    const seen = await host.signalling.client.next(occupantPresence(leg.occupantJid), 5000, 'the caller\'s presence');
    assert.ok(hasFeature(seen, FEATURE_JIGASI), 'the caller carries the jigasi feature');
    assert.is(text(child(seen, 'nick', 'http://jabber.org/protocol/nick')), 'Phone •••• 67', 'the caller\'s display name');
    assert.equal(sourceInfoOf(seen)[`${leg.params.nick}-a0`], { muted: false }, 'the caller\'s audio source, unmuted');
    const role = child(child(seen, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role;
    assert.is.not(role, 'moderator', 'a trusted gateway\'s caller is never made moderator');

    // The caller's tone reaches the participant, with its audio level for dominant-speaker detection.
    const legTone = toneFrames(440, 50);
    await play(legTone, (opus, pcm) => leg!.sendAudio(opus, audioLevelOf(pcm)));
    await waitUntil('the caller\'s packets reach the participant', () => host.received.filter((p) => p.header.ssrc === leg!.ssrc).length >= 45, 5000);
    const fromLeg = host.received.filter((p) => p.header.ssrc === leg!.ssrc).sort((a, b) => a.header.sequenceNumber - b.header.sequenceNumber);
    assertTone(fromLeg.map((p) => p.payload), 440, 'the participant hears the caller');
    const levelId = host.negotiated.audioLevelId;
    assert.ok(levelId !== undefined);
    const level = fromLeg[10]?.header.extensions.find((e) => e.id === levelId)?.payload[0];
    assert.is(level, 0x80 | audioLevelOf(legTone[10]!), 'the RFC 6464 level (voice, −dBov) travels with the packet');
    const levelsRead = Number((await bridgeHttpStats(stack.bridges[0]!)).forwarding_audio_levels);
    assert.ok(levelsRead >= 45, `the bridge read the caller's levels for dominant-speaker detection (${levelsRead})`);

    // The participant's tone reaches the caller as `audio` events.
    const heard: { seq: number; payload: Uint8Array }[] = [];
    const off = leg.events.on('audio', (ssrc, seq, _ts, payload) => {
      if (ssrc === host.audioSsrc) heard.push({ seq, payload: Uint8Array.from(payload) });
    });
    await play(toneFrames(660, 50), (opus) => host.sendAudio(Buffer.from(opus)));
    await waitUntil('the participant\'s packets reach the caller', () => heard.length >= 45, 5000);
    off();
    assertTone(heard.sort((a, b) => a.seq - b.seq).map((h) => h.payload), 660, 'the caller hears the participant');

    // The host's video reaches the bridge but is not forwarded to the audio-only caller (the only other receiver).
    const before = await bridgeHttpStats(stack.bridges[0]!);
    for (let i = 0; i < 20; i++) {
      host.sendVideo(VP8_KEY_FRAME);
      await sleep(20);
    }
    await waitUntil('the bridge received the video', async () => Number((await bridgeHttpStats(stack.bridges[0]!)).forwarding_rtp_packets_received) >= Number(before.forwarding_rtp_packets_received) + 20, 5000);
    const after = await bridgeHttpStats(stack.bridges[0]!);
    assert.is(after.forwarding_rtp_packets_forwarded, before.forwarding_rtp_packets_forwarded, 'no video is forwarded to the caller');

    // A second participant comes and goes: the leg learns its source and then that it is gone.
    const guest = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'standup' });
    people.push(guest);
    await waitUntil('source-add reaches the leg', () => leg!.remoteSources.some((s) => s.ssrc === guest.audioSsrc && s.owner === guest.id), 10_000);
    const removedSource = nextEvent(leg.events, 'sourceRemoved', (ssrc) => ssrc === guest.audioSsrc, 10_000);
    await guest.close();
    await removedSource;

    // A moderator's mute reaches the caller; its presence says so.
    const muted = nextEvent(leg.events, 'mutedByFocus', () => true, 5000);
    const reply = await host.signalling.request(el('iq', { type: 'set', to: host.signalling.focusOccupant },
      el('mute', { xmlns: NS_MUTE_AUDIO, jid: leg.occupantJid }, 'true')));
    assert.is(reply.attrs.type, 'result', 'the focus accepts the moderator\'s mute');
    await muted;
    assert.ok(leg.isMuted, 'the leg is muted');
    await host.signalling.client.next((e) => occupantPresence(leg!.occupantJid)(e) && sourceInfoOf(e)[`${leg!.params.nick}-a0`]?.muted === true, 5000, 'muted presence');
    const whileMuted = host.received.filter((p) => p.header.ssrc === leg!.ssrc).length;
    await play(toneFrames(440, 10), (opus, pcm) => leg!.sendAudio(opus, audioLevelOf(pcm)));
    assert.is(host.received.filter((p) => p.header.ssrc === leg!.ssrc).length, whileMuted, 'nothing is sent while muted');

    // The caller unmutes (*6): the focus lifts the bridge's force-mute and the caller is heard again.
    leg.setMuted(false);
    await host.signalling.client.next((e) => occupantPresence(leg!.occupantJid)(e) && sourceInfoOf(e)[`${leg!.params.nick}-a0`]?.muted === false, 5000, 'unmuted presence');
    await play(toneFrames(440, 25), (opus, pcm) => leg!.sendAudio(opus, audioLevelOf(pcm)));
    await waitUntil('the caller is heard again', () => host.received.filter((p) => p.header.ssrc === leg!.ssrc).length >= whileMuted + 15, 5000);
    // On the bridge: the moderator's mute forced the caller's audio off, the caller's unmute lifted it (COLIBRI2 as the bridge got it).
    const forced = (audio: boolean) => (): boolean => stack.colibri[0]!.exchanges.some((x) => x.request.endpoints.some((e) => e.id === leg!.params.nick && e.forceMute?.audio === audio));
    assert.ok(forced(true)(), 'the bridge was told to force-mute the caller');
    await waitUntil('the bridge is told to lift the force-mute', forced(false), 5000);

    // Leaving: the occupant goes and the focus tells the participant the source is gone.
    const ssrc = leg.ssrc;
    await leg.leave();
    await host.signalling.client.next(occupantPresence(leg.occupantJid, 'unavailable'), 5000, 'the caller leaves');
    // (the guest's source-remove came earlier: look for the one naming the caller's SSRC)
    await host.signalling.client.next((e) => {
      const j = e.name === 'iq' ? child(e, 'jingle', NS_JINGLE) : undefined;
      if (j?.attrs.action !== 'source-remove') return false;
      const decoded = decodeJingle(j);
      if (!decoded.ok) return false;
      const gone = Object.values(decoded.value.jsonSources ?? {}).flatMap((x) => x.audio).concat(decoded.value.contents.flatMap((c) => c.description?.sources ?? []));
      return gone.some((x) => x.ssrc === ssrc);
    }, 5000, 'source-remove of the caller\'s audio');
  } finally {
    await leg?.leave();
    for (const p of people) await p.close();
  }
}));

test.run();
