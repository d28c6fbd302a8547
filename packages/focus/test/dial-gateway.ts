// A scripted SIP gateway for the focus's dial tests: an XEP-0114 component in the jigasi brewery
// publishing colibri stats (protocols.md §7), answering dial IQs with a ref or an error, and able
// to ask the focus for a PIN. It places no calls: the focus's side is what is under test.
import type { StanzaCondition } from '@plenum/kit';
import type { El, JigasiStats } from '@plenum/xmpp/codec';
import { NS_MUC, NS_RAYO, child, el, encodeDialInQuery, encodeJigasiStats, errorReply, iqResult, encodeRayoRef } from '@plenum/xmpp/codec';
import { Bot } from './integration/xmpp-bot.ts';
import type { Stack } from './integration/stack.ts';

export const JIGASI_BREWERY = 'jigasibrewery@internal.plenum.localhost';
/** Each scripted gateway is its own component `<nick>.sip.plenum.localhost` (one connection per domain). */
export const GATEWAY_DOMAINS = '*.sip.plenum.localhost';
export const GATEWAY_SECRET = 's1';
export const gatewayDomain = (nick: string): string => `${nick}.sip.plenum.localhost`;

export class ScriptedGateway {
  /** Dial IQs received, as sent by the focus. */
  readonly dials: El[] = [];
  /** How to answer the next dials: a ref (default) or this error condition. */
  answer: { readonly kind: 'ref' } | { readonly kind: 'error'; readonly condition: StanzaCondition } = { kind: 'ref' };

  private constructor(readonly bot: Bot, readonly nick: string) {
    bot.handlers.push((e) => this.#onIq(e));
  }

  static async join(stack: Stack, nick: string, stats: Partial<JigasiStats> = {}): Promise<ScriptedGateway> {
    const bot = await Bot.connect(stack.server.componentPort, { kind: 'component', domain: gatewayDomain(nick), secret: GATEWAY_SECRET });
    stack.bots.push(bot);
    const gw = new ScriptedGateway(bot, nick);
    gw.publish({ supportsSip: true, supportsTranscription: false, gracefulShutdown: false, participants: 0, ...stats });
    await bot.next((e) => e.name === 'presence' && e.attrs.from === `${JIGASI_BREWERY}/${nick}`, 5000, 'gateway brewery self-presence');
    return gw;
  }

  get jid(): string {
    return `${gatewayDomain(this.nick)}/gateway`;
  }

  publish(stats: JigasiStats): void {
    this.bot.send(el('presence', { from: this.jid, to: `${JIGASI_BREWERY}/${this.nick}` }, el('x', { xmlns: NS_MUC }), encodeJigasiStats(stats)));
  }

  /** Asks the focus which room a PIN opens (what the gateway's IVR does). */
  lookupPin(focusDomain: string, pin: string): Promise<El> {
    return this.bot.request(el('iq', { type: 'get', from: this.jid, to: focusDomain }, encodeDialInQuery({ pin })));
  }

  #onIq(e: El): boolean {
    if (e.name !== 'iq' || e.attrs.type !== 'set' || child(e, 'dial', NS_RAYO) === undefined) return false;
    this.dials.push(e);
    if (this.answer.kind === 'ref') {
      this.bot.send(iqResult(e, encodeRayoRef({ uri: `xmpp:call-${this.dials.length}@${gatewayDomain(this.nick)}` })));
    } else {
      this.bot.send(errorReply(e, { type: 'cancel', condition: this.answer.condition }));
    }
    return true;
  }
}
