export * from './namespaces.ts';
export { isStanza, encodeStanzaError, decodeStanzaError, errorReply, iqResult, isErrorStanza, iqPayload } from './stanza.ts';
export type { StanzaKind } from './stanza.ts';
