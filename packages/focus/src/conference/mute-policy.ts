// Remote mute rules (protocols.md §8.5), pure: only moderators mute others, nobody unmutes others,
// anyone may mute or unmute themselves. Desktop is video on the bridge (COLIBRI2 force-mute has
// only audio and video).
import type { MuteRequest } from '@plenum/xmpp/codec';

/** What a mute request amounts to. */
export type MuteDecision =
  /** A moderator mutes someone else: force-mute on the bridge and tell the target. */
  | { readonly kind: 'force-mute'; readonly bridgeMedia: 'audio' | 'video' }
  /** Someone mutes or unmutes themselves: lift a force-mute on unmute, nothing else. */
  | { readonly kind: 'self'; readonly bridgeMedia: 'audio' | 'video'; readonly mute: boolean }
  /** Refused: forbidden (not a moderator) or not-allowed (unmuting someone else). */
  | { readonly kind: 'refused'; readonly condition: 'forbidden' | 'not-allowed'; readonly text: string };

/** Decides a mute request from `actor` (is it a moderator?) about `target`. */
export function decideMute(req: Pick<MuteRequest, 'media' | 'mute'>, actor: { readonly endpointId: string; readonly isModerator: boolean }, targetId: string): MuteDecision {
  const bridgeMedia = req.media === 'audio' ? 'audio' : 'video';
  if (targetId === actor.endpointId) return { kind: 'self', bridgeMedia, mute: req.mute };
  if (!req.mute) return { kind: 'refused', condition: 'not-allowed', text: 'nobody may unmute someone else' };
  if (!actor.isModerator) return { kind: 'refused', condition: 'forbidden', text: 'only moderators may mute others' };
  return { kind: 'force-mute', bridgeMedia };
}
