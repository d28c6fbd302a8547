import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { E2eeView, ParticipantView } from '../client/conference-api.ts';
import { dispatchAction } from './actions.ts';
import { E2EE_UNSUPPORTED_TEXT, PHONE_HOLDS_KEYS_TEXT, PHONE_NO_KEYS_TEXT, RECORDER_NO_KEYS_TEXT, recorderHoldsKeysText } from './e2ee-text.ts';
import { icons } from './icons.ts';
import { tokens } from './theme.ts';

type FeatureStatus = 'off' | 'pending' | 'on';

/**
 * The top bar's end-to-end encryption state, for everyone: "End-to-end encrypted" (with how many
 * are verified) while the room is encrypted; a warning when someone present holds no keys (naming
 * phone callers and the recorder) or this browser cannot encrypt; and, when a recorder or a phone
 * gateway holds the keys, that it does (its tooltip says what that means). Nothing while the room
 * is not encrypted. Opens the verification dialog.
 * @fires meet-action - open-dialog (e2ee)
 */
@customElement('meet-e2ee-badge')
export class MeetE2eeBadge extends LitElement {
  static override styles = [tokens, css`
    :host { display: contents; }
    button {
      display: inline-flex; align-items: center; gap: 6px; padding: 3px 11px 3px 8px; border-radius: 999px; border: 0;
      font: inherit; font-size: 13px; font-weight: 600; white-space: nowrap; cursor: pointer; background: #163a2b; color: #7fe0b0;
    }
    button.warn { background: #3d3216; color: var(--warning); }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    svg.icon { width: 15px; height: 15px; }
  `];

  /** The room's E2EE state, with the recorders present (undefined: the core has no E2EE). */
  @property({ attribute: false }) e2ee: E2eeView | undefined;
  /** Everyone in the meeting (remote ones carry their E2EE state). */
  @property({ attribute: false }) participants: readonly ParticipantView[] = [];
  /** The room's recording and live stream: what a recorder holding the keys does with the meeting. */
  @property({ attribute: false }) recording: FeatureStatus = 'off';
  @property({ attribute: false }) liveStream: FeatureStatus = 'off';

  override render() {
    const e = this.e2ee;
    if (e === undefined || !e.enabled) return nothing;
    const open = (): void => dispatchAction(this, { kind: 'open-dialog', dialog: 'e2ee' });
    if (!e.supported) {
      return html`<button class="warn" title=${E2EE_UNSUPPORTED_TEXT} @click=${open}>${icons.lock}Encrypted meeting: this browser cannot take part</button>`;
    }
    const remotes = this.participants.filter((p) => !p.isLocal);
    const people = remotes.filter((p) => !p.isPhone);
    const phones = remotes.filter((p) => p.isPhone);
    const keyless = { phones: phones.filter((p) => p.e2ee?.hasKeys !== true).length, people: people.filter((p) => p.e2ee?.hasKeys !== true).length };
    const keyed = { phones: phones.length - keyless.phones };
    const recorders = e.recorders ?? [];
    const recorderKeyless = recorders.some((r) => !r.hasKeys);
    const recorderKeyed = recorders.some((r) => r.hasKeys);
    // Only people can compare emoji: nobody verifies a phone gateway.
    const verified = people.filter((p) => p.e2ee?.verified === true).length;
    const title = [
      ...(recorderKeyed ? [recorderHoldsKeysText(this.recording !== 'off', this.liveStream !== 'off')] : []),
      ...(keyed.phones > 0 ? [PHONE_HOLDS_KEYS_TEXT] : []),
      ...(recorderKeyless ? [RECORDER_NO_KEYS_TEXT] : []),
      ...(keyless.phones > 0 ? [PHONE_NO_KEYS_TEXT] : []),
    ].join(' ');
    const cannot = keyless.phones + keyless.people > 0 || recorderKeyless;
    const holders = keyed.phones > 0 || recorderKeyed;
    const label = cannot
      ? `End-to-end encrypted; ${listOf(keyless.phones, recorderKeyless, keyless.people)} cannot decrypt`
      : holders
        ? `End-to-end encrypted; ${listOf(keyed.phones, recorderKeyed, 0)} ${keyed.phones + (recorderKeyed ? 1 : 0) === 1 ? 'holds' : 'hold'} keys`
        : people.length > 0 ? `End-to-end encrypted, ${verified} of ${people.length} verified` : 'End-to-end encrypted';
    const allVerified = people.length > 0 && verified === people.length && !cannot && !holders;
    return html`<button class=${cannot || holders ? 'warn' : ''} aria-label=${label} title=${title === '' ? nothing : title} @click=${open}>${allVerified ? icons.shield : icons.lock}${label}</button>`;
  }
}

/** "a phone caller, the recorder and 2 others"; a bare count when only browsers are meant (as before). */
function listOf(phones: number, recorder: boolean, others: number): string {
  if (phones === 0 && !recorder) return String(others);
  const parts = [
    ...(phones === 0 ? [] : [phones === 1 ? 'a phone caller' : `${phones} phone callers`]),
    ...(recorder ? ['the recorder'] : []),
    ...(others === 0 ? [] : [others === 1 ? '1 other' : `${others} others`]),
  ];
  return parts.length === 1 ? parts[0] as string : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] as string}`;
}

declare global { interface HTMLElementTagNameMap { 'meet-e2ee-badge': MeetE2eeBadge } }
