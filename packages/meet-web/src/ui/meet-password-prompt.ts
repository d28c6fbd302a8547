import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { dispatchAction } from './actions.ts';
import './meet-status-screen.ts';
import { controls, tokens } from './theme.ts';

/**
 * The room is locked: ask for its password (again, after a wrong one).
 * @fires meet-action - submit-password, leave
 */
@customElement('meet-password-prompt')
export class MeetPasswordPrompt extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: block; height: 100%; }
    form { display: grid; gap: 12px; text-align: left; }
    .wrong { color: #ff9c9c; font-size: 14px; margin: 0; }
    .actions { display: flex; gap: 10px; justify-content: center; }
    .actions .btn { flex: 1; }
  `];

  /** The room, as the heading names it. */
  @property() room = '';
  /** The last password was refused. */
  @property({ type: Boolean }) wrong = false;

  override render() {
    return html`<meet-status-screen tone=${this.wrong ? 'error' : 'info'} heading="This meeting is locked"
        detail=${`Enter the password for ${this.room} that the host shared with you.`}>
      <form @submit=${this.#submit}>
        <label class="field">Password<input type="password" name="password" autocomplete="off" required
            aria-invalid=${this.wrong ? 'true' : 'false'} aria-describedby=${this.wrong ? 'wrong' : nothing}></label>
        ${this.wrong ? html`<p class="wrong" id="wrong" role="alert">That password is not right. Try again.</p>` : nothing}
        <div class="actions">
          <button class="btn ghost" type="button" @click=${() => dispatchAction(this, { kind: 'leave' })}>Cancel</button>
          <button class="btn primary" type="submit">Join meeting</button>
        </div>
      </form>
    </meet-status-screen>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLInputElement>('input')?.focus();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('wrong') && this.wrong) {
      const input = this.renderRoot.querySelector<HTMLInputElement>('input');
      input?.select();
      input?.focus();
    }
  }

  #submit(event: Event): void {
    event.preventDefault();
    const password = this.renderRoot.querySelector<HTMLInputElement>('input')?.value ?? '';
    if (password !== '') dispatchAction(this, { kind: 'submit-password', password });
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-password-prompt': MeetPasswordPrompt } }
