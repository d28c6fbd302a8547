// Room names: a pronounceable suggestion for the welcome page (adjective + plural noun + verb +
// adverb, easy to read out over the phone) and the cleaning of what people type or put in a URL.

const ADJECTIVES = [
  'Amber', 'Brave', 'Bright', 'Calm', 'Clever', 'Cosy', 'Curious', 'Daring', 'Eager', 'Fancy', 'Gentle', 'Golden',
  'Happy', 'Honest', 'Jolly', 'Kind', 'Lively', 'Lucky', 'Mellow', 'Merry', 'Mighty', 'Noble', 'Patient', 'Polite',
  'Proud', 'Quiet', 'Rapid', 'Silver', 'Sunny', 'Swift', 'Tidy', 'Witty',
] as const;
const NOUNS = [
  'Badgers', 'Beavers', 'Comets', 'Dolphins', 'Falcons', 'Ferns', 'Foxes', 'Gardens', 'Harbors', 'Herons', 'Islands',
  'Kettles', 'Lanterns', 'Maples', 'Meadows', 'Otters', 'Owls', 'Pebbles', 'Pianos', 'Rivers', 'Robins', 'Rockets',
  'Sailors', 'Salmon', 'Planets', 'Tigers', 'Tulips', 'Valleys', 'Violins', 'Walnuts', 'Willows', 'Zebras',
] as const;
const VERBS = [
  'Agree', 'Bake', 'Build', 'Chat', 'Climb', 'Dance', 'Draw', 'Dream', 'Gather', 'Glow', 'Hum', 'Juggle', 'Laugh',
  'Learn', 'Listen', 'Meet', 'Paint', 'Plan', 'Read', 'Row', 'Sing', 'Sketch', 'Swim', 'Talk', 'Travel', 'Wander',
  'Whistle', 'Write',
] as const;
const ADVERBS = [
  'Boldly', 'Brightly', 'Calmly', 'Cheerfully', 'Daily', 'Gently', 'Gladly', 'Happily', 'Kindly', 'Loudly', 'Neatly',
  'Openly', 'Proudly', 'Quickly', 'Quietly', 'Rarely', 'Softly', 'Slowly', 'Smoothly', 'Warmly', 'Wisely', 'Together',
] as const;

/** `random` returns a number in [0, 1) (Math.random, or one built on crypto.getRandomValues). */
export function suggestRoomName(random: () => number): string {
  const pick = (words: readonly string[]): string => words[Math.min(words.length - 1, Math.floor(random() * words.length))] ?? '';
  return pick(ADJECTIVES) + pick(NOUNS) + pick(VERBS) + pick(ADVERBS);
}

/**
 * What a room name may contain: the server's rule (server/room-path.ts, Jitsi's default) of
 * ASCII letters, digits, `.`, `_` and `-`, so a name always survives a reload of its URL.
 */
const NOT_ALLOWED = /[^A-Za-z0-9._-]+/gu;
const MAX_ROOM_NAME_LENGTH = 64;

/** The room a typed name or URL path segment means, or undefined when nothing usable is left. */
export function cleanRoomName(input: string): string | undefined {
  const cleaned = input.replace(NOT_ALLOWED, '').slice(0, MAX_ROOM_NAME_LENGTH);
  // Only dots would be path navigation, not a room.
  return cleaned === '' || /^\.+$/u.test(cleaned) ? undefined : cleaned;
}
