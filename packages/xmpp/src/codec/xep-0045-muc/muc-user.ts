import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el, child, children, text } from '../xml/element.ts';
import { NS_MUC_USER } from './namespaces.ts';
import type { MucItem, MucDecodeError } from './item.ts';
import { decodeMucItem, encodeMucItem, mucDecodeError } from './item.ts';

/** `<destroy>` in muc#owner requests and muc#user presence (XEP-0045 §10.9). */
export type MucDestroy = { readonly jid?: string; readonly reason?: string; readonly password?: string };

/** A mediated invitation (XEP-0045 §7.8.2): `to` from the inviter, `from` added by the room. */
export type MucInvite = { readonly to?: string; readonly from?: string; readonly reason?: string };
/** A declined invitation (XEP-0045 §7.8.2), addressed like an invitation. */
export type MucDecline = MucInvite;

/** The parts of an `<x xmlns='…muc#user'>` element. */
export type MucUserX = {
  readonly items: readonly MucItem[];
  readonly statuses: readonly number[];
  readonly destroy?: MucDestroy;
  readonly invites: readonly MucInvite[];
  readonly declines: readonly MucDecline[];
  readonly password?: string;
};

/** Reads a `<destroy>` element (namespace checked by the caller). */
export function decodeMucDestroy(e: El): MucDestroy {
  const { jid } = e.attrs;
  const reason = child(e, 'reason');
  const password = child(e, 'password');
  return {
    ...(jid !== undefined ? { jid } : {}),
    ...(reason !== undefined ? { reason: text(reason) } : {}),
    ...(password !== undefined ? { password: text(password) } : {}),
  };
}

/** Writes a `<destroy>`; `xmlns` is set when it stands alone (inside a muc#owner query it inherits). */
export function encodeMucDestroy(d: MucDestroy, xmlns?: string): El {
  return el('destroy', { xmlns, jid: d.jid },
    d.reason !== undefined ? el('reason', {}, d.reason) : undefined,
    d.password !== undefined ? el('password', {}, d.password) : undefined);
}

function decodeInvite(e: El): MucInvite {
  const { to, from } = e.attrs;
  const reason = child(e, 'reason');
  return {
    ...(to !== undefined ? { to } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(reason !== undefined ? { reason: text(reason) } : {}),
  };
}

const encodeInvite = (name: 'invite' | 'decline', i: MucInvite): El =>
  el(name, { from: i.from, to: i.to }, i.reason !== undefined ? el('reason', {}, i.reason) : undefined);

/** Reads an `<x xmlns='…muc#user'>`; never throws. */
export function decodeMucUserX(x: El): Result<MucUserX, MucDecodeError> {
  if (x.name !== 'x' || x.attrs.xmlns !== NS_MUC_USER) return mucDecodeError('muc/unexpected-element', `expected {${NS_MUC_USER}}x`);
  const items: MucItem[] = [];
  for (const i of children(x, 'item')) {
    const item = decodeMucItem(i);
    if (!item.ok) return item;
    items.push(item.value);
  }
  const statuses: number[] = [];
  for (const s of children(x, 'status')) {
    const code = Number(s.attrs.code);
    if (!Number.isInteger(code) || code < 100 || code > 999) return mucDecodeError('muc/bad-item', `bad status code "${s.attrs.code ?? ''}"`);
    statuses.push(code);
  }
  const destroy = child(x, 'destroy');
  const password = child(x, 'password');
  return ok({
    items,
    statuses,
    ...(destroy !== undefined ? { destroy: decodeMucDestroy(destroy) } : {}),
    invites: children(x, 'invite').map(decodeInvite),
    declines: children(x, 'decline').map(decodeInvite),
    ...(password !== undefined ? { password: text(password) } : {}),
  });
}

/** Writes an `<x xmlns='…muc#user'>` with the given parts, items first as in XEP-0045's examples. */
export function encodeMucUserX(x: Partial<MucUserX> = {}): El {
  return el('x', { xmlns: NS_MUC_USER },
    (x.items ?? []).map(encodeMucItem),
    (x.invites ?? []).map((i) => encodeInvite('invite', i)),
    (x.declines ?? []).map((i) => encodeInvite('decline', i)),
    x.destroy !== undefined ? encodeMucDestroy(x.destroy) : undefined,
    x.password !== undefined ? el('password', {}, x.password) : undefined,
    (x.statuses ?? []).map((code) => el('status', { code })));
}
