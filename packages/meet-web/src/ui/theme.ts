// The look shared by every view: a calm dark surface, one accent, the system font stack (no
// font is ever fetched). Colours keep text at 4.5:1 or better against what it sits on.
import { css } from 'lit';

/** Custom properties on :host, so every element can be styled alone (tests mount them singly). */
export const tokens = css`
  :host {
    --bg: #0d0f13;
    --surface: #161920;
    --surface-2: #1e222a;
    --surface-3: #292e38;
    --border: #2e3440;
    --text: #eceef2;
    --muted: #a5acb8;
    --accent: #3461e6;
    --accent-hover: #2a52c9;
    --accent-soft: rgba(80, 125, 255, 0.16);
    --danger: #c73434;
    --danger-hover: #ab2a2a;
    --speaking: #4fd18b;
    --warning: #f0c04e;
    --radius: 12px;
    --font: system-ui, -apple-system, 'Segoe UI', Roboto, Ubuntu, Cantarell, 'Noto Sans', sans-serif;
    font-family: var(--font);
    color: var(--text);
    box-sizing: border-box;
    -webkit-font-smoothing: antialiased;
  }
  *, *::before, *::after { box-sizing: inherit; }
`;

/** Buttons, fields and cards as every view uses them. */
export const controls = css`
  button { font: inherit; color: inherit; cursor: pointer; }
  :focus-visible { outline: 2px solid #8fb0ff; outline-offset: 2px; }
  .btn {
    display: inline-flex; align-items: center; justify-content: center; gap: 8px;
    min-height: 44px; padding: 0 18px; border-radius: 10px; border: 1px solid transparent;
    background: var(--surface-3); font-size: 15px; font-weight: 600; white-space: nowrap;
  }
  .btn:hover { background: #343a46; }
  .btn[disabled] { opacity: 0.55; cursor: default; }
  .btn.primary { background: var(--accent); color: #fff; }
  .btn.primary:hover { background: var(--accent-hover); }
  .btn.danger { background: var(--danger); color: #fff; }
  .btn.danger:hover { background: var(--danger-hover); }
  .btn.ghost { background: transparent; border-color: var(--border); }
  .btn.ghost:hover { background: var(--surface-2); }
  .btn.small { min-height: 34px; padding: 0 12px; font-size: 14px; }
  .icon-btn {
    display: inline-grid; place-items: center; width: 36px; height: 36px; padding: 0;
    border: 0; border-radius: 8px; background: transparent; color: var(--muted);
  }
  .icon-btn:hover { background: var(--surface-3); color: var(--text); }
  svg.icon { width: 20px; height: 20px; flex: none; }
  svg.logo { width: 28px; height: 28px; flex: none; }
  label.field { display: grid; gap: 6px; font-size: 14px; color: var(--muted); }
  input[type='text'], input[type='password'], select, textarea {
    font: inherit; font-size: 15px; color: var(--text); background: var(--bg);
    border: 1px solid var(--border); border-radius: 10px; padding: 10px 12px; min-height: 44px; width: 100%;
  }
  input:focus, select:focus, textarea:focus { outline: none; border-color: #6f92ff; box-shadow: 0 0 0 3px var(--accent-soft); }
  .card {
    background: var(--surface); border: 1px solid var(--border); border-radius: 16px;
    box-shadow: 0 20px 60px rgba(0, 0, 0, 0.45);
  }
  .visually-hidden {
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
  }
  h1, h2, h3, p { margin: 0; }
`;

/** A native modal <dialog> (focus trap and Escape come with it) styled as a card. */
export const dialogStyles = css`
  dialog {
    width: min(440px, calc(100vw - 24px)); max-height: calc(100dvh - 24px); padding: 0; color: var(--text);
    background: var(--surface); border: 1px solid var(--border); border-radius: 16px; box-shadow: 0 24px 80px rgba(0, 0, 0, 0.6);
  }
  dialog::backdrop { background: rgba(5, 6, 9, 0.66); }
  .dialog-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 18px 14px 6px 22px; }
  .dialog-head h2 { font-size: 18px; font-weight: 600; }
  .dialog-body { display: grid; gap: 18px; padding: 12px 22px 22px; }
  .dialog-body p { color: var(--muted); font-size: 14px; line-height: 1.5; }
  .actions { display: flex; justify-content: flex-end; gap: 10px; flex-wrap: wrap; }
`;
