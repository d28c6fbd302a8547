// COMPAT(werift-dtls 0.5.8): the package's "main" (lib/index.js) is not shipped, so its API is
// reached by the built path (dependencies.md §3, "werift-dtls must be imported by deep path").
// This file is the only place that does so (DtlsClient: test peers, and later bridge-to-bridge relays).
export { DtlsClient, DtlsServer, HashAlgorithm, SignatureAlgorithm } from 'werift-dtls/lib/dtls/src/index.js';
