// The bytes of a one-track WebM file (Matroska's WebM subset: Opus or VP8), as the recorder writes a
// source while it arrives: a header with a live (unknown-size) Segment, then Clusters of about a
// second, each written whole, then Cues. A file cut off after any Cluster plays up to it; when the
// recording ends normally, the writer patches the Segment's size, the Duration and a SeekHead entry
// for the Cues into space the header kept for them, as a finished file has them. Pure, no I/O.
import {
  ebmlIdBytes, element, floatElement, masterElement, stringElement, uintElement, vintBytes, vintLength, voidElement, writeVint, UNKNOWN_SIZE,
} from './ebml.ts';

const ID = {
  EBML: 0x1a45dfa3, EBMLVersion: 0x4286, EBMLReadVersion: 0x42f7, EBMLMaxIDLength: 0x42f2, EBMLMaxSizeLength: 0x42f3, DocType: 0x4282,
  DocTypeVersion: 0x4287, DocTypeReadVersion: 0x4285, Segment: 0x18538067, SeekHead: 0x114d9b74, Seek: 0x4dbb, SeekID: 0x53ab,
  SeekPosition: 0x53ac, Info: 0x1549a966, TimestampScale: 0x2ad7b1, MuxingApp: 0x4d80, WritingApp: 0x5741, Duration: 0x4489,
  Tracks: 0x1654ae6b, TrackEntry: 0xae, TrackNumber: 0xd7, TrackUID: 0x73c5, TrackType: 0x83, FlagLacing: 0x9c, CodecID: 0x86,
  CodecPrivate: 0x63a2, CodecDelay: 0x56aa, SeekPreRoll: 0x56bb, Video: 0xe0, PixelWidth: 0xb0, PixelHeight: 0xba, Audio: 0xe1,
  SamplingFrequency: 0xb5, Channels: 0x9f, Cluster: 0x1f43b675, Timestamp: 0xe7, SimpleBlock: 0xa3, Cues: 0x1c53bb6b, CuePoint: 0xbb,
  CueTime: 0xb3, CueTrackPositions: 0xb7, CueTrack: 0xf7, CueClusterPosition: 0xf1,
} as const;

/** What the one track holds. */
export type WebmTrack =
  | { readonly media: 'audio'; readonly codec: 'opus'; readonly channels: number }
  | { readonly media: 'video'; readonly codec: 'VP8'; readonly width: number; readonly height: number };

/** Where the parts patched at the end lie in the file (byte offsets from its start). */
export type WebmHeader = {
  readonly bytes: Buffer;
  /** The Segment's 8-byte size. */
  readonly segmentSizeOffset: number;
  /** Where the Segment's data starts: SeekHead and Cue positions count from here. */
  readonly segmentDataOffset: number;
  /** The space for the SeekHead (SeekHead + Void, SEEK_SPACE_BYTES long). */
  readonly seekSpaceOffset: number;
  /** The Void inside Info that becomes the Duration. */
  readonly durationOffset: number;
  /** Info's and Tracks' positions from the Segment's data (the SeekHead's entries). */
  readonly positions: { readonly info: number; readonly tracks: number };
};

/** Milliseconds per timestamp tick: block times are in ms. */
const TIMESTAMP_SCALE_NS = 1_000_000;
const SEEK_SPACE_BYTES = 96;
/** Duration as written: 2-byte ID, 1-byte size, 8-byte float. */
const DURATION_BYTES = 11;
const APP = 'Plenum recorder';

/** RFC 7845 §5.1 identification header: version 1, no pre-skip (the stream was joined mid-way), 48 kHz, mapping family 0. */
function opusHead(channels: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = channels;
  head.writeUInt16LE(0, 10);
  head.writeUInt32LE(48_000, 12);
  head.writeInt16LE(0, 16);
  head[18] = 0;
  return head;
}

function trackEntry(track: WebmTrack, uid: number): Buffer {
  const common = [uintElement(ID.TrackNumber, 1), uintElement(ID.TrackUID, uid), uintElement(ID.FlagLacing, 0)];
  if (track.media === 'audio') {
    return masterElement(ID.TrackEntry, [
      ...common, uintElement(ID.TrackType, 2), stringElement(ID.CodecID, 'A_OPUS'), element(ID.CodecPrivate, opusHead(track.channels)),
      // RFC 7845 / Matroska's Opus mapping: 80 ms of pre-roll after a seek.
      uintElement(ID.CodecDelay, 0), uintElement(ID.SeekPreRoll, 80_000_000),
      masterElement(ID.Audio, [floatElement(ID.SamplingFrequency, 48_000), uintElement(ID.Channels, track.channels)]),
    ]);
  }
  return masterElement(ID.TrackEntry, [
    ...common, uintElement(ID.TrackType, 1), stringElement(ID.CodecID, 'V_VP8'),
    masterElement(ID.Video, [uintElement(ID.PixelWidth, track.width), uintElement(ID.PixelHeight, track.height)]),
  ]);
}

function seekEntry(id: number, position: number): Buffer {
  return masterElement(ID.Seek, [element(ID.SeekID, ebmlIdBytes(id)), uintElement(ID.SeekPosition, position)]);
}

/** A SeekHead naming where Info, Tracks and (at the end) the Cues are, padded with a Void to SEEK_SPACE_BYTES. */
export function seekSpace(positions: { readonly info: number; readonly tracks: number; readonly cues?: number }): Buffer {
  const seeks = [seekEntry(ID.Info, positions.info), seekEntry(ID.Tracks, positions.tracks)];
  if (positions.cues !== undefined) seeks.push(seekEntry(ID.Cues, positions.cues));
  const head = masterElement(ID.SeekHead, seeks);
  return Buffer.concat([head, voidElement(SEEK_SPACE_BYTES - head.length)]);
}

/** The file's start: EBML header, the live Segment, SeekHead space, Info (Duration space) and Tracks. */
export function webmHeader(track: WebmTrack, trackUid: number): WebmHeader {
  const ebml = masterElement(ID.EBML, [
    uintElement(ID.EBMLVersion, 1), uintElement(ID.EBMLReadVersion, 1), uintElement(ID.EBMLMaxIDLength, 4), uintElement(ID.EBMLMaxSizeLength, 8),
    stringElement(ID.DocType, 'webm'), uintElement(ID.DocTypeVersion, 4), uintElement(ID.DocTypeReadVersion, 2),
  ]);
  const segmentHead = Buffer.concat([ebmlIdBytes(ID.Segment), UNKNOWN_SIZE]);
  const infoChildren = [uintElement(ID.TimestampScale, TIMESTAMP_SCALE_NS), stringElement(ID.MuxingApp, APP), stringElement(ID.WritingApp, APP)];
  const infoBeforeDuration = infoChildren.reduce((n, b) => n + b.length, 0);
  const info = masterElement(ID.Info, [...infoChildren, voidElement(DURATION_BYTES)]);
  const infoHeaderBytes = info.length - infoBeforeDuration - DURATION_BYTES;
  const tracks = masterElement(ID.Tracks, [trackEntry(track, trackUid)]);
  const segmentDataOffset = ebml.length + segmentHead.length;
  const positions = { info: SEEK_SPACE_BYTES, tracks: SEEK_SPACE_BYTES + info.length };
  const space = seekSpace(positions);
  return {
    bytes: Buffer.concat([ebml, segmentHead, space, info, tracks]),
    segmentSizeOffset: ebml.length + ebmlIdBytes(ID.Segment).length,
    segmentDataOffset,
    seekSpaceOffset: segmentDataOffset,
    durationOffset: segmentDataOffset + SEEK_SPACE_BYTES + infoHeaderBytes + infoBeforeDuration,
    positions,
  };
}

/** The Duration element (ms) that replaces the Void kept for it: exactly DURATION_BYTES long. */
export const durationElement = (ms: number): Buffer => floatElement(ID.Duration, ms);

/** The Segment's final size, as the 8 bytes that replace UNKNOWN_SIZE. */
export const segmentSize = (bytes: number): Buffer => vintBytes(bytes, 8);

/** One frame in a Cluster: its time relative to the Cluster's (−32768…32767 ms). */
export type WebmBlock = { readonly relativeMs: number; readonly isKeyFrame: boolean; readonly data: Uint8Array };

/** SimpleBlock head after its size (Matroska §10.2): track number 1 as a VINT, relative time, flags. */
const SIMPLE_BLOCK_HEAD_BYTES = 4;
/** The SimpleBlock ID, 0xA3, is one byte. */
const SIMPLE_BLOCK_ID_BYTES = 1;

/** Bytes a frame of `dataBytes` takes in a Cluster as a SimpleBlock (ID, size, head, frame). */
export function simpleBlockBytes(dataBytes: number): number {
  const size = SIMPLE_BLOCK_HEAD_BYTES + dataBytes;
  return SIMPLE_BLOCK_ID_BYTES + vintLength(size) + size;
}

/**
 * A whole Cluster: its time (ms from the file's start) and its frames as SimpleBlocks (track 1,
 * key frame flag). Built in one buffer: each frame's bytes are copied once, here.
 */
export function cluster(timeMs: number, blocks: readonly WebmBlock[]): Buffer {
  const timestamp = uintElement(ID.Timestamp, timeMs);
  let body = timestamp.length;
  for (const b of blocks) body += simpleBlockBytes(b.data.length);
  const id = ebmlIdBytes(ID.Cluster);
  const sizeBytes = vintLength(body);
  const out = Buffer.allocUnsafe(id.length + sizeBytes + body);
  let at = id.copy(out, 0);
  at = writeVint(out, at, body, sizeBytes);
  at += timestamp.copy(out, at);
  for (const b of blocks) {
    const size = SIMPLE_BLOCK_HEAD_BYTES + b.data.length;
    out[at++] = ID.SimpleBlock;
    at = writeVint(out, at, size, vintLength(size));
    out[at++] = 0x81;
    at = out.writeInt16BE(b.relativeMs, at);
    out[at++] = b.isKeyFrame ? 0x80 : 0x00;
    out.set(b.data, at);
    at += b.data.length;
  }
  return out;
}

/** Cues: for each Cluster a player may seek to, its time and position (from the Segment's data). */
export function cues(points: readonly { readonly timeMs: number; readonly position: number }[]): Buffer {
  return masterElement(ID.Cues, points.map((p) => masterElement(ID.CuePoint, [
    uintElement(ID.CueTime, p.timeMs), masterElement(ID.CueTrackPositions, [uintElement(ID.CueTrack, 1), uintElement(ID.CueClusterPosition, p.position)]),
  ])));
}
