// Dialog state (RFC 3261 §12): identifiers, route set, remote target and CSeq counters, and the
// requests built from them. Also the services a call needs from its user agent (CallHost).
import type { Clock, Logger } from '@plenum/kit';
import sip from 'sip';
import type { SipAddress, SipMessage, SipUri, SipVia } from 'sip';
import type { SipUserAgentConfig } from './config.ts';
import { tagOf } from './headers.ts';
import type { SipProtocol, SipRemote } from './transport.ts';

/** What a call needs from the user agent that owns it. */
export interface CallHost {
  readonly config: SipUserAgentConfig;
  readonly clock: Clock;
  readonly log: Logger;
  /** Sends a request on a new client transaction; `onResponse` sees every response (a 408/503 is synthesized on failure). */
  sendRequest(request: SipMessage, hop: SipRemote, onResponse: (response: SipMessage) => void): void;
  /** Sends outside any transaction (ACK for a 2xx). */
  sendStateless(message: SipMessage, hop: SipRemote): void;
  /** Where a URI leads (RFC 3263 reduced to A records, no SRV). */
  resolve(uri: string | SipUri, protocol: SipProtocol): Promise<SipRemote>;
  /** A top Via for a request we send. */
  via(protocol: SipProtocol): SipVia;
  contact(protocol: SipProtocol): SipAddress[];
  /** The dialog is known by these tags from now on (for routing in-dialog requests). */
  register(key: string, call: unknown): void;
  /** The call is over: forget it. */
  forget(call: unknown): void;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

/** The key of the dialog an incoming request belongs to (its To tag is ours). */
export function requestDialogKey(request: SipMessage): string | undefined {
  const local = tagOf(request.headers.to);
  const remote = tagOf(request.headers.from);
  const callId = request.headers['call-id'];
  if (local === undefined || remote === undefined || callId === undefined) return undefined;
  return dialogKey(callId, local, remote);
}

export class Dialog {
  readonly callId: string;
  readonly local: SipAddress;
  readonly remote: SipAddress;
  readonly routeSet: readonly SipAddress[];
  remoteTarget: string | SipUri;
  localSeq: number;
  remoteSeq: number | undefined;
  /** The flow the dialog started on: its protocol, and (UAS side) where requests go without a route set. */
  readonly flow: SipRemote;
  /**
   * UAS side: send in-dialog requests back along the INVITE's flow rather than to its Contact, so a
   * phone behind NAT or on a TCP connection it opened still hears our BYE (what PBXs do with rport).
   */
  readonly usesFlow: boolean;

  private constructor(init: {
    callId: string; local: SipAddress; remote: SipAddress; routeSet: readonly SipAddress[];
    remoteTarget: string | SipUri; localSeq: number; remoteSeq: number | undefined; flow: SipRemote; usesFlow: boolean;
  }) {
    this.usesFlow = init.usesFlow;
    this.callId = init.callId;
    this.local = init.local;
    this.remote = init.remote;
    this.routeSet = init.routeSet;
    this.remoteTarget = init.remoteTarget;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.flow = init.flow;
  }

  /** §12.1.1: the UAS side of an INVITE we answer 2xx; `local` carries our To tag. */
  static asUas(invite: SipMessage, local: SipAddress, flow: SipRemote): Dialog {
    const contact = invite.headers.contact;
    return new Dialog({
      callId: invite.headers['call-id'] ?? '',
      local,
      remote: invite.headers.from ?? { uri: '', params: {} },
      routeSet: [...(invite.headers['record-route'] ?? [])],
      remoteTarget: Array.isArray(contact) && contact[0] !== undefined ? contact[0].uri : invite.uri ?? '',
      localSeq: 1,
      remoteSeq: invite.headers.cseq?.seq,
      flow,
      usesFlow: true,
    });
  }

  /** §12.1.2: the UAC side after a 2xx to our INVITE; the route set is Record-Route reversed. */
  static asUac(invite: SipMessage, response: SipMessage, flow: SipRemote): Dialog {
    const contact = response.headers.contact;
    return new Dialog({
      callId: invite.headers['call-id'] ?? '',
      local: invite.headers.from ?? { uri: '', params: {} },
      remote: response.headers.to ?? { uri: '', params: {} },
      routeSet: [...(response.headers['record-route'] ?? [])].reverse(),
      remoteTarget: Array.isArray(contact) && contact[0] !== undefined ? contact[0].uri : invite.uri ?? '',
      localSeq: invite.headers.cseq?.seq ?? 1,
      remoteSeq: undefined,
      flow,
      usesFlow: false,
    });
  }

  get key(): string {
    return dialogKey(this.callId, tagOf(this.local) ?? '', tagOf(this.remote) ?? '');
  }

  /** §12.2.1.1: a request within the dialog; ACK reuses the INVITE's CSeq number. */
  request(method: string, opts: { headers?: Record<string, unknown>; content?: string; seq?: number } = {}): SipMessage {
    const seq = opts.seq ?? ++this.localSeq;
    let uri: string | SipUri = this.remoteTarget;
    let route = this.routeSet.map((r) => ({ ...r }));
    const first = route[0];
    if (first !== undefined && !isLooseRoute(first)) {
      // Strict router (RFC 2543): it becomes the Request-URI and the target goes last.
      uri = first.uri;
      route = [...route.slice(1), { uri: this.remoteTarget, params: {} }];
    }
    return {
      method,
      uri,
      headers: {
        to: this.remote,
        from: this.local,
        'call-id': this.callId,
        cseq: { seq, method },
        ...(route.length > 0 ? { route } : {}),
        'max-forwards': '70',
        ...(opts.headers ?? {}),
      },
      ...(opts.content !== undefined ? { content: opts.content } : {}),
    };
  }

  /** The next hop for an in-dialog request: the first route, else the remote target (or the flow, UAS side). */
  async nextHop(host: CallHost): Promise<SipRemote> {
    const first = this.routeSet[0];
    if (first !== undefined) return host.resolve(first.uri, this.flow.protocol);
    if (this.usesFlow) return this.flow;
    return host.resolve(this.remoteTarget, this.flow.protocol);
  }
}

function isLooseRoute(route: SipAddress): boolean {
  try {
    const uri = sip.parseUri(route.uri);
    return uri !== undefined && 'lr' in uri.params;
  } catch {
    // An unparsable route URI: assume the common case (RFC 3261 proxies route loosely).
    return true;
  }
}
