// Applies the moderator policy to a conference (protocols.md §1.2, §8.5): owner grants through
// muc#admin for whoever moderator-policy.ts picks. A grant in flight counts as owner, so the
// policy never elects two people for one vacancy.
import type { Conference } from './conference.ts';
import { moderatorsToGrant } from './moderator-policy.ts';
import { ROOM_TIMEOUT_MS, grantOwnerIq } from '../room/room-stanzas.ts';

/** Sends the owner grants the policy calls for now. */
export function electModerators(conf: Conference): void {
  const { settings, channel, ids } = conf.deps;
  const all = conf.participants.all();
  const grants = moderatorsToGrant(settings.moderatorPolicy, all.map((p) => ({
    endpointId: p.endpointId, joinOrder: p.joinOrder, identity: p.identity, isService: p.isService,
    affiliation: p.isOwnerRequested ? 'owner' : p.affiliation,
  })));
  for (const id of grants) {
    const p = conf.participants.get(id);
    if (p === undefined) continue;
    p.isOwnerRequested = true;
    const bare = p.realJid.split('/')[0] as string;
    conf.log.info('moderator granted', { participant: id, identity: p.identity.kind });
    channel.request(grantOwnerIq(settings.focusJid, conf.roomJid, bare, ids.next()), { timeoutMs: ROOM_TIMEOUT_MS })
      .catch((error: unknown) => {
        p.isOwnerRequested = false;
        conf.log.warn('moderator grant failed', { participant: id, err: (error as Error).message });
      });
  }
}
