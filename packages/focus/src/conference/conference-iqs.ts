// Jingle and mute IQs a participant sends the focus's occupant JID (protocols.md §2.2–§2.3, §8.5).
// Each handler validates first and changes state only when everything holds, then returns (the
// IQ dispatcher answers `result`) or throws a FocusError (answered as that stanza error). Work on
// the bridge and towards other participants happens after the answer, never before it.
import type { El, EndpointSources } from '@plenum/xmpp/codec';
import { decodeJingle, decodeMuteRequest, el, encodeMuteRequest } from '@plenum/xmpp/codec';
import { FocusError } from '../errors.ts';
import { afterSourceAdd, checkSourceRemove, ownSourcesOf, signalledSources, transportOf } from '../jingle/answer.ts';
import { removeSources, countSources } from '../jingle/source-map.ts';
import type { Conference } from './conference.ts';
import { decideMute } from './mute-policy.ts';
import type { Participant } from './participant-registry.ts';

/** Most sources one Jingle element may carry before decoding stops (the per-endpoint limits apply after). */
const MAX_SOURCES_PER_JINGLE = 256;

/** A `<jingle>` from the occupant `nick`. */
export function handleJingleIq(conf: Conference, nick: string, jingleEl: El): void {
  const p = conf.participants.get(nick);
  if (p === undefined) throw FocusError.unknownSession('you are not a participant of this conference');
  const decoded = decodeJingle(jingleEl, { maxSources: MAX_SOURCES_PER_JINGLE });
  if (!decoded.ok) throw FocusError.badRequest(decoded.error.text);
  const j = decoded.value;
  const limits = conf.deps.settings.sourceLimits;
  switch (j.action) {
    case 'session-accept': {
      if (p.session.phase !== 'offered' || p.session.sid !== j.sid) throw FocusError.unknownSession();
      const sources = ownSourcesOf(j, p.endpointId, limits);
      if (!sources.ok) throw FocusError.badSources(sources.error);
      const conflict = conf.participants.claimSources(p.endpointId, sources.value);
      if (conflict !== undefined) throw FocusError.badSources(conflict);
      const transport = transportOf(j);
      conf.apply(p, { kind: 'accept', sid: j.sid }, transport !== undefined ? { transport } : {});
      conf.log.info('session accepted', { participant: p.endpointId, ...countSources(sources.value) });
      return;
    }
    case 'source-add':
    case 'source-remove': {
      if (p.session.phase !== 'active' || p.session.sid !== j.sid) throw FocusError.unknownSession();
      const signalled = signalledSources(j, p.endpointId);
      if (!signalled.ok) throw FocusError.badSources(signalled.error);
      let next: EndpointSources;
      if (j.action === 'source-add') {
        const total = afterSourceAdd(p.sources, signalled.value, p.endpointId, limits);
        if (!total.ok) throw FocusError.badSources(total.error);
        next = total.value;
      } else {
        const removed = checkSourceRemove(p.sources, signalled.value);
        if (!removed.ok) throw FocusError.badSources(removed.error);
        next = removeSources(p.sources, removed.value);
      }
      const conflict = conf.participants.claimSources(p.endpointId, next);
      if (conflict !== undefined) throw FocusError.badSources(conflict);
      conf.updateBridge(p, { sources: next });
      conf.signaling.changed();
      conf.log.debug('participant sources changed', { participant: p.endpointId, action: j.action, ...countSources(next) });
      return;
    }
    case 'session-terminate': {
      const isRestart = j.bridgeSession?.restart === true;
      const step = conf.apply(p, { kind: 'terminate', sid: j.sid, isRestart, nowMs: conf.deps.clock.now() });
      if (step.refusal === 'unknown-session') throw FocusError.unknownSession();
      conf.log.info(isRestart ? 'session restart requested' : 'session terminated by participant',
        { participant: p.endpointId, reason: j.reason?.condition, text: j.reason?.text });
      if (step.refusal === 'restart-rate') throw FocusError.restartRate();
      return;
    }
    case 'transport-info': {
      // Clients do not trickle candidates to the bridge (protocols.md §12); forwarded when one does.
      if (p.session.sid !== j.sid || (p.session.phase !== 'active' && p.session.phase !== 'offered')) throw FocusError.unknownSession();
      const transport = transportOf(j);
      if (transport !== undefined && p.session.phase === 'active') conf.updateBridge(p, { transport });
      return;
    }
    case 'session-info':
      // The in-place ICE restart (protocols.md §2.3, 2026) is not offered; refusing it makes the client
      // fall back to session-terminate + restart. <ice-state>failed</ice-state> is informative.
      if (j.bridgeSession?.iceRestart === true) throw FocusError.notImplemented('in-place ICE restart is not supported; restart the session');
      if (j.iceState !== undefined) conf.log.info('participant ice state', { participant: p.endpointId, state: j.iceState });
      return;
    case 'session-initiate':
    case 'transport-replace':
    case 'transport-accept':
    case 'content-modify':
      throw FocusError.notImplemented(`${j.action} is not supported by the focus`);
  }
}

/** A `<mute>` from the occupant `nick` (protocols.md §8.5). */
export function handleMuteIq(conf: Conference, nick: string, muteEl: El): void {
  const actor = conf.participants.get(nick);
  if (actor === undefined) throw FocusError.forbidden('only participants may mute');
  const decoded = decodeMuteRequest(muteEl);
  if (!decoded.ok) throw FocusError.badRequest(decoded.error.text);
  const req = decoded.value;
  const prefix = `${conf.roomJid}/`;
  const target = req.jid.startsWith(prefix) ? conf.participants.get(req.jid.slice(prefix.length)) : undefined;
  if (target === undefined) throw FocusError.unknownParticipant(`${req.jid} is not a participant of this conference`);
  const decision = decideMute(req, { endpointId: actor.endpointId, isModerator: actor.role === 'moderator' }, target.endpointId);
  switch (decision.kind) {
    case 'refused':
      throw decision.condition === 'forbidden' ? FocusError.forbidden(decision.text) : FocusError.notAllowed(decision.text);
    case 'self':
      if (!decision.mute && target.forceMuted[decision.bridgeMedia]) {
        target.forceMuted[decision.bridgeMedia] = false;
        conf.updateBridge(target, { forceMute: true });
      }
      return;
    case 'force-mute':
      forceMute(conf, actor, target, req.media, decision.bridgeMedia);
  }
}

function forceMute(conf: Conference, actor: Participant, target: Participant, media: 'audio' | 'video' | 'desktop', bridgeMedia: 'audio' | 'video'): void {
  target.forceMuted[bridgeMedia] = true;
  conf.updateBridge(target, { forceMute: true });
  const s = conf.deps.settings;
  const iq = el('iq', { type: 'set', from: s.focusJid, to: target.occupantJid, id: conf.deps.ids.next() },
    encodeMuteRequest({ media, jid: target.occupantJid, mute: true, actor: actor.occupantJid }));
  conf.deps.channel.request(iq, { timeoutMs: s.jingleTimeoutMs })
    .catch((error: unknown) => conf.log.debug('mute not acknowledged', { participant: target.endpointId, err: (error as Error).message }));
  conf.log.info('participant muted by moderator', { participant: target.endpointId, actor: actor.endpointId, media });
}
