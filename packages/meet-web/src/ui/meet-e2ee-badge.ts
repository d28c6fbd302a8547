import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { E2eeView, ParticipantView } from '../client/conference-api.ts';
import { dispatchAction } from './actions.ts';
import { E2EE_UNSUPPORTED_TEXT } from './e2ee-text.ts';
import { icons } from './icons.ts';
import { tokens } from './theme.ts';

/**
 * The top bar's end-to-end encryption state, for everyone: "End-to-end encrypted" (with how many
 * are verified) while the room is encrypted, a warning when someone present holds no keys or this
 * browser cannot encrypt; nothing while the room is not encrypted. Opens the verification dialog.
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

  override render() {
    const e = this.e2ee;
    if (e === undefined || !e.enabled) return nothing;
    const open = (): void => dispatchAction(this, { kind: 'open-dialog', dialog: 'e2ee' });
    if (!e.supported) {
      return html`<button class="warn" title=${E2EE_UNSUPPORTED_TEXT} @click=${open}>${icons.lock}Encrypted meeting: this browser cannot take part</button>`;
    }
    const remotes = this.participants.filter((p) => !p.isLocal);
    const keyless = remotes.filter((p) => p.e2ee?.hasKeys !== true).length;
    const verified = remotes.filter((p) => p.e2ee?.verified === true).length;
    const label = keyless > 0
      ? `End-to-end encrypted; ${keyless} cannot decrypt`
      : remotes.length > 0 ? `End-to-end encrypted, ${verified} of ${remotes.length} verified` : 'End-to-end encrypted';
    return html`<button class=${keyless > 0 ? 'warn' : ''} aria-label=${label} @click=${open}>${verified > 0 && verified === remotes.length ? icons.shield : icons.lock}${label}</button>`;
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-e2ee-badge': MeetE2eeBadge } }
