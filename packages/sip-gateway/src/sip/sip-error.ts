// A SIP failure carries its status code (RFC 3261 §21), the way XMPP errors carry a condition.
import { PlenumError } from '@plenum/kit';

export class SipError extends PlenumError<'sip'> {
  constructor(readonly status: number, readonly reason: string, opts: { cause?: unknown } = {}) {
    super('sip', `${status} ${reason}`, opts);
    this.name = 'SipError';
  }
}
