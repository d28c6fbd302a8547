// Errors of the Jingle codecs: plain values with a stable code (house style C5, C7). A focus or
// client answers each with a `bad-request` IQ error; none of them is ever thrown.

/** Why a Jingle element (or its sources) was refused. */
export type JingleErrorCode =
  | 'jingle/unexpected-element'
  | 'jingle/missing-sid'
  | 'jingle/unknown-action'
  | 'jingle/bad-content'
  | 'jingle/bad-payload-type'
  | 'jingle/bad-header-extension'
  | 'jingle/bad-source'
  | 'jingle/bad-group'
  | 'jingle/too-many-sources'
  | 'jingle/too-many-groups'
  | 'jingle/bad-candidate'
  | 'jingle/bad-transport'
  | 'jingle/bad-bridge-session'
  | 'jingle/bad-json-sources'
  | 'jingle/foreign-source'
  | 'jingle/bad-source-name';

/** A decode or validation failure with a stable code and a human-readable text. */
export type JingleError = { readonly code: JingleErrorCode; readonly text: string };

/** Size limits applied while decoding (hostile peers can send anything). */
export type JingleLimits = {
  /**
   * Most sources (`<source>` elements plus JSON sources) in one element; group members may reference
   * up to twice as many SSRCs. Default 256. A client receives about 3 per remote participant.
   */
  readonly maxSources?: number;
  /** Longest `json-message` text accepted; default 256 characters per allowed source (64 KiB). */
  readonly maxJsonChars?: number;
};

/** Default of {@link JingleLimits.maxSources}. */
export const DEFAULT_MAX_SOURCES = 256;

/** Builds the failure side of a Result. */
export const jingleError = (code: JingleErrorCode, text: string): { readonly ok: false; readonly error: JingleError } =>
  ({ ok: false, error: { code, text } });

/** Counts sources and group references across one decode, so a huge element fails early and cheaply. */
export type SourceBudget = { sources: number; groupRefs: number; readonly maxSources: number };

/** A fresh budget for one decode. */
export const newSourceBudget = (limits: JingleLimits = {}): SourceBudget =>
  ({ sources: 0, groupRefs: 0, maxSources: limits.maxSources ?? DEFAULT_MAX_SOURCES });

/** Takes one source; false once more than maxSources were taken. */
export function takeSource(b: SourceBudget): boolean {
  b.sources += 1;
  return b.sources <= b.maxSources;
}

/** Takes n group members; false once they exceed 2 × maxSources (SIM and FID groups reference a source twice). */
export function takeGroupRefs(b: SourceBudget, n: number): boolean {
  b.groupRefs += n;
  return b.groupRefs <= 2 * b.maxSources;
}
