// The focus's PIN directory seen from the gateway: an IQ get `<dial-in pin=…/>` to focus.<domain>
// (Plenum's urn:plenum:dial-in:0); the result names the room and its password.
import { NS_PLENUM_DIAL_IN, child, decodeDialInResult, el, encodeDialInQuery } from '@plenum/xmpp/codec';
import type { El } from '@plenum/xmpp/codec';
import type { RequestOptions } from '@plenum/xmpp/component';
import { isComponentError } from '@plenum/xmpp/component';
import type { PinDirectory } from './ports.ts';

export type PinChannel = { request(iq: El, opts: RequestOptions): Promise<El> };

const LOOKUP_TIMEOUT_MS = 5_000;

export class FocusPinDirectory implements PinDirectory {
  constructor(private readonly channel: PinChannel, private readonly from: string, private readonly focusDomain: string) {}

  async lookup(pin: string): Promise<{ readonly roomJid: string; readonly password?: string } | undefined> {
    // A PIN the focus could never have issued is wrong without asking (the codec takes 4–16 digits).
    if (!/^\d{4,16}$/.test(pin)) return undefined;
    let reply: El;
    try {
      reply = await this.channel.request(el('iq', { type: 'get', from: this.from, to: this.focusDomain }, encodeDialInQuery({ pin })), { timeoutMs: LOOKUP_TIMEOUT_MS });
    } catch (error) {
      if (isComponentError(error, 'remote-error') && error.message.startsWith('remote error item-not-found')) return undefined;
      throw error;
    }
    const result = child(reply, 'dial-in', NS_PLENUM_DIAL_IN);
    if (result === undefined) throw new Error('the focus answered the PIN look-up without a result');
    const decoded = decodeDialInResult(result);
    if (!decoded.ok) throw new Error(`bad PIN look-up result: ${decoded.error.text}`);
    return { roomJid: decoded.value.room, ...(decoded.value.password !== undefined ? { password: decoded.value.password } : {}) };
  }
}
