// Who the focus makes moderator (owner affiliation via muc#admin, protocols.md §1.2, §8.1), pure.
// auto-owner: Jicofo's AutoOwnerRoleManager — the first participant that is not a service, and the
// next one when no owner is left. authenticated: Jicofo's AuthenticationRoleManager — every local
// account or token user; with `jwtModeratorClaim` only token users whose `context.user.moderator`
// is true (what stock Jitsi cannot do, protocols.md §11).
import type { MucAffiliation } from '@plenum/xmpp/codec';
import type { Identity } from './identity.ts';

/** The configured policy. */
export type ModeratorPolicy =
  | { readonly kind: 'auto-owner' }
  | { readonly kind: 'authenticated'; readonly jwtModeratorClaim: boolean };

/** What the policy looks at for each participant. */
export type ModeratorCandidate = {
  readonly endpointId: string;
  /** Order of arrival in the room (lower = earlier). */
  readonly joinOrder: number;
  readonly identity: Identity;
  /** Recorders, SIP gateways: never elected. */
  readonly isService: boolean;
  readonly affiliation: MucAffiliation;
};

/** Whether the authenticated policy makes this identity a moderator. */
export function isEligibleModerator(policy: ModeratorPolicy, identity: Identity): boolean {
  if (policy.kind === 'auto-owner') return false;
  if (policy.jwtModeratorClaim) return identity.kind === 'token' && identity.isModerator === true;
  return identity.kind === 'account' || identity.kind === 'token';
}

/** The endpoints to grant owner now, given everyone present. */
export function moderatorsToGrant(policy: ModeratorPolicy, participants: readonly ModeratorCandidate[]): string[] {
  switch (policy.kind) {
    case 'auto-owner': {
      const humans = participants.filter((p) => !p.isService);
      if (humans.some((p) => p.affiliation === 'owner')) return [];
      const first = [...humans].sort((a, b) => a.joinOrder - b.joinOrder)[0];
      return first === undefined ? [] : [first.endpointId];
    }
    case 'authenticated':
      return participants
        .filter((p) => !p.isService && p.affiliation !== 'owner' && isEligibleModerator(policy, p.identity))
        .sort((a, b) => a.joinOrder - b.joinOrder)
        .map((p) => p.endpointId);
  }
}
