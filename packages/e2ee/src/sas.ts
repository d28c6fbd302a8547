// The short authentication string of a pair (key-exchange.ts `sasBytes`): 7 emoji of 6 bits each
// from the first 42 bits, with names so it can be read out over a phone. The table is the one of
// the Matrix specification's SAS verification (well known, and tested for being told apart).

/** One SAS symbol: the emoji and its name. */
export type SasEmoji = { readonly emoji: string; readonly name: string };

const TABLE: readonly (readonly [string, string])[] = [
  ['🐶', 'Dog'], ['🐱', 'Cat'], ['🦁', 'Lion'], ['🐎', 'Horse'], ['🦄', 'Unicorn'], ['🐷', 'Pig'], ['🐘', 'Elephant'], ['🐰', 'Rabbit'],
  ['🐼', 'Panda'], ['🐓', 'Rooster'], ['🐧', 'Penguin'], ['🐢', 'Turtle'], ['🐟', 'Fish'], ['🐙', 'Octopus'], ['🦋', 'Butterfly'], ['🌷', 'Flower'],
  ['🌳', 'Tree'], ['🌵', 'Cactus'], ['🍄', 'Mushroom'], ['🌏', 'Globe'], ['🌙', 'Moon'], ['☁️', 'Cloud'], ['🔥', 'Fire'], ['🍌', 'Banana'],
  ['🍎', 'Apple'], ['🍓', 'Strawberry'], ['🌽', 'Corn'], ['🍕', 'Pizza'], ['🎂', 'Cake'], ['❤️', 'Heart'], ['😀', 'Smiley'], ['🤖', 'Robot'],
  ['🎩', 'Hat'], ['👓', 'Glasses'], ['🔧', 'Spanner'], ['🎅', 'Santa'], ['👍', 'Thumbs up'], ['☂️', 'Umbrella'], ['⌛', 'Hourglass'], ['⏰', 'Clock'],
  ['🎁', 'Gift'], ['💡', 'Light bulb'], ['📕', 'Book'], ['✏️', 'Pencil'], ['📎', 'Paperclip'], ['✂️', 'Scissors'], ['🔒', 'Lock'], ['🔑', 'Key'],
  ['🔨', 'Hammer'], ['☎️', 'Telephone'], ['🏁', 'Flag'], ['🚂', 'Train'], ['🚲', 'Bicycle'], ['✈️', 'Aeroplane'], ['🚀', 'Rocket'], ['🏆', 'Trophy'],
  ['⚽', 'Ball'], ['🎸', 'Guitar'], ['🎺', 'Trumpet'], ['🔔', 'Bell'], ['⚓', 'Anchor'], ['🎧', 'Headphones'], ['📁', 'Folder'], ['📌', 'Pin'],
];

export const SAS_EMOJI_COUNT = 7;

/** The 7 emoji of 6 SAS bytes (42 of the 48 bits, most significant first). */
export function sasEmoji(sasBytes: Uint8Array<ArrayBuffer>): readonly SasEmoji[] {
  if (sasBytes.length < 6) throw new Error('SAS needs 6 bytes');
  let bits = 0n;
  for (let i = 0; i < 6; i++) bits = (bits << 8n) | BigInt(sasBytes[i] as number);
  const out: SasEmoji[] = [];
  for (let i = 0; i < SAS_EMOJI_COUNT; i++) {
    const n = Number((bits >> BigInt(48 - 6 * (i + 1))) & 63n);
    const [emoji, name] = TABLE[n] as readonly [string, string];
    out.push({ emoji, name });
  }
  return out;
}
