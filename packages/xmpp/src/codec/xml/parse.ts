import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { El } from './element.ts';
import type { XmlError, XmlLimits } from './stream-parser.ts';
import { XmlStreamParser, DEFAULT_XML_LIMITS } from './stream-parser.ts';

/** Parses one complete element (a WebSocket frame, a fixture); never throws. */
export function parseXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): Result<El, XmlError> {
  const found: El[] = [];
  let failure: XmlError | undefined;
  const parser = new XmlStreamParser('fragments', {
    onElement: (e) => found.push(e),
    onError: (e) => {
      failure = e;
    },
  }, limits);
  parser.write(text);
  if (failure !== undefined) return err(failure);
  if (parser.isMidElement) return err({ condition: 'not-well-formed', text: 'incomplete element' });
  const [first] = found;
  if (first === undefined) return err({ condition: 'not-well-formed', text: 'no element' });
  if (found.length > 1) return err({ condition: 'not-well-formed', text: 'more than one element' });
  return ok(first);
}
