// What the conference-leg tests share: the testkit stack (XMPP server, focus, bridges) with the
// gateway's component domain trusted by the focus, a ComponentConnection routing stanzas to legs by
// JID as the gateway does, and a few room helpers for a moderator participant.
import { randomUUID } from 'node:crypto';
import { silentLogger, systemClock } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { NS_MUC_OWNER, NS_MUC_USER, child, el } from '@plenum/xmpp/codec';
import { ComponentConnection } from '@plenum/xmpp/component';
import type { RunningStack } from '@plenum/testkit';
import { startStack } from '@plenum/testkit';
import type { MediaParticipant } from '@plenum/testkit/media-participant';
import type { ConferenceLegDeps, ConferenceLegParams } from '../src/conference/index.ts';

export const GATEWAY_DOMAIN = 'sip.plenum.localhost';
export const MUC = 'conference.plenum.localhost';

export type Harness = { stack: RunningStack; connection: ComponentConnection; deps: ConferenceLegDeps; route: (h: (s: El) => boolean) => void };

export async function withStack(run: (h: Harness) => Promise<void>, opts: { readonly bridges?: number } = {}): Promise<void> {
  const secrets = { focus: randomUUID(), bridges: randomUUID(), gateway: randomUUID() };
  let stack: RunningStack | undefined;
  let connection: ComponentConnection | undefined;
  try {
    stack = await startStack({
      bridges: opts.bridges ?? 1,
      server: { components: { secrets: [`focus.plenum.localhost=${secrets.focus}`, `*.bridge.plenum.localhost=${secrets.bridges}`, `${GATEWAY_DOMAIN}=${secrets.gateway}`] } },
      focus: { component: { secret: secrets.focus }, moderation: { trustedServiceDomains: [GATEWAY_DOMAIN] } },
      bridgeValues: () => ({ xmpp: { secret: secrets.bridges } }),
    });
    connection = new ComponentConnection({
      log: silentLogger, clock: systemClock, ids: { next: () => randomUUID() },
      options: { host: '127.0.0.1', port: stack.server.componentPort, domain: GATEWAY_DOMAIN, secret: secrets.gateway, reconnectMaxDelayMs: 1000 },
    });
    // What the gateway does: stanzas to a call's JID go to that call's leg.
    const handlers: ((s: El) => boolean)[] = [];
    connection.events.on('stanza', (s) => {
      for (const h of handlers) if (h(s)) return;
    });
    await connection.start();
    const deps: ConferenceLegDeps = {
      log: silentLogger, channel: connection, domain: GATEWAY_DOMAIN, focusDomain: 'focus.plenum.localhost',
      media: { interfaceAddress: '127.0.0.1' }, timeouts: { sessionMs: 10_000, mediaMs: 10_000 },
    };
    await run({ stack, connection, deps, route: (h) => handlers.push(h) });
  } finally {
    await connection?.close();
    await stack?.close();
  }
}

export const legParams = (room: string, extra: Partial<ConferenceLegParams> = {}): ConferenceLegParams =>
  ({ roomJid: `${room}@${MUC}`, nick: randomUUID().slice(0, 8), displayName: 'Phone •••• 67', ...extra });

/** A moderator's room configuration (XEP-0045 §10.2, muc#roomconfig form). */
export function configureRoom(p: MediaParticipant, fields: Record<string, string>): Promise<El> {
  return p.signalling.request(el('iq', { type: 'set', to: p.signalling.roomJid },
    el('query', { xmlns: NS_MUC_OWNER }, el('x', { xmlns: 'jabber:x:data', type: 'submit' },
      el('field', { var: 'FORM_TYPE' }, el('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
      Object.entries(fields).map(([name, value]) => el('field', { var: name }, el('value', {}, value)))))));
}

/** The participant is a moderator (first in the room: the focus's auto-owner). */
export async function becomesModerator(p: MediaParticipant): Promise<void> {
  await p.signalling.client.next((e) => e.name === 'presence' && e.attrs.from === p.signalling.occupantJid
    && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role === 'moderator', 5000, 'moderator role');
}
