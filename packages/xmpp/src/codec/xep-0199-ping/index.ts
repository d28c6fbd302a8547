export { NS_PING, encodePing, isPing } from './ping.ts';
