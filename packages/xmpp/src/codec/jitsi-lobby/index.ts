export {
  LOBBY_IDENTITY_TYPE, FIELD_LOBBY_ROOM, LOBBY_NOTIFY_TYPE, MAX_LOBBY_NOTIFY_CHARS,
  encodeLobbyNotify, decodeLobbyNotify, encodeLobbyRoomRef, decodeLobbyRoomRef, encodeDisplayNameRequired,
} from './lobby.ts';
export type { LobbyNotify, LobbyCodecError } from './lobby.ts';
