// Dial-out and dial-in refusals (protocols.md §7), each with the stanza error it becomes on the wire.
import { PlenumError } from '@plenum/kit';

export type DialErrorCode = 'no-gateway' | 'gateway-failed' | 'pin-not-found' | 'pin-rate';

export const DialError = {
  /** No SIP-capable gateway in the jigasi brewery (Jicofo answers the same). */
  noGateway: () => new PlenumError<DialErrorCode>('no-gateway', 'no SIP gateway is available',
    { stanza: { type: 'cancel', condition: 'service-unavailable', text: 'no SIP gateway is available' } }),
  /** Every gateway tried refused or did not answer the dial. */
  gatewayFailed: (cause: unknown) => new PlenumError<DialErrorCode>('gateway-failed', 'the SIP gateways could not place the call',
    { cause, stanza: { type: 'wait', condition: 'service-unavailable', text: 'the SIP gateways could not place the call' } }),
  pinNotFound: () => new PlenumError<DialErrorCode>('pin-not-found', 'no live conference has this PIN',
    { stanza: { type: 'cancel', condition: 'item-not-found', text: 'no live conference has this PIN' } }),
  pinRate: () => new PlenumError<DialErrorCode>('pin-rate', 'too many PIN lookups, retry shortly',
    { stanza: { type: 'wait', condition: 'resource-constraint', text: 'too many PIN lookups, retry shortly' } }),
};
