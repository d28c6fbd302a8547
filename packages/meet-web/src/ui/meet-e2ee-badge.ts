import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { E2eeView, ParticipantView, RecordingView } from '../client/conference-api.ts';
import { dispatchAction } from './actions.ts';
import { E2EE_SERVICES_TEXT, E2EE_UNSUPPORTED_TEXT } from './e2ee-text.ts';
import { icons } from './icons.ts';
import { tokens } from './theme.ts';

/**
 * The top bar's end-to-end encryption state, for everyone: "End-to-end encrypted" (with how many
 * are verified) while the room is encrypted, a warning when someone present holds no keys (naming
 * phone callers and the recorder, which never do) or this browser cannot encrypt; nothing while the
 * room is not encrypted. Opens the verification dialog.
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

  /** The room's E2EE state (undefined: the core has no E2EE). */
  @property({ attribute: false }) e2ee: E2eeView | undefined;
  /** Everyone in the meeting (remote ones carry their E2EE state). */
  @property({ attribute: false }) participants: readonly ParticipantView[] = [];
  /** The room's recording: a recorder in the room holds no keys either. */
  @property({ attribute: false }) recording: RecordingView['status'] = 'off';

  override render() {
    const e = this.e2ee;
    if (e === undefined || !e.enabled) return nothing;
    const open = (): void => dispatchAction(this, { kind: 'open-dialog', dialog: 'e2ee' });
    if (!e.supported) {
      return html`<button class="warn" title=${E2EE_UNSUPPORTED_TEXT} @click=${open}>${icons.lock}Encrypted meeting: this browser cannot take part</button>`;
    }
    const remotes = this.participants.filter((p) => !p.isLocal);
    const keyless = remotes.filter((p) => p.e2ee?.hasKeys !== true);
    const phones = keyless.filter((p) => p.isPhone).length;
    const recorder = this.recording !== 'off';
    const verified = remotes.filter((p) => p.e2ee?.verified === true).length;
    const warn = keyless.length > 0 || recorder;
    const label = warn
      ? `End-to-end encrypted; ${whoCannotDecrypt(phones, recorder, keyless.length - phones)} cannot decrypt`
      : remotes.length > 0 ? `End-to-end encrypted, ${verified} of ${remotes.length} verified` : 'End-to-end encrypted';
    return html`<button class=${warn ? 'warn' : ''} aria-label=${label} title=${phones > 0 || recorder ? E2EE_SERVICES_TEXT : nothing} @click=${open}>${verified > 0 && verified === remotes.length ? icons.shield : icons.lock}${label}</button>`;
  }
}

/** "a phone caller, the recorder and 2 others"; a bare count when only browsers lack keys (as before). */
function whoCannotDecrypt(phones: number, recorder: boolean, others: number): string {
  if (phones === 0 && !recorder) return String(others);
  const parts = [
    ...(phones === 0 ? [] : [phones === 1 ? 'a phone caller' : `${phones} phone callers`]),
    ...(recorder ? ['the recorder'] : []),
    ...(others === 0 ? [] : [others === 1 ? '1 other' : `${others} others`]),
  ];
  return parts.length === 1 ? parts[0] as string : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] as string}`;
}

declare global { interface HTMLElementTagNameMap { 'meet-e2ee-badge': MeetE2eeBadge } }
