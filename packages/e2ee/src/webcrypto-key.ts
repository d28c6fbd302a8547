// The WebCrypto key type as the environment's own library declares it (the DOM's in the browser
// build, Node's in Node): this package names no platform module, so one source serves both.
export type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
export type CryptoKeyPair = { readonly privateKey: CryptoKey; readonly publicKey: CryptoKey };
