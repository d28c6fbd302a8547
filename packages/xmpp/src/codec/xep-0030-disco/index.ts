export { NS_DISCO_INFO, NS_DISCO_ITEMS, encodeDiscoInfo, decodeDiscoInfo, encodeDiscoItems, decodeDiscoItems } from './disco.ts';
export type { DiscoIdentity, DiscoItem, DiscoInfo } from './disco.ts';
