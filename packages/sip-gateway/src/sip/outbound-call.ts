// The UAC side (RFC 3261 §13.2): INVITE, provisional progress, digest challenges (§22.2), 422
// (RFC 4028 §7.4), the 2xx that creates the dialog and its ACK, and CANCEL (§9.1) on timeout or
// when the caller's signal aborts.
import type { SipAddress, SipMessage } from 'sip';
import sip from 'sip';
import type { OutgoingCallRequest } from './sip-call.ts';
import { SipError } from './sip-error.ts';
import { Dialog } from './dialog.ts';
import type { CallHost } from './dialog.ts';
import { DialogCall } from './dialog-call.ts';
import { digestAuthorization, pickDigestChallenge } from './digest.ts';
import { ALLOWED_METHODS, SUPPORTED_OPTIONS, headerText, partyOf, randomToken } from './headers.ts';
import { decideAsUac } from './session-timer.ts';
import type { SipProtocol, SipRemote } from './transport.ts';
import { MIN_SESSION_EXPIRES_SECONDS } from './config.ts';
import { callRef } from './call-ref.ts';

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_CHALLENGES = 2;

export class OutboundCall extends DialogCall {
  /** Places the call; resolves once answered (2xx, ACK sent), rejects with SipError otherwise. */
  static async place(host: CallHost, req: OutgoingCallRequest): Promise<OutboundCall> {
    if (isAborted(req.signal)) throw cancelled();
    const target = sip.parseUri(req.target);
    // sips: would need TLS, which this user agent does not speak.
    if (target === undefined || target.schema.toLowerCase() !== 'sip') throw new SipError(416, 'Unsupported URI Scheme');
    const transport = target.params.transport?.toUpperCase();
    const protocol: SipProtocol = transport === 'TCP' ? 'TCP' : 'UDP';
    let hop: SipRemote;
    try {
      hop = await host.resolve(target, protocol);
    } catch (error) {
      throw new SipError(503, 'Service Unavailable', { cause: error });
    }
    const displayName = req.from.displayName;
    const from: SipAddress = {
      // Header text travels as octets (latin1 strings): put the name's UTF-8 bytes there.
      ...(displayName !== undefined ? { name: `"${Buffer.from(displayName.replace(/["\\]/g, '\\$&'), 'utf8').toString('latin1')}"` } : {}),
      uri: req.from.uri, params: { tag: randomToken() },
    };
    const callId = `${randomToken(12)}@plenum`;
    // Aborted while the next hop was being resolved: nothing was sent, nothing to cancel.
    if (isAborted(req.signal)) throw cancelled();
    return new Promise<OutboundCall>((resolve, reject) => {
      let seq = 1;
      let challenges = 0;
      let sessionExpiresSeconds = Math.max(MIN_SESSION_EXPIRES_SECONDS, host.config.sessionExpiresSeconds);
      let isSettled = false;
      let hasProvisional = false;
      let isCancelWanted = false;
      let isCancelSent = false;
      let invite: SipMessage | undefined;
      let call: OutboundCall | undefined;
      const log = host.log.child({ call: callRef(callId), direction: 'outbound' });

      const settle = (error: SipError | undefined): void => {
        if (isSettled) return;
        isSettled = true;
        cancelTimeout();
        req.signal?.removeEventListener('abort', onAbort);
        if (error !== undefined) reject(error);
      };
      const sendCancel = (): void => {
        const sent = invite;
        if (sent === undefined || isCancelSent) return;
        isCancelSent = true;
        const cancel: SipMessage = {
          method: 'CANCEL', uri: sent.uri,
          headers: {
            via: sent.headers.via?.slice(0, 1) ?? [], to: sent.headers.to ?? { uri: req.target, params: {} }, from, 'call-id': callId,
            cseq: { seq: sent.headers.cseq?.seq ?? seq, method: 'CANCEL' }, 'max-forwards': '70',
          },
        };
        host.sendRequest(cancel, hop, () => undefined);
      };
      // §9.1: no CANCEL before a provisional response; send it when one arrives.
      const giveUp = (error: SipError): void => {
        if (isSettled) return;
        settle(error);
        if (hasProvisional) sendCancel();
        else isCancelWanted = true;
      };
      const cancelTimeout = host.clock.setTimeout(() => {
        log.info('sip call timed out');
        giveUp(new SipError(408, 'Request Timeout'));
      }, req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const onAbort = (): void => {
        log.info('sip call cancelled');
        giveUp(cancelled());
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });

      const send = (authorization: { name: string; value: string } | undefined): void => {
        const request: SipMessage = {
          method: 'INVITE', uri: req.target,
          headers: {
            to: { uri: req.target, params: {} }, from, 'call-id': callId, cseq: { seq, method: 'INVITE' },
            contact: host.contact(hop.protocol), 'max-forwards': '70', allow: ALLOWED_METHODS, supported: SUPPORTED_OPTIONS,
            'session-expires': String(sessionExpiresSeconds), 'min-se': String(MIN_SESSION_EXPIRES_SECONDS),
            'user-agent': host.config.userAgent, 'content-type': 'application/sdp',
            ...lowerCaseKeys(req.headers ?? {}),
            ...(authorization !== undefined ? { [authorization.name]: authorization.value } : {}),
          },
          content: req.sdp,
        };
        invite = request;
        // A CANCEL names the latest INVITE, which needs a provisional response of its own first.
        hasProvisional = false;
        host.sendRequest(request, hop, (response) => onResponse(request, response));
      };

      const onResponse = (request: SipMessage, response: SipMessage): void => {
        const status = response.status ?? 500;
        if (status < 200) {
          hasProvisional = true;
          if (isCancelWanted) {
            isCancelWanted = false;
            sendCancel();
          }
          if (!isSettled) req.onProgress?.(status);
          return;
        }
        if (status < 300) {
          on2xx(request, response);
          return;
        }
        if (isSettled) return;
        const challenge = status === 401 || status === 407 ? challengeFor(response, status) : undefined;
        if (challenge !== undefined && req.auth !== undefined && challenges < MAX_CHALLENGES) {
          challenges++;
          seq++;
          const value = digestAuthorization(challenge, {
            method: 'INVITE', uri: req.target, username: req.auth.username, password: req.auth.password,
            cnonce: randomToken(), nonceCount: 1,
          });
          send({ name: status === 401 ? 'authorization' : 'proxy-authorization', value });
          return;
        }
        const minSe = Number(headerText(response, 'min-se') ?? NaN);
        if (status === 422 && Number.isFinite(minSe) && minSe > sessionExpiresSeconds && seq < 4) {
          sessionExpiresSeconds = minSe;
          seq++;
          send(undefined);
          return;
        }
        log.info('sip call failed', { status });
        settle(new SipError(status, response.reason ?? ''));
      };

      const on2xx = (request: SipMessage, response: SipMessage): void => {
        if (call !== undefined) {
          call.onStray2xx(response); // a retransmission: ACK again
          return;
        }
        call = new OutboundCall(host, { callId, direction: 'outbound', remote: partyOf(response.headers.to), remoteSdp: undefined });
        call.#establish(request, response, hop);
        if (isSettled) {
          // Answered after we gave up (CANCEL crossed the 2xx): ACK, then BYE (§9.1).
          call.hangup();
          return;
        }
        settle(undefined);
        log.info('sip call answered');
        resolve(call);
      };

      send(undefined);
    });
  }

  #establish(invite: SipMessage, response: SipMessage, hop: SipRemote): void {
    const dialog = Dialog.asUac(invite, response, hop);
    this.confirm(dialog, invite.content, response);
    this.setRemoteSdp(response.content);
    this.onStray2xx(response);
    this.armSessionTimer(decideAsUac(headerText(response, 'session-expires') ?? headerText(response, 'x')), 'uac');
  }
}

/** What a call given up by its caller rejects with: the status the callee answers the INVITE with after CANCEL. */
const cancelled = (): SipError => new SipError(487, 'Request Terminated');

// A function, so the check after an `await` is not narrowed away by the one before it.
const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

function challengeFor(response: SipMessage, status: number): ReturnType<typeof pickDigestChallenge> {
  const raw = response.headers[status === 401 ? 'www-authenticate' : 'proxy-authenticate'];
  if (!Array.isArray(raw)) return undefined;
  // The `sip` parser splits challenges into objects; put each back together for our own parser.
  const values = raw.map((c: Record<string, string>) => `${c.scheme ?? ''} ${Object.entries(c).filter(([k]) => k !== 'scheme').map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return pickDigestChallenge(values);
}

function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
