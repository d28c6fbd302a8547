// What a participant's Jingle says about itself (session-accept, source-add, source-remove,
// transport-info; protocols.md §2.2–§2.3), checked the way Jicofo does before anything reaches the
// bridge or other participants. Pure.
import type { Result } from '@plenum/kit';
import { err, ok } from '@plenum/kit';
import type { EndpointSources, IceUdpTransport, Jingle, OwnSourceLimits } from '@plenum/xmpp/codec';
import { toEndpointSources, validateOwnSources } from '@plenum/xmpp/codec';
import { addSources, isEmptySources, ssrcsOfSources } from './source-map.ts';

/**
 * The sources a participant signals for itself, unchecked: XEP-0339 sources in the contents plus
 * compact JSON, which may only be under its own endpoint id.
 */
export function signalledSources(j: Jingle, endpointId: string): Result<EndpointSources, string> {
  let sources = toEndpointSources(j.contents);
  if (j.jsonSources !== undefined) {
    for (const [owner, s] of Object.entries(j.jsonSources)) {
      if (owner !== endpointId && !isEmptySources(s)) return err(`sources signalled for another endpoint (${owner})`);
      sources = addSources(sources, s);
    }
  }
  return ok(sources);
}

/**
 * A session-accept's sources, validated (SSRC range, owner, names `<endpoint>-…`, groups,
 * ≤ maxSsrcs / maxGroups).
 */
export function ownSourcesOf(j: Jingle, endpointId: string, limits: OwnSourceLimits): Result<EndpointSources, string> {
  const sources = signalledSources(j, endpointId);
  if (!sources.ok) return sources;
  const checked = validateOwnSources(sources.value, endpointId, limits);
  return checked.ok ? ok(checked.value) : err(checked.error.text);
}

/** The participant's ICE/DTLS transport (bundled: the first content that carries credentials). */
export function transportOf(j: Jingle): IceUdpTransport | undefined {
  for (const c of j.contents) {
    const t = c.transport;
    if (t !== undefined && (t.ufrag !== undefined || t.fingerprints.length > 0 || t.candidates.length > 0)) {
      const { sctp: _sctp, webSocketUrl: _ws, ...rest } = t;
      return rest;
    }
  }
  return undefined;
}

/** New total after a source-add, validated as a whole (the limits are per endpoint, not per message). */
export function afterSourceAdd(current: EndpointSources, added: EndpointSources, endpointId: string, limits: OwnSourceLimits): Result<EndpointSources, string> {
  const total = validateOwnSources(addSources(current, added), endpointId, limits);
  return total.ok ? ok(total.value) : err(total.error.text);
}

/** Checks a source-remove only names the participant's own SSRCs. */
export function checkSourceRemove(current: EndpointSources, removed: EndpointSources): Result<EndpointSources, string> {
  const mine = new Set(ssrcsOfSources(current));
  const foreign = ssrcsOfSources(removed).find((s) => !mine.has(s));
  return foreign === undefined ? ok(removed) : err(`SSRC ${foreign} is not one of your sources`);
}
