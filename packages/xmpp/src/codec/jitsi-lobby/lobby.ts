import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { child, el, text } from '../xml/element.ts';
import { NS_JITSI_MEET } from '../xep-0166-jingle/namespaces.ts';

// Jitsi's lobby (prosody mod_muc_lobby_rooms, protocols.md §8.4) on the wire: the lobby room
// reference in a refused join, the display-name-required refusal, the disco names clients read,
// and the `lobby-notify` json-messages broadcast in the main room.

/** Disco identity type (category `component`) on the main domain; its name is the lobby MUC domain. */
export const LOBBY_IDENTITY_TYPE = 'lobbyrooms';
/** muc#roominfo field of a main room with an active lobby; its value is the lobby room JID. */
export const FIELD_LOBBY_ROOM = 'muc#roominfo_lobbyroom';
/** The `type` of every lobby json-message. */
export const LOBBY_NOTIFY_TYPE = 'lobby-notify';
/** Longest lobby json-message text accepted by the decoder. */
export const MAX_LOBBY_NOTIFY_CHARS = 4096;

/** A `lobby-notify` json-message: the lobby was switched, or a knocker was let in or turned away. */
export type LobbyNotify =
  | { readonly event: 'LOBBY-ENABLED'; readonly value: boolean }
  | {
    readonly event: 'LOBBY-ACCESS-GRANTED' | 'LOBBY-ACCESS-DENIED';
    /** The knocker's nickname in the lobby room (lib-jitsi-meet's lobby member id). */
    readonly value: string;
    /** The knocker's display name (`<nick>` of its lobby presence), when it gave one. */
    readonly name?: string;
  };

/** Why a lobby element was refused. */
export type LobbyCodecError = { readonly code: 'lobby/unexpected-element' | 'lobby/bad-json' | 'lobby/not-lobby-notify'; readonly text: string };

/** `<json-message xmlns="http://jitsi.org/jitmeet">{"type":"lobby-notify",…}</json-message>`. */
export function encodeLobbyNotify(n: LobbyNotify): El {
  const body = n.event === 'LOBBY-ENABLED'
    ? { type: LOBBY_NOTIFY_TYPE, event: n.event, value: n.value }
    : { type: LOBBY_NOTIFY_TYPE, event: n.event, value: n.value, ...(n.name !== undefined ? { name: n.name } : {}) };
  return el('json-message', { xmlns: NS_JITSI_MEET }, JSON.stringify(body));
}

/** Reads a lobby json-message; other json-messages (chat, sources, polls) are `lobby/not-lobby-notify`. Never throws. */
export function decodeLobbyNotify(jsonMessage: El): Result<LobbyNotify, LobbyCodecError> {
  if (jsonMessage.name !== 'json-message' || jsonMessage.attrs.xmlns !== NS_JITSI_MEET) {
    return err({ code: 'lobby/unexpected-element', text: `expected {${NS_JITSI_MEET}}json-message` });
  }
  const raw = text(jsonMessage);
  if (raw.length > MAX_LOBBY_NOTIFY_CHARS) return err({ code: 'lobby/bad-json', text: `json-message longer than ${MAX_LOBBY_NOTIFY_CHARS} characters` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // JSON.parse throws on malformed input, which here is just bad data from the network.
    return err({ code: 'lobby/bad-json', text: 'json-message is not valid JSON' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return err({ code: 'lobby/bad-json', text: 'json-message is not an object' });
  const o = parsed as Record<string, unknown>;
  if (o.type !== LOBBY_NOTIFY_TYPE) return err({ code: 'lobby/not-lobby-notify', text: 'not a lobby-notify message' });
  if (o.event === 'LOBBY-ENABLED') {
    if (typeof o.value !== 'boolean') return err({ code: 'lobby/bad-json', text: 'LOBBY-ENABLED needs a boolean value' });
    return ok({ event: o.event, value: o.value });
  }
  if (o.event === 'LOBBY-ACCESS-GRANTED' || o.event === 'LOBBY-ACCESS-DENIED') {
    if (typeof o.value !== 'string') return err({ code: 'lobby/bad-json', text: `${o.event} needs a string value` });
    if (o.name !== undefined && typeof o.name !== 'string') return err({ code: 'lobby/bad-json', text: 'name must be a string' });
    return ok({ event: o.event, value: o.value, ...(typeof o.name === 'string' ? { name: o.name } : {}) });
  }
  return err({ code: 'lobby/not-lobby-notify', text: 'unknown lobby event' });
}

/** `<lobbyroom xmlns="http://jitsi.org/jitmeet">room@lobby…</lobbyroom>`, inside the `<error>` of a refused join. */
export function encodeLobbyRoomRef(lobbyRoomJid: string): El {
  return el('lobbyroom', { xmlns: NS_JITSI_MEET }, lobbyRoomJid);
}

/**
 * The lobby room JID of a join refused with registration-required, or undefined (a plain
 * members-only room). Reads `<lobbyroom>` inside `<error>` in any namespace, as lib-jitsi-meet does.
 */
export function decodeLobbyRoomRef(errorStanza: El): string | undefined {
  const error = child(errorStanza, 'error');
  const ref = error === undefined ? undefined : child(error, 'lobbyroom');
  const jid = ref === undefined ? '' : text(ref).trim();
  return jid === '' ? undefined : jid;
}

/** `<displayname-required xmlns="http://jitsi.org/jitmeet" lobby="true"/>`: a knocker must send `<nick>`. */
export function encodeDisplayNameRequired(): El {
  return el('displayname-required', { xmlns: NS_JITSI_MEET, lobby: 'true' });
}
