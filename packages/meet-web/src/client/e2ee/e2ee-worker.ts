// The dedicated worker that encrypts what this browser sends and decrypts what it receives
// (frame-crypto.ts), attached to every sender and receiver with RTCRtpScriptTransform (Chromium,
// Firefox and Safari have it) or, in a Chromium without it, through the streams the older
// insertable-streams API transfers here (`attach-streams`). Built as its own entry by
// app-bundle.ts and served from /assets/ by our server: no blob, no third-party script.
//
// Fail-closed while E2EE is on: a received frame that does not decrypt, comes from an SSRC nobody
// owns, or from a sender whose key we lack is dropped; a frame we would send without a key is not
// sent. Frame order is kept: each stream's transform handles one frame at a time.
import type { FrameKind } from '@plenum/e2ee';
import { FrameEncryptor, FrameKeys } from '@plenum/e2ee';
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
const keys = new FrameKeys();
const owners = new Map<number, string>();
let passed = 0;
let unsent = 0;

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
      const meta = frame.getMetadata();
      const data = await keys.encrypt(encryptor, frame.data, kindOf(frame, options), meta.synchronizationSource ?? 0, meta.rtpTimestamp ?? frame.timestamp ?? 0);
      if (data === undefined) {
        unsent++;
        return;
      }
      frame.data = data;
      controller.enqueue(frame);
    },
  });
}

function decryptingStream(options: TransformOptions): TransformStream<EncodedFrame, EncodedFrame> {
  return new TransformStream({
    async transform(frame, controller) {
      if (frame.data.byteLength === 0) return controller.enqueue(frame);
      const owner = owners.get(frame.getMetadata().synchronizationSource ?? -1);
      if (owner === undefined || !keys.has(owner)) {
        if (enabled) keys.drops.add('no-key');
        else {
          passed++;
          controller.enqueue(frame);
        }
        return;
      }
      // Off: a frame that is not ours to open is an ordinary one (the room turned E2EE off); on, it
      // is dropped (and counted by reason).
      const result = await keys.decrypt(owner, frame.data, kindOf(frame, options));
      if (result.ok) {
        frame.data = result.data;
        return controller.enqueue(frame);
      }
      if (!enabled) {
        passed++;
        return controller.enqueue(frame);
      }
      keys.drops.add(result.reason);
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
  return { encrypted: keys.encrypted, decrypted: keys.decrypted, passed, unsent, dropped: { ...keys.drops.counts }, decryptedBy: Object.fromEntries(keys.decryptedBy) };
}

scope.onmessage = (event) => {
  const m = event.data;
  switch (m.op) {
    case 'set-enabled': enabled = m.enabled; return;
    // FrameKeys applies key updates in order: a later key is never overtaken by an earlier one.
    case 'set-local-key': void keys.setLocalKey(m.index, m.material); return;
    case 'set-key': void keys.setKey(m.participant, m.index, m.material); return;
    case 'forget': keys.forget(m.participant); return;
    case 'ssrc-owners':
      owners.clear();
      for (const [ssrc, participant] of m.owners) owners.set(ssrc, participant);
      return;
    case 'stats': scope.postMessage({ op: 'stats', requestId: m.requestId, stats: statsNow() }); return;
    case 'attach-streams': attach({ readable: m.readable, writable: m.writable, options: m.options }); return;
    default: return;
  }
};
