// Participants' disco#info features (protocols.md §2.1: Jicofo reads them before inviting), asked of
// the occupant JID and cached by XEP-0115 caps `node#ver`. A result is cached only when its
// verification string hashes to the advertised `ver` (XEP-0115 §5.1/§5.4), so one client cannot
// poison the cache for everyone else who claims the same caps.
import { createHash } from 'node:crypto';
import type { Logger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { NS_DISCO_INFO, NS_DATA_FORMS, child, children, el, text } from '@plenum/xmpp/codec';
import type { StanzaChannel } from '../ports.ts';

/** XEP-0115 `<c node ver hash>` of a presence, as the cache key and the hash to check. */
export type Caps = { readonly node: string; readonly ver: string; readonly hash: string };

const NS_CAPS = 'http://jabber.org/protocol/caps';

/** Reads `<c xmlns="http://jabber.org/protocol/caps">` from a presence. */
export function capsOf(presence: El): Caps | undefined {
  const c = child(presence, 'c', NS_CAPS);
  const { node, ver, hash } = c?.attrs ?? {};
  return node !== undefined && ver !== undefined && hash !== undefined ? { node, ver, hash } : undefined;
}

const capsKey = (c: Caps): string => `${c.node}#${c.ver}`;

/** XEP-0115 §5.1: the verification string of a disco#info result, hashed with SHA-1 and base64. */
export function capsVerification(query: El): string {
  const ids = children(query, 'identity')
    .map((i) => [i.attrs.category ?? '', i.attrs.type ?? '', i.attrs['xml:lang'] ?? '', i.attrs.name ?? ''] as const)
    .sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]) || cmp(a[2], b[2]));
  let s = '';
  for (const i of ids) s += `${i.join('/')}<`;
  for (const f of children(query, 'feature').map((x) => x.attrs.var ?? '').sort(cmp)) s += `${f}<`;
  const forms = children(query, 'x', NS_DATA_FORMS).map((x) => {
    const fields = children(x, 'field');
    const formType = text(children(fields.find((f) => f.attrs.var === 'FORM_TYPE') ?? el('field'), 'value')[0]);
    return { formType, fields: fields.filter((f) => f.attrs.var !== 'FORM_TYPE') };
  }).sort((a, b) => cmp(a.formType, b.formType));
  for (const form of forms) {
    s += `${form.formType}<`;
    for (const f of [...form.fields].sort((a, b) => cmp(a.attrs.var ?? '', b.attrs.var ?? ''))) {
      s += `${f.attrs.var ?? ''}<`;
      for (const v of children(f, 'value').map((x) => text(x)).sort(cmp)) s += `${v}<`;
    }
  }
  return createHash('sha1').update(s, 'utf8').digest('base64');
}

// XEP-0115 §5.1 sorts by "i;octet" collation: plain code-unit order.
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Features of occupants, asked once per verified caps. */
export class FeatureCache {
  readonly #cache = new Map<string, readonly string[]>();
  readonly #inFlight = new Map<string, Promise<readonly string[] | undefined>>();

  constructor(private readonly deps: {
    readonly channel: StanzaChannel; readonly log: Logger; readonly from: string; readonly timeoutMs: number; readonly maxEntries: number;
  }) {}

  /** The occupant's features; undefined when it did not answer in time (the caller assumes defaults). */
  featuresOf(occupantJid: string, caps: Caps | undefined): Promise<readonly string[] | undefined> {
    if (caps === undefined) return this.#ask(occupantJid, undefined);
    const key = capsKey(caps);
    const cached = this.#cache.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.#inFlight.get(key);
    // Share the answer only once it is verified and cached; an unverified one was that occupant's alone.
    if (pending !== undefined) return pending.then(() => this.#cache.get(key) ?? this.#ask(occupantJid, caps));
    const asked = this.#ask(occupantJid, caps).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, asked);
    return asked;
  }

  async #ask(occupantJid: string, caps: Caps | undefined): Promise<readonly string[] | undefined> {
    let reply: El;
    try {
      reply = await this.deps.channel.request(el('iq', { type: 'get', from: this.deps.from, to: occupantJid }, el('query', { xmlns: NS_DISCO_INFO })),
        { timeoutMs: this.deps.timeoutMs });
    } catch (error) {
      this.deps.log.debug('participant disco failed', { occupant: occupantJid, err: (error as Error).message });
      return undefined;
    }
    const query = child(reply, 'query', NS_DISCO_INFO);
    if (query === undefined) return undefined;
    const features = children(query, 'feature').flatMap((f) => (f.attrs.var !== undefined ? [f.attrs.var] : []));
    if (caps !== undefined && caps.hash === 'sha-1' && capsVerification(query) === caps.ver) {
      if (this.#cache.size >= this.deps.maxEntries) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      this.#cache.set(capsKey(caps), features);
    }
    return features;
  }
}
