// Icons drawn for Plenum on a 24×24 grid, inline so nothing is fetched. Decorative: the button
// or element around an icon carries the accessible name.
import { svg, type SVGTemplateResult } from 'lit';

const icon = (body: SVGTemplateResult, filled = false): SVGTemplateResult => svg`
  <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill=${filled ? 'currentColor' : 'none'}
       stroke=${filled ? 'none' : 'currentColor'} stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

export const icons = {
  mic: icon(svg`<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21"/>`),
  micOff: icon(svg`<path d="M15 10.5V6a3 3 0 0 0-5.8-1M9 9v2a3 3 0 0 0 4.6 2.5M5.5 11a6.5 6.5 0 0 0 10.4 5.2M18.5 11a6.4 6.4 0 0 1-.5 2.5M12 17.5V21M4 4l16 16"/>`),
  camera: icon(svg`<rect x="2.5" y="6" width="13" height="12" rx="2.5"/><path d="M15.5 10.5 21 7.5v9l-5.5-3z"/>`),
  cameraOff: icon(svg`<path d="M9 6h4a2.5 2.5 0 0 1 2.5 2.5v2l5.5-3v9l-2.2-1.2M15.5 15.5A2.5 2.5 0 0 1 13 18H5a2.5 2.5 0 0 1-2.5-2.5v-7A2.5 2.5 0 0 1 5 6M3 3l18 18"/>`),
  screen: icon(svg`<rect x="2.5" y="4" width="19" height="13" rx="2"/><path d="M8 21h8M12 17v4M12 13.5V8M9.5 10.5 12 8l2.5 2.5"/>`),
  chat: icon(svg`<path d="M4 5.5A1.5 1.5 0 0 1 5.5 4h13A1.5 1.5 0 0 1 20 5.5v9a1.5 1.5 0 0 1-1.5 1.5H10l-4.5 4v-4h0A1.5 1.5 0 0 1 4 14.5z"/><path d="M8.5 9h7M8.5 12h4.5"/>`),
  hand: icon(svg`<path d="M8.5 12.5V6a1.5 1.5 0 0 1 3 0v5.5M11.5 11V4.5a1.5 1.5 0 0 1 3 0V11M14.5 11.5V6.5a1.5 1.5 0 0 1 3 0V14a7 7 0 0 1-7 7h-.3a6 6 0 0 1-4.9-2.6l-2.6-3.8a1.6 1.6 0 0 1 2.5-2l2.3 2.4"/>`),
  people: icon(svg`<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.7a3.5 3.5 0 0 1 0 6.6M18.5 14.2A6.5 6.5 0 0 1 21.5 20"/>`),
  more: icon(svg`<circle cx="5.5" cy="12" r="1.8"/><circle cx="12" cy="12" r="1.8"/><circle cx="18.5" cy="12" r="1.8"/>`, true),
  leave: icon(svg`<path d="M2.6 13.4c5.2-4.6 13.6-4.6 18.8 0 .5.5.5 1.2 0 1.7l-1.8 1.8c-.4.4-1 .4-1.5.1l-2.6-1.7a1 1 0 0 1-.4-.9l.2-2a12 12 0 0 0-6.6 0l.2 2a1 1 0 0 1-.4.9l-2.6 1.7c-.5.3-1.1.3-1.5-.1l-1.8-1.8c-.5-.5-.5-1.2 0-1.7z"/>`, true),
  grid: icon(svg`<rect x="3" y="3.5" width="8" height="7.5" rx="1.5"/><rect x="13" y="3.5" width="8" height="7.5" rx="1.5"/><rect x="3" y="13" width="8" height="7.5" rx="1.5"/><rect x="13" y="13" width="8" height="7.5" rx="1.5"/>`),
  speaker: icon(svg`<rect x="3" y="3.5" width="18" height="11" rx="1.5"/><rect x="3" y="17" width="5" height="3.5" rx="1"/><rect x="9.5" y="17" width="5" height="3.5" rx="1"/><rect x="16" y="17" width="5" height="3.5" rx="1"/>`),
  settings: icon(svg`<path d="M4 6.5h9M17 6.5h3M4 12h3M11 12h9M4 17.5h11M19 17.5h1"/><circle cx="15" cy="6.5" r="2"/><circle cx="9" cy="12" r="2"/><circle cx="17" cy="17.5" r="2"/>`),
  close: icon(svg`<path d="M6 6l12 12M18 6 6 18"/>`),
  lock: icon(svg`<rect x="4.5" y="10.5" width="15" height="10" rx="2.5"/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3M12 14.5v2"/>`),
  send: icon(svg`<path d="M4 12 20 4l-4.5 16-3.5-6.5z"/><path d="m12 13.5 8-9.5"/>`),
  stats: icon(svg`<path d="M5 20v-8M12 20V4.5M19 20v-5"/>`),
  shield: icon(svg`<path d="M12 3 4.5 6v5.5c0 4.6 3.2 8.2 7.5 9.5 4.3-1.3 7.5-4.9 7.5-9.5V6z"/><path d="m9 12 2.2 2.2L15.5 10"/>`),
  warning: icon(svg`<path d="M10.3 4.2 2.8 17.5A2 2 0 0 0 4.5 20.5h15a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0zM12 9.5v4M12 17h0"/>`),
  refresh: icon(svg`<path d="M20 11.5A8 8 0 0 0 5.6 7M4 4v3.5h3.5M4 12.5A8 8 0 0 0 18.4 17M20 20v-3.5h-3.5"/>`),
  phone: icon(svg`<path d="M5 3.5h3.5l1.5 4.5-2.2 1.4a11 11 0 0 0 4.8 4.8L14 12l4.5 1.5V17a2 2 0 0 1-2 2A14 14 0 0 1 3 5.5a2 2 0 0 1 2-2z"/>`),
  record: icon(svg`<circle cx="12" cy="12" r="8.5"/><circle cx="12" cy="12" r="4" fill="currentColor"/>`),
  stopRecord: icon(svg`<circle cx="12" cy="12" r="8.5"/><rect x="9" y="9" width="6" height="6" rx="1" fill="currentColor"/>`),
  invite: icon(svg`<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 11.5-4.2M18 14v6M15 17h6"/>`),
  copy: icon(svg`<rect x="8.5" y="8.5" width="11" height="12" rx="2"/><path d="M15.5 8.5V6a2 2 0 0 0-2-2h-7a2 2 0 0 0-2 2v9a2 2 0 0 0 2 2h2"/>`),
  pin: icon(svg`<path d="M9 3.5h6M10 3.5v6L6.5 14h11L14 9.5v-6M12 14v6.5"/>`),
  logo: svg`<svg class="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
    <rect x="2" y="2" width="28" height="28" rx="9" fill="#3461e6"/>
    <circle cx="12.5" cy="13.5" r="4.2" fill="#fff"/><circle cx="20.5" cy="13.5" r="4.2" fill="#fff" fill-opacity="0.7"/>
    <path d="M6.5 24.5c1.4-3.4 3.6-5 6-5s4.6 1.6 6 5M14.5 24.5c1.4-3.4 3.6-5 6-5s4.6 1.6 6 5" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round"/>
  </svg>`,
} as const;

/** Signal bars for a participant's connection; `level` 0–3 bars lit. */
export function signalIcon(level: number): SVGTemplateResult {
  const bar = (i: number, x: number, h: number) =>
    svg`<rect x=${x} y=${20 - h} width="3.5" height=${h} rx="1" fill=${i < level ? 'currentColor' : 'rgba(255,255,255,0.28)'}/>`;
  return svg`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${bar(0, 5, 6)}${bar(1, 10.25, 10)}${bar(2, 15.5, 14)}</svg>`;
}
