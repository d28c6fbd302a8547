export { parseJid, makeJid, bareJid, formatJid, toBare, withResource, jidEquals, escapeLocal, unescapeLocal } from './jid.ts';
export type { Jid, JidError } from './jid.ts';
