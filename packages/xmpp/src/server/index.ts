// @plenum/xmpp/server: the XMPP server (Node only).
export { XmppServer } from './xmpp-server.ts';
export type { XmppServerDeps, XmppServerStats } from './xmpp-server.ts';
export { startXmppServer } from './start.ts';
export type { RunningXmppServer, StartOptions } from './start.ts';
export { loadXmppConfig, xmppConfigSpec } from './config.ts';
export type { XmppConfig } from './config.ts';
export { MemoryUserStore, FileUserStore } from './auth/user-store.ts';
export type { UserStore } from './auth/user-store.ts';
export type { AuthIdentity, TokenClaims } from './auth/types.ts';
export { ANONYMOUS_NODE } from './auth/user-store.ts';
