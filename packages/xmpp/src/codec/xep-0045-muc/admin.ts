import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el, children } from '../xml/element.ts';
import { NS_MUC_ADMIN } from './namespaces.ts';
import type { MucItem, MucDecodeError } from './item.ts';
import { decodeMucItem, encodeMucItem, mucDecodeError } from './item.ts';

/** Most items accepted in one muc#admin request: bounds the work a single stanza can cause. */
export const MAX_ADMIN_ITEMS = 100;

/**
 * Reads a `<query xmlns='…muc#admin'>` (XEP-0045 §8–§10). XEP-0045 §17.4: an item of a set request
 * carries a role or an affiliation, never both; that and "at least one item" are checked here.
 */
export function decodeMucAdminQuery(query: El): Result<readonly MucItem[], MucDecodeError> {
  if (query.name !== 'query' || query.attrs.xmlns !== NS_MUC_ADMIN) {
    return mucDecodeError('muc/unexpected-element', `expected {${NS_MUC_ADMIN}}query`);
  }
  const els = children(query, 'item');
  if (els.length === 0) return mucDecodeError('muc/bad-item', 'query without items');
  if (els.length > MAX_ADMIN_ITEMS) return mucDecodeError('muc/bad-item', `more than ${MAX_ADMIN_ITEMS} items`);
  const items: MucItem[] = [];
  for (const e of els) {
    const item = decodeMucItem(e);
    if (!item.ok) return item;
    const { affiliation, role } = item.value;
    if ((affiliation === undefined) === (role === undefined)) {
      return mucDecodeError('muc/bad-item', 'an item needs exactly one of affiliation and role');
    }
    items.push(item.value);
  }
  return ok(items);
}

/** Writes a muc#admin query (requests and list results). */
export function encodeMucAdminQuery(items: readonly MucItem[]): El {
  return el('query', { xmlns: NS_MUC_ADMIN }, items.map(encodeMucItem));
}
