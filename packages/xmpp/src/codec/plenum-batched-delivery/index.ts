// Plenum's batched delivery: a participant that does not need its media the moment it arrives (a
// recorder writing files, a SIP gateway mixing on a 20 ms clock) says so with a feature in its MUC
// presence; the focus passes it to the bridge as a COLIBRI2 endpoint capability, and the bridge then
// sends that endpoint its RTP in one burst per interval (bridge config `udp.batchIntervalMs`)
// instead of packet by packet. The receiver wakes once per burst, not once per packet: on a 2-core
// VM each wake-up costs 15-40 µs of CPU, a large share of what a recorder or gateway spends per
// packet (docs/benchmarks.md). Browsers never ask: they want every packet at once. A Jitsi bridge
// ignores the capability, so the feature is safe to advertise anywhere.

/** Feature var (XEP-0030) in a participant's presence `<features>`: it accepts its media in batches. */
export const FEATURE_BATCHED_DELIVERY = 'urn:plenum:batched-delivery:0';

/** COLIBRI2 `<capability name=…/>` of an endpoint the bridge may send its media in batches. */
export const CAPABILITY_BATCHED_DELIVERY = 'plenum-batched-delivery';
