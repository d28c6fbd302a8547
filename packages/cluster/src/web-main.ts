// The web process of the split deployment (npm run cluster, the docker-compose `web` service): the
// meet-web app server, with WebSocket upgrades proxied to the separate processes — /xmpp-websocket
// to the XMPP server's HTTP listener, /colibri-ws/<bridge id>/… to that bridge's HTTP listener — so
// that the page talks to one origin, as with the all-in-one process.
//   PLENUM_WEB_*                 the web server's own settings (docs/configuration.md)
//   PLENUM_PROXY_XMPP            host:port of the XMPP server's HTTP listener (required)
//   PLENUM_PROXY_BRIDGES         <id>=<host>:<port>,… bridge HTTP listeners for /colibri-ws/<id>/
//   PLENUM_PROXY_DOMAIN          XMPP domain (default plenum.localhost; MUC conference.<domain>, focus focus.<domain>)
import { createPinoLogger, runService } from '@plenum/kit/node';
import { loadWebServerConfig, startWebServer } from '@plenum/meet-web';
import { parseRoutes, proxyUpgrade } from './upgrade-proxy.ts';

const WEBSOCKET_PATH = '/xmpp-websocket';
const BRIDGE_PATH = /^\/colibri-ws\/([a-z0-9-]+)\//;

await runService({
  configFileEnv: 'PLENUM_WEB_CONFIG',
  async start(file) {
    const env: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PLENUM_PROXY_') && k !== 'PLENUM_WEB_CONFIG') env[k] = v;
    const config = loadWebServerConfig({ env, ...(file !== undefined ? { file } : {}) });
    const log = createPinoLogger({ level: config.log.level, component: 'web' });
    const xmpp = parseRoutes(`xmpp=${process.env.PLENUM_PROXY_XMPP ?? ''}`).get('xmpp');
    if (xmpp === undefined) throw new Error('PLENUM_PROXY_XMPP (host:port of the XMPP server\'s HTTP listener) is required');
    const bridges = parseRoutes(process.env.PLENUM_PROXY_BRIDGES ?? '');
    const domain = process.env.PLENUM_PROXY_DOMAIN ?? 'plenum.localhost';
    const web = await startWebServer({
      config,
      hosts: { domain, muc: `conference.${domain}`, focus: `focus.${domain}` },
      websocketPath: WEBSOCKET_PATH,
      upgrades: [(req, socket, head) => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        if (path === WEBSOCKET_PATH) {
          proxyUpgrade(req, socket, head, xmpp);
          return true;
        }
        const bridge = bridges.get(BRIDGE_PATH.exec(path)?.[1] ?? '');
        if (bridge === undefined) return false;
        proxyUpgrade(req, socket, head, bridge);
        return true;
      }],
      log,
    });
    log.info('web started', { url: web.url, bridges: bridges.size });
    return { log, close: () => web.close() };
  },
});
