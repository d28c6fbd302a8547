import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';
import { parseXsBoolean } from '../xep-0166-jingle/parse-attrs.ts';
import type { FocusCodecError } from './focus-codec-error.ts';

// Jitsi's start-muted policy element (protocols.md §2.2, §8.6): `<startmuted
// xmlns="http://jitsi.org/jitmeet/start-muted" audio="true" video="false"/>`. The focus puts it in a
// session-initiate (also to force-mute under A/V moderation); moderators publish it in presence.

/** The start-muted namespace. */
export const NS_JITSI_START_MUTED = 'http://jitsi.org/jitmeet/start-muted';

/** Which media a participant starts with muted. */
export type StartMuted = { readonly audio: boolean; readonly video: boolean };

/** Reads `<startmuted>`; a missing attribute means false, as in jicofo's `Boolean.parseBoolean`. */
export function decodeStartMuted(e: El): Result<StartMuted, FocusCodecError> {
  if (e.name !== 'startmuted' || e.attrs.xmlns !== NS_JITSI_START_MUTED) {
    return err({ code: 'focus/unexpected-element', text: `expected {${NS_JITSI_START_MUTED}}startmuted` });
  }
  const audio = e.attrs.audio === undefined ? false : parseXsBoolean(e.attrs.audio);
  const video = e.attrs.video === undefined ? false : parseXsBoolean(e.attrs.video);
  if (audio === undefined || video === undefined) return err({ code: 'focus/bad-attribute', text: 'audio and video must be true or false' });
  return ok({ audio, video });
}

/** Writes `<startmuted audio video/>` with both attributes. */
export function encodeStartMuted(s: StartMuted): El {
  return el('startmuted', { xmlns: NS_JITSI_START_MUTED, audio: String(s.audio), video: String(s.video) });
}
