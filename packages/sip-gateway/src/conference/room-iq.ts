// Which IQ the room delivered to a call, decided before anything acts on it (pure): the focus's
// disco#info (anyone in the room may ask), its Jingle (XEP-0166, protocols.md §2) and its remote
// mute (§8.5). Anything else, or anything from another occupant, is refused.
import type { StanzaErrorBody } from '@plenum/kit';
import type { El, Jingle } from '@plenum/xmpp/codec';
import { NS_DISCO_INFO, NS_JINGLE, NS_MUTE_AUDIO, NS_MUTE_DESKTOP, NS_MUTE_VIDEO, child, decodeJingle, decodeMuteRequest } from '@plenum/xmpp/codec';

export type RoomIq =
  | { readonly kind: 'disco-info' }
  | { readonly kind: 'jingle'; readonly jingle: Jingle }
  /** An audio mute from the focus (true: a moderator muted the call). */
  | { readonly kind: 'audio-mute'; readonly mute: boolean }
  /** A video or screen-share mute: a phone has neither, acknowledged and ignored. */
  | { readonly kind: 'other-mute' }
  | { readonly kind: 'refused'; readonly error: StanzaErrorBody };

/** Classifies an IQ get/set from `from` (an occupant JID of the call's room). */
export function readRoomIq(iq: El, from: string, focusOccupant: string): RoomIq {
  if (iq.attrs.type === 'get' && child(iq, 'query', NS_DISCO_INFO) !== undefined) return { kind: 'disco-info' };
  const unavailable: RoomIq = { kind: 'refused', error: { type: 'cancel', condition: 'service-unavailable' } };
  if (from !== focusOccupant || iq.attrs.type !== 'set') return unavailable;
  const jingle = child(iq, 'jingle', NS_JINGLE);
  if (jingle !== undefined) {
    const decoded = decodeJingle(jingle);
    return decoded.ok ? { kind: 'jingle', jingle: decoded.value } : { kind: 'refused', error: { type: 'modify', condition: 'bad-request', text: decoded.error.text } };
  }
  const audioMute = child(iq, 'mute', NS_MUTE_AUDIO);
  if (audioMute !== undefined) {
    const decoded = decodeMuteRequest(audioMute);
    return decoded.ok ? { kind: 'audio-mute', mute: decoded.value.mute } : { kind: 'refused', error: { type: 'modify', condition: 'bad-request', text: decoded.error.text } };
  }
  if (child(iq, 'mute', NS_MUTE_VIDEO) !== undefined || child(iq, 'mute', NS_MUTE_DESKTOP) !== undefined) return { kind: 'other-mute' };
  return unavailable;
}
