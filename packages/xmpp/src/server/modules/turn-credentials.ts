// The STUN/TURN services the server hands out by XEP-0215, with TURN credentials minted per request
// as the TURN REST API describes (what coturn's `use-auth-secret` / `static-auth-secret` checks):
// username `<expiry unix seconds>:<random>`, password base64(HMAC-SHA1(secret, username)). Nothing
// is stored; a credential stops working at its expiry. The random part keeps one user's allocations
// apart from another's (coturn's per-user quotas) without naming anybody in the TURN server's logs.
import { createHmac, randomBytes } from 'node:crypto';
import type { ExternalService } from '../../codec/index.ts';

export type TurnSettings = {
  /** Host name or address clients reach the TURN server at; empty: no TURN or STUN offered. */
  readonly host: string;
  readonly port: number;
  readonly udp: boolean;
  readonly tcp: boolean;
  /** TURN over TLS port; 0: none. */
  readonly tlsPort: number;
  readonly secret: string;
  readonly ttlSeconds: number;
  /** Offer the TURN server as a STUN server too. */
  readonly stun: boolean;
};

export class TurnCredentials {
  constructor(private readonly settings: TurnSettings, private readonly now: () => number = Date.now) {
    if (settings.host !== '' && settings.secret === '') {
      throw new Error('turn.secret is required when turn.host is set: a TURN server without credentials is an open relay');
    }
  }

  get enabled(): boolean {
    return this.settings.host !== '';
  }

  /** The services for one request (fresh credentials each time); none when TURN is not configured. */
  services(): ExternalService[] {
    const s = this.settings;
    if (!this.enabled) return [];
    const expiresAt = Math.floor(this.now() / 1000) + s.ttlSeconds;
    const username = `${expiresAt}:${randomBytes(6).toString('hex')}`;
    const password = createHmac('sha1', s.secret).update(username).digest('base64');
    const expires = new Date(expiresAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const turn = (type: 'turn' | 'turns', port: number, transport: 'udp' | 'tcp'): ExternalService => ({ type, host: s.host, port, transport, username, password, expires, restricted: true });
    return [
      ...(s.stun ? [{ type: 'stun' as const, host: s.host, port: s.port }] : []),
      ...(s.udp ? [turn('turn', s.port, 'udp')] : []),
      ...(s.tcp ? [turn('turn', s.port, 'tcp')] : []),
      ...(s.tlsPort > 0 ? [turn('turns', s.tlsPort, 'tcp')] : []),
    ];
  }
}
