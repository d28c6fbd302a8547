import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';
import { NS_STREAM_ERRORS } from '../stanza/namespaces.ts';

/** RFC 6120 §4.9.3 stream error conditions. */
export type StreamCondition =
  | 'bad-format' | 'bad-namespace-prefix' | 'conflict' | 'connection-timeout' | 'host-gone'
  | 'host-unknown' | 'improper-addressing' | 'internal-server-error' | 'invalid-from'
  | 'invalid-namespace' | 'invalid-xml' | 'not-authorized' | 'not-well-formed' | 'policy-violation'
  | 'remote-connection-failed' | 'reset' | 'resource-constraint' | 'restricted-xml' | 'see-other-host'
  | 'system-shutdown' | 'undefined-condition' | 'unsupported-encoding' | 'unsupported-feature'
  | 'unsupported-stanza-type' | 'unsupported-version';

/** `<stream:error>` with a condition and optional text. */
export function encodeStreamError(condition: StreamCondition, description?: string): El {
  return el('stream:error', {},
    el(condition, { xmlns: NS_STREAM_ERRORS }),
    description !== undefined ? el('text', { xmlns: NS_STREAM_ERRORS, 'xml:lang': 'en' }, description) : undefined);
}
