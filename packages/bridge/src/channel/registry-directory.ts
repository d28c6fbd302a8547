// The conference registry seen through the ports the bridge channel and last-N need.
import type { ConferenceRegistry } from '../conference/conference-registry.ts';
import type { EndpointLookup } from './channel-access.ts';
import type { ConferenceDirectory } from './media-signalling.ts';

/** A ConferenceDirectory over the registry the COLIBRI2 handler maintains. */
export function registryDirectory(registry: ConferenceRegistry): ConferenceDirectory {
  return {
    lookup(conferenceId, endpointId): EndpointLookup {
      const conference = registry.get(conferenceId);
      if (conference === undefined) return { kind: 'no-conference' };
      const endpoint = conference.endpoints.get(endpointId);
      return endpoint === undefined ? { kind: 'no-endpoint' } : { kind: 'found', pwd: endpoint.localTransport.pwd ?? '' };
    },
    initialLastN: (conferenceId, endpointId) => registry.get(conferenceId)?.endpoints.get(endpointId)?.initialLastN,
    hasEndpoint: (conferenceId, endpointId) => registry.get(conferenceId)?.endpoints.has(endpointId) ?? false,
    endpoints(conferenceId) {
      const conference = registry.get(conferenceId);
      if (conference === undefined) return undefined;
      return [...conference.endpoints.values()].map((e) => ({
        id: e.id,
        videoSources: e.sources.filter((s) => s.type === 'video').map((s) => s.id),
      }));
    },
  };
}
