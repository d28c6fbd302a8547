// Rayo dial-out (client → focus → SIP gateway) and the gateway's brewery stats (protocols.md §7).
export { NS_RAYO, RAYO_HEADER_ROOM_NAME, RAYO_HEADER_ROOM_PASSWORD, RAYO_LIMITS } from './rayo-types.ts';
export type { RayoDial, RayoRef, JigasiStats, RayoCodecError, RayoCodecErrorCode } from './rayo-types.ts';
export { decodeRayoDial, encodeRayoDial, decodeRayoRef, encodeRayoRef, encodeRayoHangup, isRayoHangup } from './rayo.ts';
export { decodeJigasiStats, encodeJigasiStats } from './jigasi-stats.ts';
