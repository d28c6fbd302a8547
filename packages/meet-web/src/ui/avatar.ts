// A participant without video shows initials on a colour derived from their name, so the same
// person keeps the same colour for everyone.
const AVATAR_COLOURS = ['#5b4bb7', '#2f7d6d', '#a2513a', '#3b6aa8', '#8a4a8c', '#4f7b35', '#9a5a1e', '#2d6f8f'] as const;

export function initials(name: string): string {
  const words = name.trim().split(/\s+/u).filter((w) => w !== '');
  const first = [...(words[0] ?? '?')][0] ?? '?';
  const last = words.length > 1 ? [...(words.at(-1) ?? '')][0] ?? '' : '';
  return (first + last).toUpperCase();
}

export function avatarColour(name: string): string {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return AVATAR_COLOURS[hash % AVATAR_COLOURS.length] ?? AVATAR_COLOURS[0];
}
