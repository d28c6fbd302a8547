export { encodeStreamError } from './stream-error.ts';
export type { StreamCondition } from './stream-error.ts';
