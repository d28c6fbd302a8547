// Everything a user can ask for inside the meeting, as one event type the views send up to
// `meet-conference`, which alone calls the `Conference`. Keeps the small elements free of it.

export type SidePanel = 'chat' | 'participants';
export type Dialog = 'settings' | 'security' | 'stats' | 'invite' | 'e2ee' | 'live-stream' | 'recording';

export type MeetAction =
  | { readonly kind: 'toggle-audio' }
  | { readonly kind: 'toggle-video' }
  | { readonly kind: 'toggle-screen-share' }
  | { readonly kind: 'toggle-hand' }
  | { readonly kind: 'toggle-layout' }
  | { readonly kind: 'toggle-panel'; readonly panel: SidePanel }
  | { readonly kind: 'open-dialog'; readonly dialog: Dialog }
  | { readonly kind: 'close-dialog' }
  | { readonly kind: 'leave' }
  | { readonly kind: 'pin'; readonly id: string | undefined }
  | { readonly kind: 'private-chat'; readonly id: string }
  | { readonly kind: 'send-chat'; readonly text: string; readonly to: string | undefined }
  | { readonly kind: 'set-display-name'; readonly name: string }
  | { readonly kind: 'switch-device'; readonly device: 'audioinput' | 'videoinput'; readonly deviceId: string }
  | { readonly kind: 'mute-participant'; readonly id: string; readonly media: 'audio' | 'video' }
  | { readonly kind: 'mute-everyone'; readonly media: 'audio' | 'video' }
  | { readonly kind: 'kick'; readonly id: string }
  | { readonly kind: 'grant-moderator'; readonly id: string }
  | { readonly kind: 'set-room-password'; readonly password: string | undefined }
  | { readonly kind: 'set-lobby'; readonly enabled: boolean }
  | { readonly kind: 'set-e2ee'; readonly enabled: boolean }
  | { readonly kind: 'set-e2ee-verified'; readonly id: string; readonly verified: boolean }
  | { readonly kind: 'admit'; readonly id: string }
  | { readonly kind: 'deny'; readonly id: string }
  | { readonly kind: 'submit-password'; readonly password: string }
  | { readonly kind: 'dismiss-password-offer' }
  /** `admitRecorder`: the moderator agreed that the recorder holds the keys of an encrypted meeting. */
  | { readonly kind: 'start-recording'; readonly admitRecorder?: boolean }
  | { readonly kind: 'stop-recording' }
  | { readonly kind: 'start-live-stream'; readonly target: string }
  | { readonly kind: 'stop-live-stream' }
  | { readonly kind: 'dial-out'; readonly number: string }
  | { readonly kind: 'hang-up'; readonly callId: string };

export const MEET_ACTION = 'meet-action';

/** Sends `action` up through shadow roots to the conference view. */
export function dispatchAction(from: EventTarget, action: MeetAction): void {
  from.dispatchEvent(new CustomEvent<MeetAction>(MEET_ACTION, { detail: action, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap { 'meet-action': CustomEvent<MeetAction> }
}
