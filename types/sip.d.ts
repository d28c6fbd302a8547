// Types for the parts of the `sip` npm package (0.0.6, untyped CommonJS) the dialog layer uses:
// its parser and serializer and its RFC 3261 §17 transaction state machines. Its transports and
// `create()` are not used (see packages/sip-gateway/src/sip/transport.ts for why).
declare module 'sip' {
  /** A parsed SIP URI; `port` is NaN when the URI has none. */
  export type SipUri = {
    schema: string;
    user?: string | undefined;
    password?: string | undefined;
    host: string;
    port?: number | undefined;
    params: Record<string, string | null | undefined>;
    headers?: Record<string, string> | undefined;
  };
  /** name-addr / addr-spec with header parameters (From, To, Contact, Route…). */
  export type SipAddress = {
    name?: string | undefined;
    uri: string | SipUri;
    params: Record<string, string | null | undefined>;
  };
  export type SipVia = {
    version?: string | undefined;
    protocol: string;
    host: string;
    port?: number | undefined;
    params: Record<string, string | null | undefined>;
  };
  export type SipCSeq = { seq: number; method: string };
  /** Header names are lower case, compact forms expanded; unknown headers are strings (repeats joined by ','). */
  export type SipHeaders = {
    via?: SipVia[];
    to?: SipAddress;
    from?: SipAddress;
    'call-id'?: string;
    cseq?: SipCSeq;
    contact?: SipAddress[] | '*';
    route?: SipAddress[];
    'record-route'?: SipAddress[];
    'content-length'?: number;
    'www-authenticate'?: Record<string, string>[];
    'proxy-authenticate'?: Record<string, string>[];
    [name: string]: unknown;
  };
  export type SipMessage = {
    method?: string | undefined;
    uri?: string | SipUri | undefined;
    version?: string | undefined;
    status?: number | undefined;
    reason?: string | undefined;
    headers: SipHeaders;
    content?: string | undefined;
  };
  /** What a transaction sends through: one flow to one remote. */
  export type SipConnection = {
    send(message: SipMessage): void;
    release(): void;
    readonly protocol: string;
  };
  export type SipServerTransaction = {
    send(message: SipMessage): void;
    message(message: SipMessage, remote?: unknown): void;
    shutdown(): void;
  };
  export type SipClientTransaction = {
    message(message: SipMessage, remote?: unknown): void;
    shutdown(): void;
  };
  export type SipTransactionLayer = {
    createServerTransaction(request: SipMessage, connection: SipConnection): SipServerTransaction;
    createClientTransaction(connection: SipConnection, request: SipMessage, onResponse: (response: SipMessage) => void): SipClientTransaction;
    getServer(message: SipMessage): SipServerTransaction | undefined;
    getClient(message: SipMessage): SipClientTransaction | undefined;
    destroy(): void;
  };
  type SipPackage = {
    parse(data: string): SipMessage | undefined;
    stringify(message: SipMessage): string;
    makeResponse(request: SipMessage, status: number, reason?: string, extension?: { headers?: Record<string, unknown>; content?: string }): SipMessage;
    makeTransactionLayer(options: { 'max-forwards'?: number }, transport: unknown): SipTransactionLayer;
    parseUri(uri: string | SipUri): SipUri | undefined;
    stringifyUri(uri: string | SipUri): string;
  };
  const sip: SipPackage;
  export default sip;
}
