/** RFC 6120 §8.3.3 stanza error conditions. */
export type StanzaCondition =
  | 'bad-request' | 'conflict' | 'feature-not-implemented' | 'forbidden' | 'gone'
  | 'internal-server-error' | 'item-not-found' | 'jid-malformed' | 'not-acceptable'
  | 'not-allowed' | 'not-authorized' | 'policy-violation' | 'recipient-unavailable'
  | 'redirect' | 'registration-required' | 'remote-server-not-found' | 'remote-server-timeout'
  | 'resource-constraint' | 'service-unavailable' | 'subscription-required'
  | 'undefined-condition' | 'unexpected-request';

/** RFC 6120 §8.3.2 error types. */
export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

/** The stanza error a PlenumError turns into when it reaches the wire. */
export type StanzaErrorBody = {
  readonly type: StanzaErrorType;
  readonly condition: StanzaCondition;
  readonly text?: string;
};

/** An expected failure: carries a stable code and, for protocol-facing errors, its wire meaning. */
export class PlenumError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly opts: { cause?: unknown; stanza?: StanzaErrorBody; httpStatus?: number } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'PlenumError';
  }
}

/** Throws for a broken invariant (a bug), never for bad input. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** Exhaustiveness check for discriminated unions. */
export function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}
