// The focus conference request a call sends before joining the room (protocols.md §1.1): it creates
// the conference when needed (the focus joins and configures the room), as Jigasi does. While the
// focus answers ready=false the request is repeated with a doubling delay (1 s first), until the
// deadline. The focus's error reply becomes the leg's typed error (conferenceRefusal).
import type { Logger } from '@plenum/kit';
import { PlenumError } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { NS_FOCUS, child, decodeConferenceResponse, decodeStanzaError, el, encodeConferenceRequest } from '@plenum/xmpp/codec';
import type { RequestOptions } from '@plenum/xmpp/component';
import { LegError, conferenceRefusal } from './conference-leg-error.ts';

const FIRST_RETRY_MS = 1_000;

export type ConferenceRequestInput = {
  readonly channel: { request(iq: El, opts: RequestOptions): Promise<El> };
  readonly log: Logger;
  /** The call's full JID. */
  readonly from: string;
  readonly focusDomain: string;
  readonly roomJid: string;
  readonly timeoutMs: number;
  /** Aborts the request and the waits (the call hung up): rejects with LegError.closed(). */
  readonly signal: AbortSignal;
};

/** Resolves once the focus says the conference is ready; rejects with a ConferenceLegError. */
export async function requestConference(r: ConferenceRequestInput): Promise<void> {
  const deadline = Date.now() + r.timeoutMs;
  for (let delayMs = FIRST_RETRY_MS; ; delayMs *= 2) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw LegError.focusUnavailable('the conference did not become ready in time');
    const iq = el('iq', { type: 'set', from: r.from, to: r.focusDomain }, encodeConferenceRequest({ room: r.roomJid, properties: {} }));
    let reply: El;
    try {
      reply = await r.channel.request(iq, { timeoutMs: remainingMs, signal: r.signal });
    } catch (error) {
      throw refusalOf(error, r.signal);
    }
    if (reply.attrs.type === 'error') throw refusalOf(reply, r.signal);
    const conference = child(reply, 'conference', NS_FOCUS);
    const decoded = conference === undefined ? undefined : decodeConferenceResponse(conference);
    if (decoded === undefined || !decoded.ok) throw LegError.focusRefused('the focus answered the conference request with nonsense');
    if (decoded.value.ready) return;
    r.log.debug('conference not ready, asking again', { delayMs });
    await abortableSleep(Math.min(delayMs, Math.max(0, deadline - Date.now())), r.signal);
  }
}

/** The leg error for a failed request: the focus's error reply (ComponentConnection rejects with it as cause), a timeout, a lost connection. */
function refusalOf(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return LegError.closed();
  const reply = error instanceof PlenumError && error.code === 'remote-error' ? error.cause : error;
  if (typeof reply === 'object' && reply !== null && (reply as El).name === 'iq') {
    const body = decodeStanzaError(reply as El);
    return conferenceRefusal(body?.condition, body?.text, reply);
  }
  if (error instanceof PlenumError) return LegError.focusUnavailable(`the focus did not answer: ${error.message}`, error);
  return error;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(LegError.closed());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
