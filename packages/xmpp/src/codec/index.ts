// @plenum/xmpp/codec: pure, browser-safe wire codecs shared by every Plenum component.
export * from './xml/index.ts';
export * from './jid/index.ts';
export * from './stanza/index.ts';
export * from './stream/index.ts';
export * from './xep-0030-disco/index.ts';
export * from './xep-0199-ping/index.ts';
export * from './xep-0198-sm/index.ts';
export * from './xep-0004-data-forms/index.ts';
export * from './xep-0045-muc/index.ts';
export * from './xep-0166-jingle/index.ts';
export * from './jitsi-focus/index.ts';
export * from './colibri2/index.ts';
export * from './jingle-sdp/index.ts';
export * from './bridge-channel/index.ts';
export * from './jitsi-lobby/index.ts';
export * from './jitsi-jibri/index.ts';
