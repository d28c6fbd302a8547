// The bridge's expected failures (style C7): each carries the stanza error it becomes and, for
// COLIBRI2, the `<error xmlns="jitsi:colibri2" reason>` JVB sends in the same case (jitsi-videobridge
// Colibri2Util, Colibri2ConferenceHandler).
import { PlenumError } from '@plenum/kit';
import type { StanzaErrorBody } from '@plenum/kit';
import type { Colibri2ErrorReason } from '@plenum/xmpp/codec';

/** Stable codes of the bridge's errors. */
export type BridgeErrorCode =
  | 'forbidden' | 'bad-request' | 'conference-not-found' | 'conference-exists' | 'graceful-shutdown'
  | 'unknown-endpoint' | 'endpoint-exists' | 'too-many-endpoints' | 'not-implemented';

/** A refused request: code, stanza error body, and the COLIBRI2 reason (and endpoint) when there is one. */
export class BridgeError extends PlenumError<BridgeErrorCode> {
  constructor(
    code: BridgeErrorCode,
    message: string,
    stanza: StanzaErrorBody,
    readonly colibri?: { readonly reason: Colibri2ErrorReason; readonly endpointId?: string },
  ) {
    super(code, message, { stanza });
    this.name = 'BridgeError';
  }

  /** The stanza error this failure turns into (always set by the factories below). */
  get stanzaError(): StanzaErrorBody {
    return this.opts.stanza ?? { type: 'cancel', condition: 'internal-server-error' };
  }
}

const body = (type: StanzaErrorBody['type'], condition: StanzaErrorBody['condition'], text: string): StanzaErrorBody => ({ type, condition, text });

/** Factories, one per code, with JVB's conditions and texts. */
export const BridgeErrors = {
  forbidden: () => new BridgeError('forbidden', 'sender may not control this bridge',
    body('auth', 'forbidden', 'only the focus may send COLIBRI2 requests')),
  badRequest: (text: string) => new BridgeError('bad-request', text, body('modify', 'bad-request', text)),
  conferenceNotFound: (meetingId: string) => new BridgeError('conference-not-found', 'no such conference',
    body('cancel', 'item-not-found', `Conference not found for ID: ${meetingId}`), { reason: 'CONFERENCE_NOT_FOUND' }),
  conferenceExists: (meetingId: string) => new BridgeError('conference-exists', 'conference exists',
    body('cancel', 'conflict', `Conference already exists for ID: ${meetingId}`), { reason: 'CONFERENCE_ALREADY_EXISTS' }),
  gracefulShutdown: () => new BridgeError('graceful-shutdown', 'in graceful shutdown',
    body('cancel', 'service-unavailable', 'In graceful shutdown'), { reason: 'GRACEFUL_SHUTDOWN' }),
  unknownEndpoint: (endpointId: string) => new BridgeError('unknown-endpoint', 'no such endpoint',
    body('cancel', 'item-not-found', `Endpoint not found for ID: ${endpointId}`), { reason: 'UNKNOWN_ENDPOINT', endpointId }),
  endpointExists: (endpointId: string) => new BridgeError('endpoint-exists', 'endpoint exists',
    body('cancel', 'conflict', `Endpoint with ID ${endpointId} already exists`)),
  tooManyEndpoints: (max: number) => new BridgeError('too-many-endpoints', 'bridge full',
    body('wait', 'resource-constraint', `this bridge hosts at most ${max} endpoints`)),
  notImplemented: (what: string) => new BridgeError('not-implemented', `${what} not implemented`,
    body('cancel', 'feature-not-implemented', `${what} is not implemented`), { reason: 'FEATURE_NOT_IMPLEMENTED' }),
} satisfies Record<string, (...a: never[]) => BridgeError>;
