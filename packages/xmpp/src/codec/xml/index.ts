export { el, isEl, child, children, childNs, text, firstEl, cloneEl } from './element.ts';
export type { El, XmlNode } from './element.ts';
export { serialize, serializeOpenTag, escapeText, escapeAttr } from './serialize.ts';
export { XmlStreamParser, DEFAULT_XML_LIMITS } from './stream-parser.ts';
export type { XmlError, XmlErrorCondition, XmlLimits, XmlStreamHandlers } from './stream-parser.ts';
export { parseXml } from './parse.ts';
