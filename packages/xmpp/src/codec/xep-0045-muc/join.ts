import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el, child, text } from '../xml/element.ts';
import { NS_MUC } from './namespaces.ts';
import type { MucDecodeError } from './item.ts';
import { mucDecodeError } from './item.ts';

/** XEP-0045 §7.2.14 history limits a joining client asks for; `sinceMs` is `since` as epoch ms. */
export type MucHistoryRequest = {
  readonly maxChars?: number;
  readonly maxStanzas?: number;
  readonly seconds?: number;
  readonly sinceMs?: number;
};

/** The `<x xmlns='…muc'>` of an entering presence (XEP-0045 §7.2.1). */
export type MucJoin = { readonly password?: string; readonly history?: MucHistoryRequest };

const NON_NEGATIVE_INT = /^\d{1,9}$/;
// XEP-0082 §3.2 DateTime profile: CCYY-MM-DDThh:mm:ss[.sss]TZD.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Reads the join element; malformed history attributes are an error (never throws). */
export function decodeMucJoin(x: El): Result<MucJoin, MucDecodeError> {
  if (x.name !== 'x' || x.attrs.xmlns !== NS_MUC) return mucDecodeError('muc/unexpected-element', `expected {${NS_MUC}}x`);
  const passwordEl = child(x, 'password');
  const historyEl = child(x, 'history');
  let history: MucHistoryRequest | undefined;
  if (historyEl !== undefined) {
    const h: { maxChars?: number; maxStanzas?: number; seconds?: number; sinceMs?: number } = {};
    for (const [attr, key] of [['maxchars', 'maxChars'], ['maxstanzas', 'maxStanzas'], ['seconds', 'seconds']] as const) {
      const v = historyEl.attrs[attr];
      if (v === undefined) continue;
      if (!NON_NEGATIVE_INT.test(v)) return mucDecodeError('muc/bad-history', `history ${attr} must be a non-negative integer`);
      h[key] = Number(v);
    }
    const since = historyEl.attrs.since;
    if (since !== undefined) {
      const ms = DATE_TIME.test(since) ? Date.parse(since) : Number.NaN;
      if (Number.isNaN(ms)) return mucDecodeError('muc/bad-history', 'history since must be an XEP-0082 DateTime');
      h.sinceMs = ms;
    }
    history = h;
  }
  return ok({
    ...(passwordEl !== undefined ? { password: text(passwordEl) } : {}),
    ...(history !== undefined ? { history } : {}),
  });
}

/** Writes the join element. */
export function encodeMucJoin(join: MucJoin = {}): El {
  const h = join.history;
  return el('x', { xmlns: NS_MUC },
    join.password !== undefined ? el('password', {}, join.password) : undefined,
    h !== undefined
      ? el('history', {
        maxchars: h.maxChars, maxstanzas: h.maxStanzas, seconds: h.seconds,
        since: h.sinceMs !== undefined ? new Date(h.sinceMs).toISOString() : undefined,
      })
      : undefined);
}
