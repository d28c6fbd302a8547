// How the composer's ffmpeg reads live RTP: from loopback ports an SDP file names (one m-line per
// source, recorded-source.ts), ending an input once it has been idle for RTP_IDLE_END_S.

/**
 * Seconds without a packet after which ffmpeg ends an RTP input as if the stream had ended. This is
 * how a composed recording stops cleanly: the recorder stops forwarding and ffmpeg finishes its file
 * (a signal cannot be used: an ffmpeg blocked on an idle socket only sees it when the next packet arrives).
 */
export const RTP_IDLE_END_S = 2;

/** ffmpeg input options for live RTP sources from an SDP file, bound to loopback only. */
export const rtpInputArgs = (sdpPath: string, analyzeDurationUs = 1_000_000): string[] => [
  '-protocol_whitelist', 'file,udp,rtp', '-localaddr', '127.0.0.1', '-listen_timeout', String(RTP_IDLE_END_S),
  '-reorder_queue_size', '64', '-thread_queue_size', '1024', '-analyzeduration', String(analyzeDurationUs), '-probesize', '500000', '-i', sdpPath,
];
