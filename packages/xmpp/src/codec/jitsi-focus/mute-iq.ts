import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el, text } from '../xml/element.ts';
import { parseJid } from '../jid/jid.ts';
import type { MuteRequest } from './focus-types.ts';
import { NS_MUTE_AUDIO, NS_MUTE_DESKTOP, NS_MUTE_VIDEO } from './focus-types.ts';
import type { FocusCodecError } from './focus-codec-error.ts';

// Remote mute (protocols.md §8.5, §10): IQ-set `<mute xmlns="http://jitsi.org/jitmeet/audio|video|desktop"
// jid="room@conference/<endpoint>" actor="…">true|false</mute>`. A moderator sends it to the focus;
// the focus sends the same element with `actor` to the muted participant.

const MEDIA_BY_NS: ReadonlyMap<string, MuteRequest['media']> = new Map([
  [NS_MUTE_AUDIO, 'audio'], [NS_MUTE_VIDEO, 'video'], [NS_MUTE_DESKTOP, 'desktop'],
]);
const NS_BY_MEDIA: Readonly<Record<MuteRequest['media'], string>> = {
  audio: NS_MUTE_AUDIO, video: NS_MUTE_VIDEO, desktop: NS_MUTE_DESKTOP,
};

/**
 * Reads a `<mute>` element. `jid` is required (jicofo answers bad-request without it) and must
 * parse as a JID; the text must be `true` or `false`. Never throws.
 */
export function decodeMuteRequest(mute: El): Result<MuteRequest, FocusCodecError> {
  const media = MEDIA_BY_NS.get(mute.attrs.xmlns ?? '');
  if (mute.name !== 'mute' || media === undefined) {
    return err({ code: 'focus/unexpected-element', text: 'expected <mute> in a jitmeet audio/video/desktop namespace' });
  }
  const jid = mute.attrs.jid;
  if (jid === undefined || jid === '') return err({ code: 'focus/missing-jid', text: 'mute without jid' });
  if (!parseJid(jid).ok) return err({ code: 'focus/bad-jid', text: `jid "${jid}" is malformed` });
  const value = text(mute).trim();
  if (value !== 'true' && value !== 'false') return err({ code: 'focus/bad-mute', text: 'mute text must be true or false' });
  return ok({ media, jid, mute: value === 'true', ...(mute.attrs.actor !== undefined ? { actor: mute.attrs.actor } : {}) });
}

/** Writes `<mute xmlns jid actor>true|false</mute>`. */
export function encodeMuteRequest(m: MuteRequest): El {
  return el('mute', { xmlns: NS_BY_MEDIA[m.media], jid: m.jid, actor: m.actor }, String(m.mute));
}
