export { NS_SM, SM_MODULO, parseH, encodeAck, encodeAckRequest, encodeEnabled, encodeResumed, encodeFailed } from './sm.ts';
