// BridgeControl over XMPP: conference-modify IQs to the bridge's brewery occupant JID (protocols.md
// §3), answers decoded with the COLIBRI2 codec, failures classified for the caller.
import type { Logger } from '@plenum/kit';
import type { ConferenceModified, ConferenceModify, El } from '@plenum/xmpp/codec';
import { NS_COLIBRI2, child, decodeColibri2ErrorReason, decodeConferenceModified, decodeStanzaError, el, encodeConferenceModify } from '@plenum/xmpp/codec';
import type { BridgeAddress, BridgeControl, BridgeFailure, RequestOptions, StanzaChannel } from '../ports.ts';
import { FocusError, isFocusError } from '../errors.ts';

/** Sends COLIBRI2 requests through the focus's XMPP connection. */
export class ColibriBridgeControl implements BridgeControl {
  constructor(private readonly deps: { readonly channel: StanzaChannel; readonly log: Logger; readonly from: string }) {}

  async modify(bridge: BridgeAddress, request: ConferenceModify, opts: RequestOptions): Promise<ConferenceModified> {
    const iq = el('iq', { type: 'set', from: this.deps.from, to: bridge.jid }, encodeConferenceModify(request));
    let reply: El;
    try {
      reply = await this.deps.channel.request(iq, opts);
    } catch (error) {
      throw classify(bridge, error);
    }
    const payload = child(reply, 'conference-modified', NS_COLIBRI2);
    if (payload === undefined) return { endpoints: [] };
    const decoded = decodeConferenceModified(payload);
    if (!decoded.ok) {
      this.deps.log.warn('bridge answer malformed', { bridge: bridge.id, code: decoded.error.code, text: decoded.error.text });
      throw failure(`bridge ${bridge.id} answered with a malformed conference-modified`, { kind: 'error', condition: 'bad-request' });
    }
    return decoded.value;
  }
}

const failure = (text: string, cause: BridgeFailure) => FocusError.bridgeFailed(text, cause);

/** Turns a channel failure into a `bridge-failed` error with a BridgeFailure cause; other failures pass. */
function classify(bridge: BridgeAddress, error: unknown): unknown {
  if (isFocusError(error, 'timeout')) return failure(`bridge ${bridge.id} did not answer`, { kind: 'timeout' });
  if (isFocusError(error, 'remote-error')) {
    const reply = error.cause as El;
    const reason = decodeColibri2ErrorReason(reply);
    if (reason !== undefined) return failure(`bridge ${bridge.id} refused: ${reason}`, { kind: 'colibri', reason });
    const condition = decodeStanzaError(reply)?.condition ?? 'undefined-condition';
    return failure(`bridge ${bridge.id} answered ${condition}`, { kind: 'error', condition });
  }
  return error;
}

/** The BridgeFailure of a `bridge-failed` error, if that is what `error` is. */
export function bridgeFailureOf(error: unknown): BridgeFailure | undefined {
  return isFocusError(error, 'bridge-failed') ? (error.cause as BridgeFailure) : undefined;
}
