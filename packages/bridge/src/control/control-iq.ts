// The bridge's IQ dispatcher (style C7): one place turns every request into a result or an error.
// COLIBRI2 conference-modify (protocols.md §3) and jicofo's health check are obeyed only from an
// authorised focus (sender-policy.ts); XEP-0199 ping is answered for anyone.
import type { Logger, StanzaErrorBody } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import {
  iqPayload, parseJid, NS_COLIBRI2, NS_HEALTHCHECK, decodeConferenceModify, encodeColibri2Error,
  encodeColibri2ErrorEndpoint, encodeConferenceModified,
} from '@plenum/xmpp/codec';
import type { ConferenceRegistry } from '../conference/conference-registry.ts';
import type { ConferenceEvent, ModifyContext } from '../conference/apply-modify.ts';
import { applyConferenceModify } from '../conference/apply-modify.ts';
import type { BreweryRoster } from '../brewery/brewery-roster.ts';
import type { BridgeError } from '../errors.ts';
import { BridgeErrors } from '../errors.ts';
import { authorizeSender } from './sender-policy.ts';

const NS_PING = 'urn:xmpp:ping';

/** How an IQ get/set is answered. */
export type IqOutcome =
  | { readonly kind: 'result'; readonly payload?: El }
  | { readonly kind: 'error'; readonly error: StanzaErrorBody; readonly extra: readonly El[] };

/** What the dispatcher works with. */
export type ControlDeps = {
  readonly log: Logger;
  readonly roster: BreweryRoster;
  readonly registry: ConferenceRegistry;
  readonly focusAllowed: readonly string[];
  isHealthy(): boolean;
  modifyContext(): ModifyContext;
  onConferenceEvents(events: readonly ConferenceEvent[]): void;
};

const fail = (error: StanzaErrorBody, extra: readonly El[] = []): IqOutcome => ({ kind: 'error', error, extra });

function fromBridgeError(e: BridgeError): IqOutcome {
  const extra = e.colibri === undefined
    ? []
    : [encodeColibri2Error(e.colibri.reason), ...(e.colibri.endpointId !== undefined ? [encodeColibri2ErrorEndpoint(e.colibri.endpointId)] : [])];
  return fail(e.stanzaError, extra);
}

/** Answers one IQ get or set addressed to the bridge (its component JID or its brewery occupant JID). */
export function handleControlIq(iq: El, deps: ControlDeps): IqOutcome {
  const payload = iqPayload(iq);
  if (payload === undefined) return fail({ type: 'modify', condition: 'bad-request', text: 'an IQ needs exactly one payload' });
  const type = iq.attrs.type;
  const ns = payload.attrs.xmlns;
  if (payload.name === 'ping' && ns === NS_PING && type === 'get') return { kind: 'result' };
  const isModify = payload.name === 'conference-modify' && ns === NS_COLIBRI2;
  const isHealth = payload.name === 'healthcheck' && ns === NS_HEALTHCHECK;
  if (!isModify && !isHealth) return fail({ type: 'cancel', condition: 'service-unavailable' });

  const from = parseJid(iq.attrs.from ?? '');
  const decision = from.ok ? authorizeSender(from.value, deps.roster, deps.focusAllowed) : { allowed: false as const, why: 'not-allowed' as const };
  if (!decision.allowed) {
    deps.log.warn('control request refused', { request: payload.name, why: decision.why });
    return fromBridgeError(BridgeErrors.forbidden());
  }

  if (isHealth) {
    if (type !== 'get') return fail({ type: 'modify', condition: 'bad-request', text: 'healthcheck is an IQ get' });
    return deps.isHealthy() ? { kind: 'result' } : fail({ type: 'cancel', condition: 'internal-server-error', text: 'bridge unhealthy' });
  }
  if (type !== 'set') return fail({ type: 'modify', condition: 'bad-request', text: 'conference-modify is an IQ set' });
  const request = decodeConferenceModify(payload);
  if (!request.ok) {
    deps.log.warn('malformed colibri2 request', { code: request.error.code, text: request.error.text });
    return fromBridgeError(BridgeErrors.badRequest(`${request.error.code}: ${request.error.text}`));
  }
  const outcome = applyConferenceModify(deps.registry, request.value, deps.modifyContext());
  if (!outcome.ok) {
    deps.log.info('colibri2 request refused', { meetingId: request.value.meetingId, code: outcome.error.code });
    return fromBridgeError(outcome.error);
  }
  deps.onConferenceEvents(outcome.value.events);
  return { kind: 'result', payload: encodeConferenceModified(outcome.value.reply) };
}
