import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';

// XEP-0199 §3: a ping is an IQ-get with an empty <ping/>; the answer is an empty result.
export const NS_PING = 'urn:xmpp:ping';

/** The ping payload. */
export const encodePing = (): El => el('ping', { xmlns: NS_PING });

/** True when an IQ payload is a ping. */
export const isPing = (payload: El): boolean => payload.name === 'ping' && payload.attrs.xmlns === NS_PING;
