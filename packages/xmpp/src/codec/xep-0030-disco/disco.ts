import type { El } from '../xml/element.ts';
import { el, children } from '../xml/element.ts';

// XEP-0030 Service Discovery.
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';

/** A disco identity (§3.1). */
export type DiscoIdentity = { readonly category: string; readonly type: string; readonly name?: string };
/** A disco item (§4.1). */
export type DiscoItem = { readonly jid: string; readonly name?: string; readonly node?: string };
/** What an entity says about itself. `extensions` are XEP-0128 data forms. */
export type DiscoInfo = { readonly identities: readonly DiscoIdentity[]; readonly features: readonly string[]; readonly extensions?: readonly El[]; readonly node?: string };

/** `<query xmlns=disco#info>` with identities, features and extension forms. */
export function encodeDiscoInfo(info: DiscoInfo): El {
  return el('query', { xmlns: NS_DISCO_INFO, node: info.node },
    info.identities.map((i) => el('identity', { category: i.category, type: i.type, name: i.name })),
    info.features.map((f) => el('feature', { var: f })),
    info.extensions ?? []);
}

/** Reads a disco#info result; unknown children are ignored. */
export function decodeDiscoInfo(query: El): DiscoInfo {
  const identities = children(query, 'identity').flatMap((i) => {
    const { category, type, name } = i.attrs;
    if (category === undefined || type === undefined) return [];
    return [{ category, type, ...(name !== undefined ? { name } : {}) }];
  });
  const features = children(query, 'feature').flatMap((f) => (f.attrs.var !== undefined ? [f.attrs.var] : []));
  const extensions = children(query, 'x', 'jabber:x:data');
  return { identities, features, extensions, ...(query.attrs.node !== undefined ? { node: query.attrs.node } : {}) };
}

/** `<query xmlns=disco#items>` listing items. */
export function encodeDiscoItems(items: readonly DiscoItem[], node?: string): El {
  return el('query', { xmlns: NS_DISCO_ITEMS, node }, items.map((i) => el('item', { jid: i.jid, name: i.name, node: i.node })));
}

/** Reads a disco#items result. */
export function decodeDiscoItems(query: El): DiscoItem[] {
  return children(query, 'item').flatMap((i) => {
    const { jid, name, node } = i.attrs;
    if (jid === undefined) return [];
    return [{ jid, ...(name !== undefined ? { name } : {}), ...(node !== undefined ? { node } : {}) }];
  });
}
