import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el, text } from '../xml/element.ts';
import { NS_COLIBRI2 } from '../colibri2/colibri2-types.ts';
import { NS_FOCUS } from '../jitsi-focus/focus-types.ts';
import { NS_JITSI_START_MUTED } from '../jitsi-focus/start-muted.ts';
import type {
  BridgeSession, EndpointSources, IceUdpTransport, Jingle, JingleAction, JingleContent, JingleReasonCondition, RtpDescription,
} from './jingle-types.ts';
import type { JingleError, JingleLimits, SourceBudget } from './jingle-error.ts';
import { jingleError, newSourceBudget } from './jingle-error.ts';
import { NS_JINGLE, NS_JINGLE_GROUPING, NS_JINGLE_ICE_UDP, NS_JINGLE_RTP, NS_JITSI_MEET } from './namespaces.ts';
import { parseInteger, parseXsBoolean } from './parse-attrs.ts';
import { encodeRtpDescription, rtpDescriptionWithin } from './rtp-description.ts';
import { decodeIceUdpTransport, encodeIceUdpTransport } from './ice-udp-transport.ts';
import { encodeJsonSources, jsonSourcesWithin } from './json-sources.ts';

// XEP-0166 `<jingle>` as Jitsi's focus and clients exchange it (protocols.md §2): contents with an
// XEP-0167 RTP description and an XEP-0176 transport, XEP-0338 groups, XEP-0166 §7.4 reasons, and
// Jitsi's bridge-session, json-message sources, startmuted and ice-state. Unknown extension
// elements are ignored on decode; malformed known elements are typed errors; nothing throws.

export {
  NS_JINGLE, NS_JINGLE_RTP, NS_JINGLE_RTCP_FB, NS_JINGLE_RTP_HDREXT, NS_JINGLE_ICE_UDP, NS_JINGLE_DTLS,
  NS_JINGLE_DTLS_SCTP, NS_JINGLE_SSMA, NS_JINGLE_GROUPING, NS_JITSI_MEET, NS_COLIBRI_WS,
} from './namespaces.ts';
export type { JingleError, JingleErrorCode, JingleLimits } from './jingle-error.ts';

const ACTIONS: ReadonlySet<string> = new Set<JingleAction>([
  'session-initiate', 'session-accept', 'session-terminate', 'session-info', 'source-add', 'source-remove',
  'transport-info', 'transport-replace', 'transport-accept', 'content-modify',
]);
const REASONS: ReadonlySet<string> = new Set<JingleReasonCondition>([
  'success', 'busy', 'cancel', 'connectivity-error', 'decline', 'expired', 'failed-application', 'failed-transport',
  'general-error', 'gone', 'incompatible-parameters', 'media-error', 'security-error', 'timeout',
  'unsupported-applications', 'unsupported-transports', 'alternative-session',
]);
const SENDERS: ReadonlySet<string> = new Set(['both', 'initiator', 'responder', 'none']);

/** source-add / source-remove contents are bare references by name (jicofo and lib-jitsi-meet omit creator/senders). */
const isSourceAction = (a: JingleAction): boolean => a === 'source-add' || a === 'source-remove';

/** An element of namespace `ns`, written with that xmlns or inheriting it. */
const inherits = (e: El, ns: string): boolean => e.attrs.xmlns === undefined || e.attrs.xmlns === ns;

function decodeContent(c: El, budget: SourceBudget): Result<JingleContent, JingleError> {
  const name = c.attrs.name;
  if (name === undefined || name === '') return jingleError('jingle/bad-content', 'content without name');
  // XEP-0166 §7.3: creator is required, but Jitsi's source-add/-remove and transport-info contents
  // may omit it (and senders, whose default is "both").
  const creator = c.attrs.creator ?? 'initiator';
  if (creator !== 'initiator' && creator !== 'responder') return jingleError('jingle/bad-content', `content ${name}: bad creator`);
  let senders = c.attrs.senders ?? 'both';
  // COMPAT(lib-jitsi-meet): a rejected m-line (port 0 without bundle-only) is sent as senders="rejected".
  if (senders === 'rejected') senders = 'none';
  if (!SENDERS.has(senders)) return jingleError('jingle/bad-content', `content ${name}: bad senders "${senders}"`);

  let transport: IceUdpTransport | undefined;
  let descriptionEl: El | undefined;
  let initialLastN: number | undefined;
  for (const x of c.children) {
    if (typeof x === 'string') continue;
    if (x.name === 'description') {
      // An application other than RTP (file transfer, …) cannot be handled: refuse the content.
      if (x.attrs.xmlns !== NS_JINGLE_RTP) return jingleError('jingle/bad-content', `content ${name}: unsupported application`);
      if (descriptionEl !== undefined) return jingleError('jingle/bad-content', `content ${name}: two descriptions`);
      descriptionEl = x;
    } else if (x.name === 'transport' && x.attrs.xmlns === NS_JINGLE_ICE_UDP && transport === undefined) {
      const t = decodeIceUdpTransport(x);
      if (!t.ok) return t;
      transport = t.value;
    } else if (x.name === 'initial-last-n' && x.attrs.xmlns === NS_COLIBRI2) {
      initialLastN = parseInteger(x.attrs.value, -1, 0x7fff_ffff);
      if (initialLastN === undefined) return jingleError('jingle/bad-content', `content ${name}: bad initial-last-n`);
    }
  }

  let description: RtpDescription | undefined;
  let hasApplicationDescription = false;
  if (descriptionEl !== undefined) {
    if (descriptionEl.attrs.media === 'application') {
      // jicofo's data content carries `<description media="application"/>`; anywhere else it is unknown media.
      if (name !== 'data' && transport?.sctp === undefined) {
        return jingleError('jingle/bad-content', `content ${name}: media "application" outside the data content`);
      }
      hasApplicationDescription = true;
    } else {
      const d = rtpDescriptionWithin(descriptionEl, budget);
      if (!d.ok) return d;
      description = d.value;
    }
  }
  return ok({
    name, creator, senders: senders as JingleContent['senders'],
    ...(description !== undefined ? { description } : {}),
    ...(transport !== undefined ? { transport } : {}),
    ...(initialLastN !== undefined ? { initialLastN } : {}),
    ...(hasApplicationDescription ? { hasApplicationDescription } : {}),
  });
}

function decodeBridgeSession(b: El): Result<BridgeSession, JingleError> {
  const id = b.attrs.id;
  if (id === undefined || id === '') return jingleError('jingle/bad-bridge-session', 'bridge-session without id');
  const restart = parseXsBoolean(b.attrs.restart);
  const iceRestart = parseXsBoolean(b.attrs['ice-restart']);
  if ((b.attrs.restart !== undefined && restart === undefined) || (b.attrs['ice-restart'] !== undefined && iceRestart === undefined)) {
    return jingleError('jingle/bad-bridge-session', 'bridge-session restart flags must be true or false');
  }
  return ok({
    id,
    ...(b.attrs.region !== undefined ? { region: b.attrs.region } : {}),
    ...(restart !== undefined ? { restart } : {}),
    ...(iceRestart !== undefined ? { iceRestart } : {}),
  });
}

/** XEP-0166 §7.4: the first child element other than `<text>` is the condition; unknown ones read as general-error. */
function decodeReason(r: El): NonNullable<Jingle['reason']> {
  let condition: JingleReasonCondition | undefined;
  let reasonText: string | undefined;
  for (const x of r.children) {
    if (typeof x === 'string' || !inherits(x, NS_JINGLE)) continue;
    if (x.name === 'text') reasonText ??= text(x);
    else condition ??= REASONS.has(x.name) ? (x.name as JingleReasonCondition) : 'general-error';
  }
  return { condition: condition ?? 'general-error', ...(reasonText !== undefined ? { text: reasonText } : {}) };
}

/**
 * Reads a `<jingle xmlns="urn:xmpp:jingle:1">` element. More than `limits.maxSources` (default
 * 256) sources in the whole element, counting XEP-0339 and JSON sources, fails early with
 * `jingle/too-many-sources`. Never throws.
 */
export function decodeJingle(jingle: El, limits: JingleLimits = {}): Result<Jingle, JingleError> {
  if (jingle.name !== 'jingle' || jingle.attrs.xmlns !== NS_JINGLE) {
    return jingleError('jingle/unexpected-element', `expected {${NS_JINGLE}}jingle`);
  }
  const action = jingle.attrs.action;
  if (action === undefined || !ACTIONS.has(action)) return jingleError('jingle/unknown-action', `unknown action "${action ?? ''}"`);
  const sid = jingle.attrs.sid;
  if (sid === undefined || sid === '') return jingleError('jingle/missing-sid', 'jingle without sid');

  const budget = newSourceBudget(limits);
  const contents: JingleContent[] = [];
  const groups: { semantics: string; contents: string[] }[] = [];
  let bridgeSession: BridgeSession | undefined;
  let reason: Jingle['reason'];
  let jsonSources: Record<string, EndpointSources> | undefined;
  let startMuted: Jingle['startMuted'];
  let iceState: string | undefined;
  for (const x of jingle.children) {
    if (typeof x === 'string') continue;
    const ns = x.attrs.xmlns;
    if (x.name === 'content' && inherits(x, NS_JINGLE)) {
      const c = decodeContent(x, budget);
      if (!c.ok) return c;
      contents.push(c.value);
    } else if (x.name === 'group' && ns === NS_JINGLE_GROUPING) {
      // COMPAT(old Jitsi): `type` instead of XEP-0338's `semantics`.
      const semantics = x.attrs.semantics ?? x.attrs.type ?? '';
      if (semantics === '') return jingleError('jingle/bad-content', 'group without semantics');
      const names: string[] = [];
      for (const g of x.children) {
        if (typeof g === 'string' || g.name !== 'content') continue;
        const n = g.attrs.name;
        if (n === undefined || n === '') return jingleError('jingle/bad-content', 'group content without name');
        names.push(n);
      }
      groups.push({ semantics, contents: names });
    } else if (x.name === 'bridge-session' && ns === NS_FOCUS && bridgeSession === undefined) {
      const b = decodeBridgeSession(x);
      if (!b.ok) return b;
      bridgeSession = b.value;
    } else if (x.name === 'reason' && inherits(x, NS_JINGLE) && reason === undefined) {
      reason = decodeReason(x);
    } else if (x.name === 'json-message' && ns === NS_JITSI_MEET && jsonSources === undefined) {
      const j = jsonSourcesWithin(text(x), limits, budget);
      if (!j.ok) return j;
      jsonSources = j.value;
    } else if (x.name === 'startmuted' && ns === NS_JITSI_START_MUTED && startMuted === undefined) {
      // jicofo reads these with Boolean.parseBoolean: anything but "true" is false.
      startMuted = { audio: parseXsBoolean(x.attrs.audio) === true, video: parseXsBoolean(x.attrs.video) === true };
    } else if (x.name === 'ice-state' && ns === NS_FOCUS && iceState === undefined) {
      iceState = text(x).trim();
    }
  }
  return ok({
    action: action as JingleAction, sid,
    ...(jingle.attrs.initiator !== undefined ? { initiator: jingle.attrs.initiator } : {}),
    ...(jingle.attrs.responder !== undefined ? { responder: jingle.attrs.responder } : {}),
    contents, groups,
    ...(bridgeSession !== undefined ? { bridgeSession } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(jsonSources !== undefined ? { jsonSources } : {}),
    ...(startMuted !== undefined ? { startMuted } : {}),
    ...(iceState !== undefined ? { iceState } : {}),
  });
}

function encodeContent(c: JingleContent, isNameOnly: boolean): El {
  return el('content', { creator: isNameOnly ? undefined : c.creator, name: c.name, senders: isNameOnly ? undefined : c.senders },
    c.initialLastN !== undefined && el('initial-last-n', { xmlns: NS_COLIBRI2, value: c.initialLastN }),
    c.description !== undefined && encodeRtpDescription(c.description),
    c.description === undefined && c.hasApplicationDescription === true && el('description', { xmlns: NS_JINGLE_RTP, media: 'application' }),
    c.transport !== undefined && encodeIceUdpTransport(c.transport));
}

/**
 * Writes a `<jingle>` element. Contents of source-add / source-remove are written by name only
 * (as jicofo and lib-jitsi-meet send them); every other content carries creator and senders.
 */
export function encodeJingle(j: Jingle): El {
  const isNameOnly = isSourceAction(j.action);
  const b = j.bridgeSession;
  return el('jingle', { xmlns: NS_JINGLE, action: j.action, initiator: j.initiator, responder: j.responder, sid: j.sid },
    j.contents.map((c) => encodeContent(c, isNameOnly)),
    j.groups.map((g) => el('group', { xmlns: NS_JINGLE_GROUPING, semantics: g.semantics },
      g.contents.map((name) => el('content', { name })))),
    j.reason !== undefined && el('reason', {}, el(j.reason.condition), j.reason.text !== undefined && el('text', {}, j.reason.text)),
    b !== undefined && el('bridge-session', { xmlns: NS_FOCUS, id: b.id, region: b.region, restart: b.restart, 'ice-restart': b.iceRestart }),
    j.jsonSources !== undefined && el('json-message', { xmlns: NS_JITSI_MEET }, encodeJsonSources(j.jsonSources)),
    j.startMuted !== undefined && el('startmuted', { xmlns: NS_JITSI_START_MUTED, audio: j.startMuted.audio, video: j.startMuted.video }),
    j.iceState !== undefined && el('ice-state', { xmlns: NS_FOCUS }, j.iceState));
}
