// The dedicated worker that encrypts what this browser sends and decrypts what it receives
// (frame-crypto.ts), attached to every sender and receiver with RTCRtpScriptTransform (Chromium
// and Firefox both have it; the older insertable-streams API is not used). Built as its own entry by
// app-bundle.ts and served from /assets/ by our server: no blob, no third-party script.
//
// Fail-closed while E2EE is on: a received frame that does not decrypt, comes from an SSRC nobody
// owns, or from a sender whose key we lack is dropped; a frame we would send without a key is not
// sent. Frame order is kept: each stream's transform handles one frame at a time.
import { DropCounter, FrameEncryptor, decryptFrame } from './frame-crypto.ts';
import type { FrameKind } from './frame-crypto.ts';
import { KeyRing } from './key-ring.ts';
import type { E2eeFrameStats, FromWorker, ToWorker, TransformOptions } from './worker-protocol.ts';

/** The parts of RTCEncodedVideoFrame / RTCEncodedAudioFrame used here. */
type EncodedFrame = {
  data: ArrayBuffer;
  readonly type?: 'key' | 'delta' | 'empty';
  readonly timestamp?: number;
  getMetadata(): { synchronizationSource?: number; rtpTimestamp?: number };
};
type Transformer = { readonly readable: ReadableStream<EncodedFrame>; readonly writable: WritableStream<EncodedFrame>; readonly options: TransformOptions };
type WorkerScope = {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  onrtctransform?: ((e: { transformer: Transformer }) => void) | null;
  postMessage(m: FromWorker): void;
};

const scope = globalThis as unknown as WorkerScope;

let enabled = false;
const localRing = new KeyRing();
const rings = new Map<string, KeyRing>();
const owners = new Map<number, string>();
const drops = new DropCounter();
const decryptedBy = new Map<string, number>();
let encrypted = 0;
let decrypted = 0;
let passed = 0;
let unsent = 0;
let keyUpdates: Promise<void> = Promise.resolve();

const ringOf = (participant: string): KeyRing => {
  let ring = rings.get(participant);
  if (ring === undefined) {
    ring = new KeyRing();
    rings.set(participant, ring);
  }
  return ring;
};

const kindOf = (frame: EncodedFrame, options: TransformOptions): FrameKind =>
  options.kind === 'audio' ? 'audio' : frame.type === 'key' ? 'video-key' : 'video-delta';

function encryptingStream(options: TransformOptions): TransformStream<EncodedFrame, EncodedFrame> {
  const encryptor = new FrameEncryptor();
  return new TransformStream({
    async transform(frame, controller) {
      if (frame.data.byteLength === 0) return controller.enqueue(frame);
      if (!enabled) {
        passed++;
        return controller.enqueue(frame);
      }
      const key = localRing.newestIndex < 0 ? undefined : localRing.get(localRing.newestIndex);
      if (key === undefined) {
        unsent++;
        return;
      }
      const meta = frame.getMetadata();
      frame.data = await encryptor.encrypt(key, frame.data, kindOf(frame, options), meta.synchronizationSource ?? 0, meta.rtpTimestamp ?? frame.timestamp ?? 0);
      encrypted++;
      controller.enqueue(frame);
    },
  });
}

function decryptingStream(options: TransformOptions): TransformStream<EncodedFrame, EncodedFrame> {
  return new TransformStream({
    async transform(frame, controller) {
      if (frame.data.byteLength === 0) return controller.enqueue(frame);
      const owner = owners.get(frame.getMetadata().synchronizationSource ?? -1);
      const ring = owner === undefined ? undefined : rings.get(owner);
      if (ring === undefined || owner === undefined) {
        if (enabled) drops.add('no-key');
        else {
          passed++;
          controller.enqueue(frame);
        }
        return;
      }
      const result = await decryptFrame(ring, frame.data, kindOf(frame, options));
      if (result.ok) {
        if (result.ratcheted !== undefined) ring.commit(result.ratcheted);
        frame.data = result.data;
        decrypted++;
        decryptedBy.set(owner, (decryptedBy.get(owner) ?? 0) + 1);
        return controller.enqueue(frame);
      }
      // Off: a frame that is not ours to open is an ordinary one (the room turned E2EE off).
      if (!enabled) {
        passed++;
        return controller.enqueue(frame);
      }
      drops.add(result.reason);
    },
  });
}

function attach(t: { readonly readable: ReadableStream; readonly writable: WritableStream; readonly options: TransformOptions }): void {
  const stream = t.options.operation === 'encrypt' ? encryptingStream(t.options) : decryptingStream(t.options);
  (t.readable as ReadableStream<EncodedFrame>).pipeThrough(stream).pipeTo(t.writable as WritableStream<EncodedFrame>).catch(() => {
    // The sender or receiver went away (track stopped, connection closed): nothing to resume.
  });
}

scope.onrtctransform = (event) => attach(event.transformer);

function statsNow(): E2eeFrameStats {
  return { encrypted, decrypted, passed, unsent, dropped: { ...drops.counts }, decryptedBy: Object.fromEntries(decryptedBy) };
}

scope.onmessage = (event) => {
  const m = event.data;
  switch (m.op) {
    case 'set-enabled': enabled = m.enabled; return;
    // In order: a later key must not be overtaken by an earlier one still deriving.
    case 'set-local-key': keyUpdates = keyUpdates.then(() => localRing.set(m.index, m.material)).then(() => undefined); return;
    case 'set-key': keyUpdates = keyUpdates.then(() => ringOf(m.participant).set(m.index, m.material)).then(() => undefined); return;
    case 'forget': rings.get(m.participant)?.clear(); rings.delete(m.participant); return;
    case 'ssrc-owners':
      owners.clear();
      for (const [ssrc, participant] of m.owners) owners.set(ssrc, participant);
      return;
    case 'stats': scope.postMessage({ op: 'stats', requestId: m.requestId, stats: statsNow() }); return;
    default: return;
  }
};
