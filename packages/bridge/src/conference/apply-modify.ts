// COLIBRI2 conference-modify semantics (protocols.md §3), following jitsi-videobridge's
// Videobridge.handleConferenceModifyIq and Colibri2ConferenceHandler: the request is validated as a
// whole first, then applied, so a refused request changes nothing. Pure over the registry: time,
// transports and SSRCs come from the context.
import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type {
  Colibri2Endpoint, Colibri2MediaSource, ConferenceModified, ConferenceModify, IceUdpTransport,
} from '@plenum/xmpp/codec';
import type { BridgeError } from '../errors.ts';
import { BridgeErrors } from '../errors.ts';
import type { ConferenceRegistry, ConferenceState, EndpointState } from './conference-registry.ts';

/** The data channel's SCTP port; JVB refuses any other (DcSctpTransport.DEFAULT_SCTP_PORT). */
export const SCTP_PORT = 5000;
/** Capability every endpoint must declare (JVB: "Source name support is mandatory"). */
export const CAPABILITY_SOURCE_NAMES = 'source-names';

/** What applying a request needs besides the registry. */
export type ModifyContext = {
  readonly nowMs: number;
  readonly maxEndpoints: number;
  /** False in graceful shutdown or while shutting down: new conferences get GRACEFUL_SHUTDOWN. */
  readonly isAcceptingConferences: boolean;
  newTransport(meetingId: string, endpointId: string): IceUdpTransport;
  /** A random non-zero SSRC for the bridge's feedback sources. */
  newSsrc(): number;
};

/** Lifecycle transitions, for logs and events. */
export type ConferenceEvent =
  | { readonly kind: 'conference-created'; readonly meetingId: string }
  | { readonly kind: 'conference-expired'; readonly meetingId: string; readonly reason: 'requested' | 'last-endpoint-left' | 'idle' }
  | { readonly kind: 'endpoint-created'; readonly meetingId: string; readonly endpointId: string }
  | { readonly kind: 'endpoint-expired'; readonly meetingId: string; readonly endpointId: string; readonly reason?: EndpointLossReason }
  /** The focus relayed the endpoint's side of the transport (ICE credentials, DTLS fingerprints). */
  | { readonly kind: 'endpoint-transport-updated'; readonly meetingId: string; readonly endpointId: string; readonly transport: IceUdpTransport };

/** Why the media plane gave an endpoint up (endpoints the focus expires carry no reason). */
export type EndpointLossReason = 'consent-expired' | 'transport-failed';

/** The reply and what happened. */
export type ModifyOutcome = { readonly reply: ConferenceModified; readonly events: readonly ConferenceEvent[] };

/** The bridge's feedback sources, as jicofo expects them in the first conference-modified. */
export function feedbackSources(audioSsrc: number, videoSsrc: number): Colibri2MediaSource[] {
  return [
    { type: 'audio', id: 'jvb-a0', sources: [{ ssrc: audioSsrc, name: 'jvb-a0', msid: 'mixedmslabel mixedlabelaudio0', parameters: [] }], sourceGroups: [] },
    { type: 'video', id: 'jvb-v0', sources: [{ ssrc: videoSsrc, name: 'jvb-v0', msid: 'mixedmslabel mixedlabelvideo0', parameters: [] }], sourceGroups: [] },
  ];
}

/** Touches media, transport or sources: such requests may not name unknown endpoints. */
const isSubstantive = (e: Colibri2Endpoint): boolean => e.create === true || e.media.length > 0 || e.transport !== undefined || e.sources !== undefined;

/** Validates one endpoint entry against the ids that will exist at that point of the request. */
function validateEndpoint(e: Colibri2Endpoint, ids: Set<string>, ignoreUnknown: boolean): BridgeError | undefined {
  if (e.expire === true) {
    ids.delete(e.id);
    return undefined;
  }
  if (e.create === true) {
    if (ids.has(e.id)) return BridgeErrors.endpointExists(e.id);
    if (e.transport === undefined) return BridgeErrors.badRequest(`Attempt to create endpoint ${e.id} with no <transport>`);
    if (!e.capabilities.includes(CAPABILITY_SOURCE_NAMES)) return BridgeErrors.badRequest('Source name support is mandatory.');
    const sctp = e.transport.sctp;
    if (sctp?.role !== undefined && sctp.role !== 'server') return BridgeErrors.notImplemented(`SCTP role ${sctp.role}`);
    if (sctp?.port !== undefined && sctp.port !== SCTP_PORT) return BridgeErrors.badRequest('Specific SCTP port requested, not supported.');
    ids.add(e.id);
  } else if (!ids.has(e.id) && !ignoreUnknown) {
    return BridgeErrors.unknownEndpoint(e.id);
  }
  if (e.mucRole === 'visitor' && (e.sources?.some((s) => s.sources.length > 0) ?? false)) {
    return BridgeErrors.badRequest(`Attempt to set sources for visitor endpoint ${e.id}`);
  }
  return undefined;
}

function createEndpoint(meetingId: string, e: Colibri2Endpoint, ctx: ModifyContext): EndpointState {
  return {
    id: e.id, statsId: e.statsId, isVisitor: e.mucRole === 'visitor', capabilities: e.capabilities,
    hasSctp: e.transport?.sctp !== undefined, createdAtMs: ctx.nowMs, localTransport: ctx.newTransport(meetingId, e.id),
    remoteTransport: undefined, media: [], sources: [], forceMute: { audio: false, video: false }, initialLastN: undefined,
  };
}

/** Applies the parts of an endpoint entry that update state (media, transport, sources, mute, last-N). */
function updateEndpoint(ep: EndpointState, e: Colibri2Endpoint): void {
  if (e.statsId !== undefined) ep.statsId = e.statsId;
  if (e.media.length > 0) ep.media = e.media;
  if (e.transport?.iceUdp !== undefined) ep.remoteTransport = e.transport.iceUdp;
  if (e.sources !== undefined) ep.sources = e.sources;
  if (e.forceMute !== undefined) ep.forceMute = e.forceMute;
  if (e.initialLastN !== undefined) ep.initialLastN = e.initialLastN;
}

/**
 * Applies one conference-modify. Conference-level: `create` of an existing meeting id is
 * CONFERENCE_ALREADY_EXISTS, anything else for an unknown one CONFERENCE_NOT_FOUND, a new conference
 * in graceful shutdown GRACEFUL_SHUTDOWN. Endpoint-level as JVB: unknown endpoints are ignored only
 * in requests that just expire or force-mute. A request without `create` that leaves no endpoint
 * expires the conference.
 */
export function applyConferenceModify(reg: ConferenceRegistry, req: ConferenceModify, ctx: ModifyContext): Result<ModifyOutcome, BridgeError> {
  if (req.unsupported !== undefined && req.unsupported.length > 0) return err(BridgeErrors.notImplemented(`COLIBRI2 <${req.unsupported.join('>, <')}>`));
  const existing = reg.get(req.meetingId);
  if (req.create === true) {
    if (existing !== undefined) return err(BridgeErrors.conferenceExists(req.meetingId));
    if (!ctx.isAcceptingConferences) return err(BridgeErrors.gracefulShutdown());
  } else if (existing === undefined) {
    return err(BridgeErrors.conferenceNotFound(req.meetingId));
  }

  const events: ConferenceEvent[] = [];
  if (req.expire === true) {
    if (existing !== undefined) {
      reg.removeConference(req.meetingId);
      events.push({ kind: 'conference-expired', meetingId: req.meetingId, reason: 'requested' });
    }
    return ok({ reply: { endpoints: [] }, events });
  }

  const ids = new Set(existing?.endpoints.keys() ?? []);
  const ignoreUnknown = !req.endpoints.some(isSubstantive);
  for (const e of req.endpoints) {
    const problem = validateEndpoint(e, ids, ignoreUnknown);
    if (problem !== undefined) return err(problem);
  }
  const creates = req.endpoints.filter((e) => e.create === true && e.expire !== true).length;
  const expiring = req.endpoints.filter((e) => e.expire === true && existing?.endpoints.has(e.id) === true).length;
  if (creates > 0 && reg.endpointCount - expiring + creates > ctx.maxEndpoints) return err(BridgeErrors.tooManyEndpoints(ctx.maxEndpoints));

  // Validated: from here on nothing fails.
  let conference: ConferenceState;
  if (existing === undefined) {
    conference = { meetingId: req.meetingId, name: req.name, createdAtMs: ctx.nowMs, feedbackSources: feedbackSources(ctx.newSsrc(), ctx.newSsrc()), endpoints: new Map() };
    reg.addConference(conference);
    events.push({ kind: 'conference-created', meetingId: req.meetingId });
  } else {
    conference = existing;
  }
  const replies: Colibri2Endpoint[] = [];
  for (const e of req.endpoints) {
    if (e.expire === true) {
      if (reg.removeEndpoint(conference, e.id)) events.push({ kind: 'endpoint-expired', meetingId: req.meetingId, endpointId: e.id });
      replies.push({ id: e.id, expire: true, media: [], capabilities: [] });
      continue;
    }
    let ep = conference.endpoints.get(e.id);
    if (e.create === true) {
      ep = createEndpoint(req.meetingId, e, ctx);
      reg.addEndpoint(conference, ep);
      events.push({ kind: 'endpoint-created', meetingId: req.meetingId, endpointId: e.id });
    }
    if (ep === undefined) {
      replies.push({ id: e.id, media: [], capabilities: [] });
      continue;
    }
    updateEndpoint(ep, e);
    if (e.transport?.iceUdp !== undefined) {
      events.push({ kind: 'endpoint-transport-updated', meetingId: req.meetingId, endpointId: e.id, transport: e.transport.iceUdp });
    }
    // A transport goes back on create, and on an ICE restart request: nothing is established
    // yet, so the answer is JVB's KEEP_EXISTING (the current credentials, unchanged).
    const sendTransport = e.create === true || e.transport?.iceRestart === true;
    replies.push({
      id: e.id, media: [], capabilities: [],
      ...(sendTransport
        ? { transport: { iceUdp: ep.localTransport, ...(e.transport?.sctp !== undefined ? { sctp: { port: SCTP_PORT, role: 'server' as const } } : {}) } }
        : {}),
    });
  }
  // JVB includes the feedback sources with every create (conference or endpoint), so a focus
  // handling replies out of order cannot miss them.
  const withSources = req.create === true || req.endpoints.some((e) => e.create === true);
  if (req.create !== true && conference.endpoints.size === 0) {
    reg.removeConference(req.meetingId);
    events.push({ kind: 'conference-expired', meetingId: req.meetingId, reason: 'last-endpoint-left' });
  }
  return ok({ reply: { endpoints: replies, ...(withSources ? { sources: conference.feedbackSources } : {}) }, events });
}

/**
 * Removes an endpoint the media plane gave up on (ICE consent expired, DTLS failed). A conference
 * left empty is not removed here but by expireIdleConferences (at its next sweep once the
 * conference is older than the empty-conference timeout), so a focus not yet told still finds it.
 */
export function expireLostEndpoint(reg: ConferenceRegistry, meetingId: string, endpointId: string, reason: EndpointLossReason): ConferenceEvent[] {
  const conference = reg.get(meetingId);
  if (conference === undefined || !reg.removeEndpoint(conference, endpointId)) return [];
  return [{ kind: 'endpoint-expired', meetingId, endpointId, reason }];
}

/** Expires conferences that have had no endpoint since `timeoutMs` after their creation. */
export function expireIdleConferences(reg: ConferenceRegistry, nowMs: number, timeoutMs: number): ConferenceEvent[] {
  const events: ConferenceEvent[] = [];
  for (const c of [...reg.values()]) {
    if (c.endpoints.size === 0 && nowMs - c.createdAtMs >= timeoutMs) {
      reg.removeConference(c.meetingId);
      events.push({ kind: 'conference-expired', meetingId: c.meetingId, reason: 'idle' });
    }
  }
  return events;
}
