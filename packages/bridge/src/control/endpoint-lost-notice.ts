// The bridge → focus notice that the media plane lost an endpoint (its transport expired: no ICE
// consent, DTLS timeout or failure). COLIBRI2 has no bridge-initiated message, so this is Plenum's own
// (documented in docs/architecture.md, "Bridge → focus: endpoint lost"):
//
//   <iq type="set" from="jvb@<bridge domain>/<nick>" to="<the focus that allocated the conference>">
//     <endpoint-lost xmlns="urn:plenum:bridge:0" meeting-id="…" endpoint-id="…" reason="consent-expired"/>
//   </iq>
//
// It goes to whoever sent the conference's first successful conference-modify: through the brewery
// when that was an occupant (the MUC then shows the focus our occupant JID, which is how the focus
// knows the conference's bridge), else straight from the component domain.
import type { El } from '@plenum/xmpp/codec';
import { el } from '@plenum/xmpp/codec';

export const NS_PLENUM_BRIDGE = 'urn:plenum:bridge:0';

export type EndpointLostNotice = {
  readonly meetingId: string;
  readonly endpointId: string;
  /** `consent-expired` or `transport-failed` (the reason the conference log line carries). */
  readonly reason: string;
};

/** The IQ set from `from` to `to`. */
export function endpointLostIq(from: string, to: string, id: string, notice: EndpointLostNotice): El {
  return el('iq', { type: 'set', from, to, id },
    el('endpoint-lost', { xmlns: NS_PLENUM_BRIDGE, 'meeting-id': notice.meetingId, 'endpoint-id': notice.endpointId, reason: notice.reason }));
}
