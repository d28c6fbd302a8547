// @plenum/meet-web: the web server that serves the browser app (Node only; the app itself is
// bundled from src/app.ts at start).
export { startWebServer } from './web-server.ts';
export type { RouteHandler, RunningWebServer, UpgradeHandler, WebServerOptions } from './web-server.ts';
export { isTls as isWebServerTls, loadWebServerConfig, webServerConfigSpec } from './config.ts';
export type { WebServerConfig } from './config.ts';
export { buildAppBundle, xmppDnsStubPlugin } from './app-bundle.ts';
export type { AppBundle, BuiltFile } from './app-bundle.ts';
export { createSelfSignedCertificate } from './self-signed-certificate.ts';
export type { TlsIdentity } from './self-signed-certificate.ts';
export { isValidRoomName, roomFromPath } from './room-path.ts';
export type { WebConfig } from '../shared/web-config.ts';
export type { DialInDirectory, DialInNumber } from './dial-in.ts';
