// The one place the bench imports Plenum's XML codec, so the load generator's parser is easy to find.
export { XmlStreamParser, el, serialize, child, text } from '@plenum/xmpp/codec';
export type { El } from '@plenum/xmpp/codec';
