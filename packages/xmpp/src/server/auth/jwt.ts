// @plenum/xmpp/jwt: Jitsi-style JWT verification as a library, for every component that checks
// tokens (the XMPP server at login, the focus for moderator claims) without importing the server.
export { JwtVerifier, loadJwtKey, tokenAllowsRoom, MAX_TOKEN_CHARS } from './jwt-verifier.ts';
export type { JwtConfig, JwtError, JwtKey } from './jwt-verifier.ts';
export type { TokenClaims } from './types.ts';
