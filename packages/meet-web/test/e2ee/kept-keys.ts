// Everything one participant's browser knew of the E2EE keys, kept by the test the way that
// participant, turned malicious, could keep it: no hook in the app.
//
// - The identity private key: the participant owns its browser, so it can patch WebCrypto before the
//   app loads. The init script below makes the X25519 key pair extractable and copies the private
//   key out (PKCS #8); the app uses the key exactly as before.
// - The media keys: every key message the page received through its XMPP WebSocket (playwright's
//   `page.on('websocket')` frames) and every identity key in the presences it saw. Opened here, in
//   Node, with the app's own key-exchange module and the kept private key, they give the same key
//   material the page handed its frame worker.
//
// What can be derived from that material (the JFrame ratchet, forward only) is in
// `derivableMaterial`; `openedAsReceiver` opens frames as the page's worker would, `openedByAny`
// tries every derivable key on every frame whatever index the frame names.
import type { Page, WebSocket } from 'playwright-core';
import type { El } from '@plenum/xmpp/codec';
import { child, parseXml, text } from '@plenum/xmpp/codec';
import { directJoinPath, type E2e } from '../e2e/e2e-stack.ts';
import type { FrameKind, Identity } from '@plenum/e2ee';
import {
  KEY_RING_SIZE, KeyRing, PROP_E2EE_ID_KEY, decodeMediaKeyMessage, decryptFrame, deriveMediaKey, derivePairSecrets, fromBase64, openMediaKey, ratchetMaterial, toBase64,
} from '@plenum/e2ee';

const NS_JITSI_MEET = 'http://jitsi.org/jitmeet';
const NS_NICK = 'http://jabber.org/protocol/nick';

/** Before the app loads: X25519 key pairs come out extractable, and their private keys are copied to `window.__keptIdentities`. */
const KEEP_IDENTITY = `(() => {
  const subtle = SubtleCrypto.prototype;
  const generate = subtle.generateKey;
  const kept = (window.__keptIdentities = []);
  subtle.generateKey = async function (algorithm, extractable, usages) {
    const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
    if (name !== 'X25519') return generate.call(this, algorithm, extractable, usages);
    const pair = await generate.call(this, algorithm, true, usages);
    const pkcs8 = await this.exportKey('pkcs8', pair.privateKey);
    const raw = await this.exportKey('raw', pair.publicKey);
    kept.push({ pkcs8: Array.from(new Uint8Array(pkcs8)), publicRaw: Array.from(new Uint8Array(raw)) });
    return pair;
  };
})();`;

/** A sender's media key as the participant held it. */
export type HeldKey = { readonly sender: string; readonly index: number; readonly material: Uint8Array<ArrayBuffer> };

type KeptIdentity = { readonly pkcs8: number[]; readonly publicRaw: number[] };

export class KeptKeys {
  /** Every stanza the page received over its XMPP WebSocket, in order. */
  readonly #received: El[] = [];
  #identity: KeptIdentity | undefined;

  private constructor(readonly page: Page) {}

  /** Starts keeping; call on a fresh page before it opens the meeting. */
  static async watch(page: Page): Promise<KeptKeys> {
    const kept = new KeptKeys(page);
    await page.addInitScript(KEEP_IDENTITY);
    page.on('websocket', (ws: WebSocket) => ws.on('framereceived', ({ payload }) => {
      const parsed = parseXml(typeof payload === 'string' ? payload : payload.toString('utf8'));
      if (parsed.ok) kept.#received.push(parsed.value);
    }));
    return kept;
  }

  /** Copies the identity private key out of the page (while the page still has it). */
  async keepIdentity(): Promise<void> {
    // The app makes it while joining; the copy is taken a moment after.
    await this.page.waitForFunction(() => (window as unknown as { __keptIdentities: KeptIdentity[] }).__keptIdentities.length > 0);
    const all = await this.page.evaluate(() => (window as unknown as { __keptIdentities: KeptIdentity[] }).__keptIdentities);
    if (all.length !== 1) throw new Error(`expected one identity key made by the page, found ${all.length}`);
    this.#identity = all[0];
  }

  /** Endpoint id of each display name, from the presences the page received. */
  nicks(): Map<string, string> {
    const out = new Map<string, string>();
    for (const p of this.#presences()) {
      const name = text(child(p.stanza, 'nick', NS_NICK));
      if (name !== '') out.set(name, p.nick);
    }
    return out;
  }

  /** Key messages the page received from `sender` so far. */
  keyMessagesFrom(sender: string): number {
    return this.#keyMessages().filter((m) => m.from === sender).length;
  }

  /** Every media key the page received, opened with its kept identity, in arrival order. */
  async mediaKeys(): Promise<HeldKey[]> {
    const kept = this.#identity;
    if (kept === undefined) throw new Error('keepIdentity() first');
    const publicRaw = new Uint8Array(kept.publicRaw);
    const identity: Identity = {
      privateKey: await crypto.subtle.importKey('pkcs8', new Uint8Array(kept.pkcs8), { name: 'X25519' }, false, ['deriveBits']),
      publicRaw, publicBase64: toBase64(publicRaw),
    };
    const idKeys = new Map<string, Uint8Array<ArrayBuffer>>();
    for (const p of this.#presences()) {
      const raw = fromBase64(text(child(p.stanza, PROP_E2EE_ID_KEY)));
      if (raw !== undefined && raw.length === 32) idKeys.set(p.nick, raw);
    }
    const own = [...idKeys].find(([, raw]) => toBase64(raw) === identity.publicBase64)?.[0];
    if (own === undefined) throw new Error('the page never saw its own presence with its identity key');
    const out: HeldKey[] = [];
    for (const m of this.#keyMessages()) {
      const peerKey = idKeys.get(m.from);
      const decoded = decodeMediaKeyMessage(m.json);
      if (peerKey === undefined || !decoded.ok) continue;
      const pair = await derivePairSecrets({ id: own, identity }, { id: m.from, publicRaw: peerKey });
      const opened = await openMediaKey(pair, m.from, own, decoded.value);
      if (!opened.ok) throw new Error(`a key message from ${m.from} did not open with the kept identity: ${opened.error.message}`);
      out.push({ sender: m.from, index: opened.value.index, material: opened.value.material });
    }
    return out;
  }

  #presences(): { nick: string; stanza: El }[] {
    return this.#received.filter((s) => s.name === 'presence' && s.attrs.type !== 'unavailable' && (s.attrs.from ?? '').includes('/'))
      .map((stanza) => ({ nick: nickOf(stanza), stanza }));
  }

  #keyMessages(): { from: string; json: string }[] {
    const out: { from: string; json: string }[] = [];
    for (const s of this.#received) {
      const json = s.name === 'message' && s.attrs.type === 'chat' ? child(s, 'json-message', NS_JITSI_MEET) : undefined;
      if (json !== undefined && text(json).includes('"media-key"')) out.push({ from: nickOf(s), json: text(json) });
    }
    return out;
  }
}

/** Like `joinDirectly`, keeping the page's keys from the start. */
export async function joinKeepingKeys(e2e: E2e, room: string, displayName: string): Promise<KeptKeys> {
  const kept = await KeptKeys.watch(await e2e.newPage());
  await kept.page.goto(`${e2e.origin}${directJoinPath(room, displayName)}`);
  await kept.page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  return kept;
}

const nickOf = (stanza: El): string => {
  const from = stanza.attrs.from ?? '';
  return from.slice(from.indexOf('/') + 1);
};

/**
 * Every key material reachable from what was held of one sender: each key and its ratchet steps
 * forward, a whole ring's worth (the ratchet is one-way: nothing leads back to earlier keys, and a
 * fresh random key is not on it).
 */
export async function derivableMaterial(held: readonly HeldKey[]): Promise<Uint8Array<ArrayBuffer>[]> {
  const out: Uint8Array<ArrayBuffer>[] = [];
  for (const k of held) {
    let material = k.material;
    out.push(material);
    for (let step = 1; step < KEY_RING_SIZE; step++) {
      material = await ratchetMaterial(material);
      out.push(material);
    }
  }
  return out;
}

type Frame = { readonly kind: FrameKind; readonly data: Uint8Array<ArrayBuffer> };

/** How many of one sender's frames a receiver holding `held` opens, as the frame worker does (one ring, ratchets followed and committed). */
export async function openedAsReceiver(held: readonly HeldKey[], frames: readonly Frame[]): Promise<number> {
  const ring = new KeyRing();
  for (const k of held) await ring.set(k.index, k.material);
  let opened = 0;
  for (const f of frames) {
    const r = await decryptFrame(ring, f.data.slice().buffer, f.kind);
    if (!r.ok) continue;
    opened++;
    if (r.ratcheted !== undefined) ring.commit(r.ratcheted);
  }
  return opened;
}

/** How many of the frames any of `materials` opens, whatever key index the frame names. */
export async function openedByAny(materials: readonly Uint8Array<ArrayBuffer>[], frames: readonly Frame[]): Promise<number> {
  const keys = await Promise.all(materials.map((m) => deriveMediaKey(m)));
  let opened = 0;
  for (const f of frames) {
    const index = (f.data[f.data.length - 1] ?? 0) % KEY_RING_SIZE;
    for (const [i, key] of keys.entries()) {
      const ring = new KeyRing();
      ring.commit({ index, material: materials[i] as Uint8Array<ArrayBuffer>, key });
      if ((await decryptFrame(ring, f.data.slice().buffer, f.kind)).ok) {
        opened++;
        break;
      }
    }
  }
  return opened;
}
