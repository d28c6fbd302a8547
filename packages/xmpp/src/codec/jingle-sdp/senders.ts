// XEP-0167 §5 `senders` ⇄ SDP direction (RFC 8866 §6.7). The SDP direction is from its author's point of
// view, `senders` names parties of the Jingle session, so the mapping depends on who wrote the SDP: an
// offer is written by the initiator, an answer by the responder.
import type { JingleContent } from '../xep-0166-jingle/jingle-types.ts';
import type { SdpDirection } from './sdp-types.ts';

/** Jingle's `senders` values. */
export type JingleSenders = JingleContent['senders'];

/** The Jingle party that wrote an SDP. */
export type SdpAuthor = 'initiator' | 'responder';

/** The direction an SDP written by `author` states for `senders`. */
export function directionFromSenders(senders: JingleSenders, author: SdpAuthor): SdpDirection {
  switch (senders) {
    case 'both': return 'sendrecv';
    case 'none': return 'inactive';
    default: return senders === author ? 'sendonly' : 'recvonly';
  }
}

/** The `senders` meant by `direction` in an SDP written by `author`. */
export function sendersFromDirection(direction: SdpDirection, author: SdpAuthor): JingleSenders {
  const other: SdpAuthor = author === 'initiator' ? 'responder' : 'initiator';
  switch (direction) {
    case 'sendrecv': return 'both';
    case 'inactive': return 'none';
    case 'sendonly': return author;
    case 'recvonly': return other;
    default: return direction satisfies never;
  }
}
