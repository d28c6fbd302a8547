export { MucService } from './muc-service.ts';
export type { MucPolicy, MucServiceDeps, MucServiceConfig, MucRoom, MucOccupantView } from './muc-types.ts';
export type { RoomConfig, Whois } from './room-config.ts';
export { LobbyRooms } from './lobby-rooms.ts';
export type { LobbyRoomsConfig, LobbyRoomsDeps } from './lobby-rooms.ts';
export type { MucHooks, MucAdmission } from './muc-hooks.ts';
