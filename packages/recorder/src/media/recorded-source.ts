// One media source of the conference as the recorder writes it: who sends it, its SSRC, and the
// codec the bridge forwards it with (payload types come from the focus's offer, protocols.md §2.2).

export type RecordedCodec = 'opus' | 'VP8';

export type RecordedSource = {
  readonly ssrc: number;
  /** The Jitsi source name, `<endpointId>-a0` / `-v0` (protocols.md §0). */
  readonly name: string;
  /** The endpoint id of the participant sending it. */
  readonly owner: string;
  readonly media: 'audio' | 'video';
  readonly payloadType: number;
  readonly codec: RecordedCodec;
  readonly clockRate: number;
  readonly channels?: number;
  /** Video only: `desktop` for a screen share (Jingle's videoType), else a camera. */
  readonly videoType?: 'camera' | 'desktop';
};

/** The SDP ffmpeg reads to receive sources as plain RTP, each on its own loopback port (stream i = m-line i). */
export function rtpSdpSession(name: string, media: readonly { readonly source: RecordedSource; readonly port: number }[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', `s=${name}`, 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const { source, port } of media) {
    const rtpmap = source.channels !== undefined ? `${source.codec}/${source.clockRate}/${source.channels}` : `${source.codec}/${source.clockRate}`;
    lines.push(`m=${source.media} ${port} RTP/AVP ${source.payloadType}`, `a=rtpmap:${source.payloadType} ${rtpmap}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
