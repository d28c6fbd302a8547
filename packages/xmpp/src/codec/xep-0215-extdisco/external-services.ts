import type { El } from '../xml/element.ts';
import { el, children } from '../xml/element.ts';

// XEP-0215 External Service Discovery: how a client learns the deployment's STUN and TURN servers
// (and time-limited TURN credentials) right after login. Jitsi's client asks with
// `<services xmlns="urn:xmpp:extdisco:2"/>` (v1 on old servers) and uses every STUN/TURN entry as an
// ICE server for both its bridge and its peer-to-peer connections.
export const NS_EXTDISCO_2 = 'urn:xmpp:extdisco:2';
export const NS_EXTDISCO_1 = 'urn:xmpp:extdisco:1';

/** One service (§5.1 attributes that ICE uses). */
export type ExternalService = {
  readonly type: 'stun' | 'turn' | 'turns';
  readonly host: string;
  readonly port: number;
  /** 'udp' or 'tcp'; absent: the client's default (UDP for stun/turn, TCP for turns). */
  readonly transport?: 'udp' | 'tcp';
  readonly username?: string;
  readonly password?: string;
  /** When the credentials stop working (XEP-0082 date-time). */
  readonly expires?: string;
  /** The credentials are not for any other use (§5.1 `restricted`). */
  readonly restricted?: boolean;
};

/** Longest host name and credential we accept from a server (a malformed answer is ignored, not trusted). */
const MAX_FIELD_CHARS = 512;
/** More services than this in one answer are ignored. */
export const MAX_EXTERNAL_SERVICES = 16;

/** `<services xmlns=…>` listing `services` (the answer to a services request). */
export function encodeExternalServices(services: readonly ExternalService[], ns: string = NS_EXTDISCO_2): El {
  return el('services', { xmlns: ns }, services.map((s) => el('service', {
    type: s.type, host: s.host, port: String(s.port), transport: s.transport, username: s.username, password: s.password,
    expires: s.expires, restricted: s.restricted === true ? '1' : undefined,
  })));
}

/** A services request of either version (`<services xmlns=urn:xmpp:extdisco:1|2/>`), with its optional type filter. */
export function readExternalServicesRequest(payload: El): { readonly ns: string; readonly type: string | undefined } | undefined {
  const ns = payload.attrs.xmlns;
  if (payload.name !== 'services' || (ns !== NS_EXTDISCO_2 && ns !== NS_EXTDISCO_1)) return undefined;
  return { ns, type: payload.attrs.type };
}

/** Reads a services answer; entries that are not usable ICE servers (unknown type, bad port, oversized) are skipped. */
export function decodeExternalServices(services: El): ExternalService[] {
  const out: ExternalService[] = [];
  for (const s of children(services, 'service')) {
    if (out.length >= MAX_EXTERNAL_SERVICES) break;
    const { type, host, transport, username, password, expires } = s.attrs;
    const port = Number(s.attrs.port ?? (type === 'turns' ? 5349 : 3478));
    if (type !== 'stun' && type !== 'turn' && type !== 'turns') continue;
    if (host === undefined || host === '' || host.length > MAX_FIELD_CHARS || /[\s/?#]/.test(host)) continue;
    if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
    if (transport !== undefined && transport !== 'udp' && transport !== 'tcp') continue;
    if ((username?.length ?? 0) > MAX_FIELD_CHARS || (password?.length ?? 0) > MAX_FIELD_CHARS) continue;
    out.push({
      type, host, port,
      ...(transport !== undefined ? { transport } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(expires !== undefined ? { expires } : {}),
      ...(s.attrs.restricted === '1' || s.attrs.restricted === 'true' ? { restricted: true } : {}),
    });
  }
  return out;
}

/** A WebRTC ICE server entry (RTCIceServer's fields). */
export type IceServerEntry = { readonly urls: string; readonly username?: string; readonly credential?: string };

/** The ICE servers a WebRTC client makes of the services (RFC 7064 / 7065 URIs). */
export function iceServersOf(services: readonly ExternalService[]): IceServerEntry[] {
  return services.map((s) => {
    const host = s.host.includes(':') && !s.host.startsWith('[') ? `[${s.host}]` : s.host;
    const urls = s.type === 'stun' ? `stun:${host}:${s.port}` : `${s.type}:${host}:${s.port}${s.transport !== undefined ? `?transport=${s.transport}` : ''}`;
    return s.type === 'stun' ? { urls } : { urls, ...(s.username !== undefined ? { username: s.username } : {}), ...(s.password !== undefined ? { credential: s.password } : {}) };
  });
}
