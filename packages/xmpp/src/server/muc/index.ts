export { MucService } from './muc-service.ts';
export type { MucPolicy, MucServiceDeps, MucServiceConfig, MucRoom, MucOccupantView } from './muc-types.ts';
export type { RoomConfig, Whois } from './room-config.ts';
