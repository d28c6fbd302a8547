// The bridge → focus notice that the media plane lost an endpoint (Plenum's own; COLIBRI2 has no
// bridge-initiated message; see docs/architecture.md "Bridge → focus: endpoint lost"):
//
//   <iq type="set" from="<brewery>/<bridge nick>" to="<focus>">
//     <endpoint-lost xmlns="urn:plenum:bridge:0" meeting-id="…" endpoint-id="…" reason="consent-expired"/>
//   </iq>
//
// Accepted only from the brewery occupant JID of the bridge that hosts that meeting (the MUC stamps
// `from`, and the focus learned that JID from the bridge's own presence); anything else is refused
// with `forbidden`, malformed notices with `bad-request`. When the participant is still in the room
// with a session, the focus re-invites it as it does for a client's session-terminate with restart
// (protocols.md §2.3, §12 "ICE failure"): session-terminate (connectivity-error, `<bridge-session
// restart="true"/>`), the endpoint expired on the bridge, then a fresh allocation and session-initiate.
// The re-invite counts against the participant's restart limit, so a client that keeps losing its
// media is not re-invited in a loop; over the limit its session ends (it stays in the room).
import type { El, Jingle } from '@plenum/xmpp/codec';
import { FocusError } from '../errors.ts';
import type { Conference } from '../conference/conference.ts';

export const NS_PLENUM_BRIDGE = 'urn:plenum:bridge:0';

/** A decoded notice. */
export type EndpointLost = { readonly meetingId: string; readonly endpointId: string; readonly reason: string };

const MAX_ATTR = 256;

/** Reads the `<endpoint-lost>` payload; throws FocusError bad-request when an attribute is missing or absurd. */
export function decodeEndpointLost(payload: El): EndpointLost {
  const meetingId = payload.attrs['meeting-id'];
  const endpointId = payload.attrs['endpoint-id'];
  const reason = payload.attrs.reason ?? 'unknown';
  if (meetingId === undefined || meetingId === '' || endpointId === undefined || endpointId === '') {
    throw FocusError.badRequest('endpoint-lost needs meeting-id and endpoint-id');
  }
  if (meetingId.length > MAX_ATTR || endpointId.length > MAX_ATTR || reason.length > MAX_ATTR) throw FocusError.badRequest('endpoint-lost attribute too long');
  return { meetingId, endpointId, reason };
}

/**
 * Handles a notice from `from` against the running conferences: refuses it unless `from` is the
 * conference's bridge, then re-invites the participant if it still has a session. Returns undefined
 * (an empty result) when accepted, whether or not there was anything to do.
 */
export function handleEndpointLost(conferences: readonly Conference[], from: string | undefined, payload: El): undefined {
  const notice = decodeEndpointLost(payload);
  const conf = conferences.find((c) => c.isRunning && c.meetingId === notice.meetingId);
  const bridge = conf?.bridge.session?.bridge;
  // One answer for "no such meeting" and "not its bridge": a stranger learns nothing about meeting ids.
  if (conf === undefined || bridge === undefined || from === undefined || from !== bridge.jid) {
    throw FocusError.forbidden('endpoint-lost is accepted only from the bridge hosting that meeting');
  }
  const p = conf.participants.get(notice.endpointId);
  const sid = p?.session.sid;
  const phase = p?.session.phase;
  if (p === undefined || sid === undefined || (phase !== 'offered' && phase !== 'active')) {
    conf.log.info('bridge lost an endpoint without a session', { participant: notice.endpointId, bridge: bridge.id, reason: notice.reason });
    return undefined;
  }
  const terminate: Jingle = {
    action: 'session-terminate', sid, contents: [], groups: [],
    reason: { condition: 'connectivity-error', text: 'media connection lost' },
    ...(p.session.bridgeSessionId !== undefined ? { bridgeSession: { id: p.session.bridgeSessionId, restart: true } } : {}),
  };
  conf.sendJingle(p, terminate).catch((error: unknown) => conf.log.debug('session-terminate not acknowledged', { participant: p.endpointId, err: (error as Error).message }));
  const step = conf.apply(p, { kind: 'terminate', sid, isRestart: true, nowMs: conf.deps.clock.now() });
  if (step.refusal === 'restart-rate') {
    conf.log.warn('bridge lost an endpoint again too soon: session ended, not re-invited', { participant: p.endpointId, bridge: bridge.id, reason: notice.reason });
  } else {
    conf.log.info('bridge lost an endpoint: re-inviting', { participant: p.endpointId, bridge: bridge.id, reason: notice.reason });
  }
  return undefined;
}
