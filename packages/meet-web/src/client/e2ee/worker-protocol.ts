// Messages between the page (e2ee-controller.ts) and the frame worker (e2ee-worker.ts). Key
// material crosses as bytes; the worker derives the AES keys itself.

/** What the sender and receiver transforms are told when attached (RTCRtpScriptTransform options). */
export type TransformOptions = { readonly operation: 'encrypt' | 'decrypt'; readonly kind: 'audio' | 'video' };

export type ToWorker =
  /** Room E2EE on (fail-closed) or off (frames pass; encrypted ones are still opened when a key fits). */
  | { readonly op: 'set-enabled'; readonly enabled: boolean }
  /** Our own key at `index`: used for every frame we send from now on. */
  | { readonly op: 'set-local-key'; readonly index: number; readonly material: Uint8Array<ArrayBuffer> }
  /** A remote sender's key at `index`. */
  | { readonly op: 'set-key'; readonly participant: string; readonly index: number; readonly material: Uint8Array<ArrayBuffer> }
  | { readonly op: 'forget'; readonly participant: string }
  /** Who sends on which SSRC (from the session's sources); a frame from an SSRC not listed is dropped while on. */
  | { readonly op: 'ssrc-owners'; readonly owners: readonly (readonly [number, string])[] }
  | { readonly op: 'stats'; readonly requestId: number }
  /** A sender's or receiver's frames under the insertable-streams API (transferred streams). */
  | { readonly op: 'attach-streams'; readonly options: TransformOptions; readonly readable: ReadableStream; readonly writable: WritableStream };

/** Frame counters of the worker. */
export type E2eeFrameStats = {
  readonly encrypted: number;
  readonly decrypted: number;
  /** Passed unchanged while E2EE was off. */
  readonly passed: number;
  /** Received frames dropped, by reason. */
  readonly dropped: Readonly<Record<string, number>>;
  /** Frames we did not send because we had no key yet. */
  readonly unsent: number;
  /** Decrypted frames per sender. */
  readonly decryptedBy: Readonly<Record<string, number>>;
};

export type FromWorker = { readonly op: 'stats'; readonly requestId: number; readonly stats: E2eeFrameStats };
