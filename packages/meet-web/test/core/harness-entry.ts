// Browser side of the conference-core tests: the real core (createLocalMedia/createConference via
// client/index.ts) exposed on `window.harness` so tests drive it with page.evaluate and read what
// a user would see: the roster, decoded frames of remote videos, received audio, chat.
import type { ChatMessage, Conference, ConferenceSnapshot, LocalMedia, Notice } from '../../src/client/conference-api.ts';
import type { WebConfig } from '../../src/shared/web-config.ts';
import { createConference, createLocalMedia } from '../../src/client/index.ts';

type ParticipantSummary = {
  id: string; isLocal: boolean; displayName: string; role: string; audioMuted: boolean; videoMuted: boolean;
  handRaised: boolean; screenSharing: boolean; hasAudio: boolean; hasCamera: boolean; hasScreen: boolean; connectionQuality: string;
};

let conference: Conference | undefined;
let media: LocalMedia | undefined;
const chats: ChatMessage[] = [];
const states: string[] = [];
const endings: string[] = [];
const notices: Notice[] = [];
const videos = new Map<string, HTMLVideoElement>();

function summary(s: ConferenceSnapshot): { state: string; error: string | undefined; dominantSpeaker: string | undefined; mediaPath: string; participants: ParticipantSummary[] } {
  return {
    state: s.state, error: s.error?.code, dominantSpeaker: s.dominantSpeaker, mediaPath: s.mediaPath,
    participants: s.participants.map((p) => ({
      id: p.id, isLocal: p.isLocal, displayName: p.displayName, role: p.role, audioMuted: p.audioMuted, videoMuted: p.videoMuted,
      handRaised: p.handRaisedAt !== undefined, screenSharing: p.screenSharing,
      hasAudio: p.audioStream !== undefined, hasCamera: p.cameraStream !== undefined, hasScreen: p.screenStream !== undefined,
      connectionQuality: p.connectionQuality,
    })),
  };
}

/** A <video> per remote stream (camera and screen), kept across calls, so frames can be counted. */
function attach(key: string, stream: MediaStream | undefined): void {
  if (!stream) return;
  let v = videos.get(key);
  if (!v) {
    v = document.createElement('video');
    v.muted = true;
    v.autoplay = true;
    v.playsInline = true;
    v.width = 320;
    v.height = 180;
    v.dataset.key = key;
    document.body.append(v);
    videos.set(key, v);
  }
  if (v.srcObject !== stream) {
    v.srcObject = stream;
    void v.play().catch(() => undefined);
  }
}

const harness = {
  /** `openMeanwhile`: camera and microphone open while the join runs, as a direct-join link does (meet-app.ts). */
  async join(config: WebConfig, room: string, displayName: string, login?: { username: string; password: string }, openMeanwhile = false): Promise<string> {
    media = createLocalMedia(config);
    const opening = media.open({ audio: true, video: true });
    if (openMeanwhile) opening.catch(() => undefined);
    else await opening;
    conference = createConference(config, room, media);
    conference.on('chat', (m) => chats.push(m));
    conference.on('notice', (n) => notices.push(n));
    conference.on('ended', (reason) => endings.push(reason));
    conference.on('changed', (s) => {
      if (states[states.length - 1] !== s.state) states.push(s.state);
      const shown = new Set<string>();
      for (const p of s.participants) {
        if (p.isLocal) continue;
        if (p.cameraStream) shown.add(`${p.id}:camera`);
        if (p.screenStream) shown.add(`${p.id}:screen`);
        attach(`${p.id}:camera`, p.cameraStream);
        attach(`${p.id}:screen`, p.screenStream);
      }
      // Gone participants and stopped shares lose their element, as a tile would disappear.
      for (const [key, v] of videos) {
        if (shown.has(key)) continue;
        v.remove();
        videos.delete(key);
      }
    });
    await conference.join({ displayName, ...(login ? { login } : {}) });
    return conference.snapshot.participants[0]?.id ?? '';
  },
  /** Camera and microphone that take `ms` to open, as a real camera (or a busy machine) can. */
  slowDevices(ms: number): void {
    const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      await new Promise((r) => setTimeout(r, ms));
      return open(constraints);
    };
  },
  /** join, but reports a ConferenceError's code instead of throwing (page.evaluate loses the object). */
  async tryJoin(config: WebConfig, room: string, displayName: string, login?: { username: string; password: string }): Promise<{ id: string } | { error: string }> {
    try {
      return { id: await harness.join(config, room, displayName, login) };
    } catch (error) {
      return { error: (error as { code?: string }).code ?? String(error) };
    }
  },
  async submitPassword(password: string): Promise<{ ok: true } | { error: string }> {
    try {
      await conference?.submitPassword(password);
      return { ok: true };
    } catch (error) {
      return { error: (error as { code?: string }).code ?? String(error) };
    }
  },
  async setRoomPassword(password: string | undefined): Promise<void> {
    await conference?.setRoomPassword(password);
  },
  room() {
    const r = conference?.snapshot.room;
    return {
      locked: r?.locked, meetingId: r?.meetingId, name: r?.name, lobbyEnabled: r?.lobbyEnabled, waiting: r?.waiting,
      lobbyWaiting: r?.lobbyWaiting.map((k) => ({ id: k.id, displayName: k.displayName })) ?? [],
    };
  },
  async setLobbyEnabled(enabled: boolean): Promise<void> {
    await conference?.setLobbyEnabled(enabled);
  },
  async admitFromLobby(id: string): Promise<void> {
    await conference?.admitFromLobby(id);
  },
  async denyFromLobby(id: string): Promise<void> {
    await conference?.denyFromLobby(id);
  },
  state() {
    if (!conference) throw new Error('not joined');
    return summary(conference.snapshot);
  },
  /** Every connection state the snapshot went through, in order, without repeats. */
  states(): string[] {
    return [...states];
  },
  /** Decoded frames shown by each remote video element (key `<id>:camera|screen`). */
  videoFrames(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, v] of videos) out[key] = v.isConnected ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
    return out;
  },
  /** Packets of inbound audio per remote participant: from the receiver of each participant's audio track. */
  async audioPackets(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const pcs = [
      (conference as unknown as { peerConnection?: RTCPeerConnection }).peerConnection,
      (conference as unknown as { p2pConnection?: RTCPeerConnection }).p2pConnection,
    ].filter((x): x is RTCPeerConnection => x !== undefined);
    if (!conference) return out;
    const trackIds = new Map<string, string>();
    for (const p of conference.snapshot.participants) {
      const t = p.audioStream?.getAudioTracks()[0];
      if (!p.isLocal && t) trackIds.set(t.id, p.id);
    }
    for (const receiver of pcs.flatMap((pc) => pc.getReceivers())) {
      const owner = trackIds.get(receiver.track.id);
      if (owner === undefined) continue;
      const stats = await receiver.getStats();
      stats.forEach((r: { type: string; kind?: string; packetsReceived?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') out[owner] = (out[owner] ?? 0) + (r.packetsReceived ?? 0);
      });
    }
    return out;
  },
  /** Our camera's outbound RTP streams (one per simulcast layer) as the browser reports them. */
  async outboundVideo(): Promise<{ ssrc: number; packetsSent: number; frameHeight: number | undefined }[]> {
    const pc = (conference as unknown as { peerConnection?: RTCPeerConnection }).peerConnection;
    const out: { ssrc: number; packetsSent: number; frameHeight: number | undefined }[] = [];
    if (!pc) return out;
    const stats = await pc.getStats();
    stats.forEach((r: { type: string; kind?: string; ssrc?: number; packetsSent?: number; frameHeight?: number; mid?: string }) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video' && r.mid === 'video') out.push({ ssrc: r.ssrc ?? 0, packetsSent: r.packetsSent ?? 0, frameHeight: r.frameHeight });
    });
    return out;
  },
  /**
   * Media payload bytes we sent to the bridge from the microphone and camera (not the screen share).
   * `bytesSent` leaves out headers and padding: the congestion controller's padding probes are no media.
   */
  async sentToBridge(): Promise<number> {
    const pc = (conference as unknown as { peerConnection?: RTCPeerConnection }).peerConnection;
    let n = 0;
    (await pc?.getStats())?.forEach((r: { type: string; mid?: string; bytesSent?: number }) => {
      if (r.type === 'outbound-rtp' && (r.mid === 'audio' || r.mid === 'video')) n += r.bytesSent ?? 0;
    });
    return n;
  },
  /** SSRC groups in our local description's camera m-line (`SIM 1 2 3`, `FID 1 4`…). */
  localSsrcGroups(): string[] {
    const pc = (conference as unknown as { peerConnection?: RTCPeerConnection }).peerConnection;
    const sdp = pc?.localDescription?.sdp ?? '';
    const video = sdp.split('\r\nm=').find((s) => s.includes('a=mid:video')) ?? '';
    return [...video.matchAll(/a=ssrc-group:([^\r\n]+)/g)].map((m) => m[1] ?? '');
  },
  chats(): { from: string | undefined; fromName: string; text: string; isLocal: boolean; privateWith: string | undefined }[] {
    return chats.map((c) => ({ from: c.from, fromName: c.fromName, text: c.text, isLocal: c.isLocal, privateWith: c.privateWith }));
  },
  notices(): Notice[] {
    return [...notices];
  },
  sendChat(text: string, to?: string): void {
    conference?.sendChat(text, to);
  },
  async setAudioMuted(muted: boolean): Promise<void> {
    await conference?.setAudioMuted(muted);
  },
  /** Why the meeting ended for us, each time it did. */
  endings(): string[] {
    return [...endings];
  },
  async kick(id: string): Promise<void> {
    await conference?.kick(id);
  },
  async muteParticipant(id: string, media: 'audio' | 'video'): Promise<void> {
    await conference?.muteParticipant(id, media);
  },
  setHandRaised(raised: boolean): void {
    conference?.setHandRaised(raised);
  },
  async startScreenShare(): Promise<void> {
    await conference?.startScreenShare();
  },
  async stopScreenShare(): Promise<void> {
    await conference?.stopScreenShare();
  },
  async leave(): Promise<void> {
    await conference?.leave();
  },
};

(globalThis as unknown as { harness: typeof harness }).harness = harness;
export type Harness = typeof harness;
