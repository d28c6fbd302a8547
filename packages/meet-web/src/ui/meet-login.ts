import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import './meet-status-screen.ts';
import { controls, tokens } from './theme.ts';

export type LoginRequest = { readonly username: string; readonly password: string };

/**
 * A host logs in with a local account (secure domain) to start the meeting guests are waiting in.
 * @fires meet-login - LoginRequest, when the form is sent
 * @fires meet-login-cancel - back to waiting / the start page
 */
@customElement('meet-login')
export class MeetLogin extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: block; height: 100%; }
    form { display: grid; gap: 12px; text-align: left; }
    .wrong { color: #ff9c9c; font-size: 14px; margin: 0; }
    .actions { display: flex; gap: 10px; justify-content: center; }
    .actions .btn { flex: 1; }
  `];

  @property() room = '';
  /** The user name tried last, so a retry only needs the password again. */
  @property() username = '';
  /** Why the last attempt failed (shown under the fields), or empty. */
  @property() error = '';

  override render() {
    return html`<meet-status-screen tone=${this.error === '' ? 'info' : 'error'} heading="Log in to start the meeting"
        detail=${`Hosts log in with their account to open ${this.room}. Guests join once a host is in.`}>
      <form @submit=${this.#submit}>
        <label class="field">User name<input type="text" name="username" autocomplete="username" required .value=${this.username}
            aria-invalid=${this.error === '' ? 'false' : 'true'}></label>
        <label class="field">Password<input type="password" name="password" autocomplete="current-password" required
            aria-invalid=${this.error === '' ? 'false' : 'true'} aria-describedby=${this.error === '' ? nothing : 'login-error'}></label>
        ${this.error === '' ? nothing : html`<p class="wrong" id="login-error" role="alert">${this.error}</p>`}
        <div class="actions">
          <button class="btn ghost" type="button" @click=${this.#cancel}>Cancel</button>
          <button class="btn primary" type="submit">Log in</button>
        </div>
      </form>
    </meet-status-screen>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLInputElement>(this.username === '' ? 'input[name=username]' : 'input[name=password]')?.focus();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('error') && this.error !== '') {
      const input = this.renderRoot.querySelector<HTMLInputElement>('input[name=password]');
      input?.select();
      input?.focus();
    }
  }

  #submit(event: Event): void {
    event.preventDefault();
    const value = (name: string) => this.renderRoot.querySelector<HTMLInputElement>(`input[name=${name}]`)?.value ?? '';
    const request: LoginRequest = { username: value('username').trim(), password: value('password') };
    if (request.username === '' || request.password === '') return;
    this.dispatchEvent(new CustomEvent<LoginRequest>('meet-login', { detail: request, bubbles: true, composed: true }));
  }

  #cancel(): void {
    this.dispatchEvent(new CustomEvent('meet-login-cancel', { bubbles: true, composed: true }));
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-login': MeetLogin } }
