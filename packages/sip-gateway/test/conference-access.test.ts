// Issue 8, "in the conference": who may join. A moderator (a werift participant through the real
// focus) locks the room: a caller without the password is refused with a typed error the call flow
// answers 403, one with it gets in; the moderator's kick ends the call; with the lobby on, a caller
// without the password is refused (403) and the password passes it; a room the focus does not
// serve gives 404.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { el } from '@plenum/xmpp/codec';
import { nextEvent } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { ConferenceLeg, isConferenceLegError, sipStatusFor } from '../src/conference/index.ts';
import { becomesModerator, configureRoom, legParams, withStack } from './conference-harness.ts';

test('a locked room refuses a caller without the password (403) and takes one with it; a kick ends the call; the password passes the lobby; an unknown room gives 404', () => withStack(async ({ stack, deps, route }) => {
  let host: MediaParticipant | undefined;
  let leg: ConferenceLeg | undefined;
  try {
    host = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'locked' });
    await host.connected();
    await becomesModerator(host);
    const lock = await configureRoom(host, { 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'open sesame' });
    assert.is(lock.attrs.type, 'result', 'the moderator locks the room');

    const refused = await ConferenceLeg.join(deps, legParams('locked'), route).then(() => undefined, (e: unknown) => e);
    assert.ok(isConferenceLegError(refused, 'room-locked'), `typed error: ${String(refused)}`);
    assert.is(refused.condition, 'not-authorized', 'it carries the MUC condition');
    assert.is(sipStatusFor(refused), 403, 'the call is answered 403 Forbidden');

    leg = await ConferenceLeg.join(deps, legParams('locked', { password: 'open sesame' }), route);
    assert.ok(leg.isConnected, 'with the password the caller is in, media up');

    // The moderator kicks the caller: the call learns it is out.
    const ended = nextEvent(leg.events, 'ended', () => true, 5000);
    const kick = await host.signalling.request(el('iq', { type: 'set', to: host.signalling.roomJid },
      el('query', { xmlns: 'http://jabber.org/protocol/muc#admin' }, el('item', { nick: leg.params.nick, role: 'none' }))));
    assert.is(kick.attrs.type, 'result', 'the moderator kicks the caller');
    assert.equal(await ended, ['kicked from the room']);
    assert.not.ok(leg.isConnected, 'its media is closed');

    // The moderator turns the lobby on: a caller without the password would have to knock (403),
    // the password lets a caller past the lobby.
    const lobby = await configureRoom(host, { 'muc#roomconfig_membersonly': '1' });
    assert.is(lobby.attrs.type, 'result', 'the moderator enables the lobby');
    const knocking = await ConferenceLeg.join(deps, legParams('locked'), route).then(() => undefined, (e: unknown) => e);
    assert.ok(isConferenceLegError(knocking, 'members-only'), `typed error: ${String(knocking)}`);
    assert.is(sipStatusFor(knocking), 403);
    leg = await ConferenceLeg.join(deps, legParams('locked', { password: 'open sesame' }), route);
    assert.ok(leg.isConnected, 'the password passes the lobby');

    // A room the focus does not serve: the focus refuses it, the call gets 404.
    const nowhere = await ConferenceLeg.join(deps, { roomJid: 'nowhere@elsewhere.example', nick: 'abcd0123', displayName: 'Phone' }, route)
      .then(() => undefined, (e: unknown) => e);
    assert.ok(isConferenceLegError(nowhere, 'room-not-found'), `typed error: ${String(nowhere)}`);
    assert.is(sipStatusFor(nowhere), 404, 'no such conference: 404 Not Found');
  } finally {
    await leg?.leave();
    await host?.close();
  }
}));

test.run();
