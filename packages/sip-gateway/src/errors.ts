// The gateway's expected failures towards XMPP peers (style C7): dial IQs and hangups get these
// stanza errors; `sipStatus` is the same refusal in SIP terms (for logs and a SIP-side caller).
// Refusals of INVITEs are plain SIP answers in inbound-call.ts.
import { PlenumError } from '@plenum/kit';

export type GatewayErrorCode = 'bad-room' | 'busy' | 'forbidden' | 'bad-request' | 'unknown-call' | 'closed';

export class GatewayError extends PlenumError<GatewayErrorCode> {
  constructor(code: GatewayErrorCode, message: string, readonly sipStatus: number, opts: PlenumError['opts'] = {}) {
    super(code, message, opts);
    this.name = 'GatewayError';
  }

  static badRoom(text: string): GatewayError {
    return new GatewayError('bad-room', `bad room: ${text}`, 404, { stanza: { type: 'modify', condition: 'bad-request', text: `bad room: ${text}` } });
  }

  static busy(): GatewayError {
    return new GatewayError('busy', 'this gateway is at its call limit', 503, { stanza: { type: 'wait', condition: 'resource-constraint', text: 'this gateway is at its call limit' } });
  }

  static forbidden(): GatewayError {
    return new GatewayError('forbidden', 'only the focus may place calls', 403, { stanza: { type: 'auth', condition: 'forbidden', text: 'only the focus may place calls' } });
  }

  static badRequest(text: string): GatewayError {
    return new GatewayError('bad-request', text, 400, { stanza: { type: 'modify', condition: 'bad-request', text } });
  }

  static unknownCall(): GatewayError {
    return new GatewayError('unknown-call', 'no such call', 481, { stanza: { type: 'cancel', condition: 'item-not-found', text: 'no such call' } });
  }

  static closed(): GatewayError {
    return new GatewayError('closed', 'the gateway is shutting down', 503, { stanza: { type: 'cancel', condition: 'service-unavailable', text: 'the gateway is shutting down' } });
  }
}
