import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import type { ChatMessage, ParticipantView } from '../client/conference-api.ts';
import { dispatchAction } from './actions.ts';
import { icons } from './icons.ts';
import { controls, tokens } from './theme.ts';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * The meeting's chat: group messages and private ones, and a composer that sends to everyone or
 * to one person. Messages live only as long as the meeting view.
 * @fires meet-action - send-chat, private-chat (choosing a recipient), toggle-panel (close)
 */
@customElement('meet-chat-panel')
export class MeetChatPanel extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: flex; flex-direction: column; min-height: 0; height: 100%; }
    header { display: flex; align-items: center; justify-content: space-between; padding: 14px 12px 10px 18px; }
    h2 { font-size: 16px; font-weight: 600; }
    ol { list-style: none; margin: 0; padding: 4px 14px 12px; flex: 1; overflow-y: auto; display: grid; align-content: start; gap: 12px; }
    li { display: grid; gap: 3px; }
    li.mine { justify-items: end; }
    .meta { font-size: 12px; color: var(--muted); display: flex; gap: 8px; }
    .meta .who { color: var(--text); font-weight: 600; }
    .bubble {
      max-width: 92%; padding: 8px 12px; border-radius: 14px; background: var(--surface-2); font-size: 14px;
      line-height: 1.4; white-space: pre-wrap; overflow-wrap: anywhere;
    }
    li.mine .bubble { background: var(--accent); color: #fff; }
    li.private .bubble { background: #3b2a4d; color: var(--text); }
    .private-tag { color: #d2b4ff; font-weight: 600; }
    .empty { margin: auto; padding: 24px; text-align: center; color: var(--muted); font-size: 14px; line-height: 1.5; }
    form { display: grid; gap: 8px; padding: 12px; border-top: 1px solid var(--border); }
    .row { display: flex; gap: 8px; }
    select { min-height: 36px; padding: 4px 10px; font-size: 13px; }
    input[type='text'] { flex: 1; }
    .send { width: 44px; height: 44px; border-radius: 10px; border: 0; display: grid; place-items: center; background: var(--accent); color: #fff; flex: none; }
    .send:hover { background: var(--accent-hover); }
  `];

  @property({ attribute: false }) messages: readonly ChatMessage[] = [];
  /** Everyone in the meeting (remote ones can be written to privately). */
  @property({ attribute: false }) participants: readonly ParticipantView[] = [];
  /** The endpoint id private messages go to, or undefined for everyone. */
  @property() recipient: string | undefined;
  @query('input[name=message]') private input!: HTMLInputElement;

  override render() {
    const remotes = this.participants.filter((p) => !p.isLocal);
    return html`
      <header><h2 id="chat-title">Chat</h2>
        <button class="icon-btn" aria-label="Close chat" @click=${() => dispatchAction(this, { kind: 'toggle-panel', panel: 'chat' })}>${icons.close}</button>
      </header>
      ${this.messages.length === 0
        ? html`<p class="empty">No messages yet.<br>Messages are only kept for the length of the meeting.</p>`
        : html`<ol aria-labelledby="chat-title" aria-live="polite">${this.messages.map((m) => this.#message(m))}</ol>`}
      <form @submit=${this.#send}>
        <label class="visually-hidden" for="to">Send to</label>
        <select id="to" .value=${this.recipient ?? ''} @change=${this.#chooseRecipient}>
          <option value="">To everyone</option>
          ${remotes.map((p) => html`<option value=${p.id} ?selected=${p.id === this.recipient}>Privately to ${p.displayName}</option>`)}
        </select>
        <div class="row">
          <input type="text" name="message" autocomplete="off" maxlength="2000" aria-label="Message"
                 placeholder=${this.recipient === undefined ? 'Message everyone' : 'Private message'}>
          <button class="send" type="submit" aria-label="Send message">${icons.send}</button>
        </div>
      </form>`;
  }

  override updated(): void {
    const list = this.renderRoot.querySelector('ol');
    if (list !== null) list.scrollTop = list.scrollHeight;
  }

  /** Puts the caret in the message field (when the panel opens). */
  focusComposer(): void {
    void this.updateComplete.then(() => this.input.focus());
  }

  #message(m: ChatMessage) {
    const other = m.privateWith === undefined ? undefined : this.participants.find((p) => p.id === m.privateWith)?.displayName ?? 'someone who left';
    const cls = [m.isLocal ? 'mine' : '', other !== undefined ? 'private' : ''].join(' ');
    return html`<li class=${cls}>
      <span class="meta"><span class="who">${m.isLocal ? 'You' : m.fromName}</span>
        ${other === undefined ? nothing : html`<span class="private-tag">${m.isLocal ? `privately to ${other}` : 'privately to you'}</span>`}
        <time datetime=${new Date(m.at).toISOString()}>${timeFormat.format(m.at)}</time></span>
      <span class="bubble">${m.text}</span>
    </li>`;
  }

  #chooseRecipient(event: Event): void {
    const id = (event.target as HTMLSelectElement).value;
    this.recipient = id === '' ? undefined : id;
  }

  #send(event: Event): void {
    event.preventDefault();
    const text = this.input.value.trim();
    if (text === '') return;
    dispatchAction(this, { kind: 'send-chat', text, to: this.recipient });
    this.input.value = '';
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-chat-panel': MeetChatPanel } }
