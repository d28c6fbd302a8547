// The keys a participant uses on frames: the other senders' rings (to decrypt) and its own key (to
// encrypt), with key updates applied in arrival order. The browser's frame worker and the Node
// services (recorder, SIP gateway) hold one each.
import type { DecryptResult, FrameKind } from './frame-crypto.ts';
import { DropCounter, FrameEncryptor, decryptFrame } from './frame-crypto.ts';
import { KeyRing } from './key-ring.ts';

export class FrameKeys {
  readonly #local = new KeyRing();
  readonly #rings = new Map<string, KeyRing>();
  /** Updates in order: a later key must not be overtaken by an earlier one still deriving. */
  #updates: Promise<unknown> = Promise.resolve();
  /** Frames dropped, by reason, as the caller counts them. */
  readonly drops = new DropCounter();
  readonly decryptedBy = new Map<string, number>();
  decrypted = 0;
  encrypted = 0;

  /** Our own key at `index`: every frame we encrypt from now on uses it. */
  setLocalKey(index: number, material: Uint8Array<ArrayBuffer>): Promise<void> {
    return this.#update(() => this.#local.set(index, material));
  }

  /** A sender's key at `index`. */
  setKey(participant: string, index: number, material: Uint8Array<ArrayBuffer>): Promise<void> {
    return this.#update(() => this.#ringOf(participant).set(index, material));
  }

  forget(participant: string): void {
    this.#rings.get(participant)?.clear();
    this.#rings.delete(participant);
  }

  /** We hold a key of this sender. */
  has(participant: string): boolean {
    return (this.#rings.get(participant)?.newestIndex ?? -1) >= 0;
  }

  get hasLocalKey(): boolean {
    return this.#local.newestIndex >= 0;
  }

  /**
   * One frame of `participant` decrypted, committing a ratchet step it proved. A failure is not
   * counted here: whether it is a drop (E2EE on) or an ordinary frame (off) is the caller's call.
   */
  async decrypt(participant: string, data: ArrayBuffer, kind: FrameKind): Promise<DecryptResult> {
    const ring = this.#rings.get(participant);
    if (ring === undefined) return { ok: false, reason: 'no-key' };
    const result = await decryptFrame(ring, data, kind);
    if (!result.ok) return result;
    if (result.ratcheted !== undefined) ring.commit(result.ratcheted);
    this.decrypted++;
    this.decryptedBy.set(participant, (this.decryptedBy.get(participant) ?? 0) + 1);
    return result;
  }

  /** A frame encrypted with our current key by `encryptor` (one per SSRC space); undefined without a key. */
  async encrypt(encryptor: FrameEncryptor, data: ArrayBuffer, kind: FrameKind, ssrc: number, rtpTimestamp: number): Promise<ArrayBuffer | undefined> {
    const key = this.#local.newestIndex < 0 ? undefined : this.#local.get(this.#local.newestIndex);
    if (key === undefined) return undefined;
    const out = await encryptor.encrypt(key, data, kind, ssrc, rtpTimestamp);
    this.encrypted++;
    return out;
  }

  #ringOf(participant: string): KeyRing {
    let ring = this.#rings.get(participant);
    if (ring === undefined) {
      ring = new KeyRing();
      this.#rings.set(participant, ring);
    }
    return ring;
  }

  #update(step: () => Promise<unknown>): Promise<void> {
    const run = this.#updates.then(step);
    this.#updates = run.catch(() => undefined);
    return run.then(() => undefined);
  }
}
