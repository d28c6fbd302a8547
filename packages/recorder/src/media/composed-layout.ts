// What the composed view shows at one moment, and the ffmpeg video filter that draws it: one tile
// per participant with their display name (their camera, or the name on a dark background while the
// camera is off or absent), and a screen share, when there is one, large on the left with the
// tiles in a column on the right. Pure: the scene comes from the session (who is there, names,
// mute, video types), the filter goes to composer.ts.
import type { RecordedSource } from './recorded-source.ts';

/** One participant's tile: their camera video, or none (camera off, no video, no key frame yet). */
export type ComposedTile = { readonly owner: string; readonly label: string; readonly video: RecordedSource | undefined };

/** The composed view: tiles, an optional screen share drawn large, and every audio mixed. */
export type ComposedScene = {
  readonly tiles: readonly ComposedTile[];
  readonly share: { readonly label: string; readonly video: RecordedSource } | undefined;
  readonly audios: readonly RecordedSource[];
};

export type LayoutOptions = {
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  /** A TrueType font for the names; undefined: no names drawn. */
  readonly fontFile?: string | undefined;
};

const TILE_BACKGROUND = '0x202020';
const MAX_LABEL_CHARS = 32;
/** Share on the left takes this share of the width; the tiles go in the column beside it. */
const SHARE_WIDTH_FRACTION = 3 / 4;
const MIN_COLUMN_TILES = 4;

const even = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);

/**
 * A display name as drawtext can take it inside single quotes with expansion off: letters and digits
 * of any script, spaces and `._()-`; everything else (quotes, backslashes, colons, control characters)
 * is dropped, so a name can never break out of the filter graph.
 */
export function safeLabel(name: string, fallback: string): string {
  const cleaned = name.replace(/[^\p{L}\p{N} ._()-]/gu, '').replace(/\s+/g, ' ').trim().slice(0, MAX_LABEL_CHARS).trim();
  const fb = fallback.replace(/[^\p{L}\p{N} ._()-]/gu, '').slice(0, MAX_LABEL_CHARS);
  return cleaned === '' ? fb : cleaned;
}

/** The sources ffmpeg reads for `scene`, in stream order (share, tile videos, audios). */
export function sceneSources(scene: ComposedScene): RecordedSource[] {
  const videos = scene.tiles.flatMap((t) => (t.video === undefined ? [] : [t.video]));
  return [...(scene.share === undefined ? [] : [scene.share.video]), ...videos, ...scene.audios];
}

/** A scene from bare sources, as before names were known: one tile per sender's camera, desktop sources as the share. */
export function sceneOf(sources: readonly RecordedSource[]): ComposedScene {
  const share = sources.find((s) => s.media === 'video' && s.videoType === 'desktop');
  const tiles = sources.filter((s) => s.media === 'video' && s !== share).map((v) => ({ owner: v.owner, label: '', video: v }));
  return { tiles, share: share === undefined ? undefined : { label: '', video: share }, audios: sources.filter((s) => s.media === 'audio') };
}

/** A key that changes exactly when the drawn or mixed content changes (a new segment is needed). */
export function sceneKey(scene: ComposedScene): string {
  return JSON.stringify([scene.share?.video.ssrc, scene.share?.label, scene.tiles.map((t) => [t.owner, t.label, t.video?.ssrc]), scene.audios.map((a) => a.ssrc)]);
}

type Box = { readonly x: number; readonly y: number; readonly w: number; readonly h: number };

/** A grid of `n` tiles inside width × height: positions for xstack and the tile size. */
export function gridLayout(n: number, width: number, height: number): { readonly tileWidth: number; readonly tileHeight: number; readonly positions: readonly string[] } {
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const tileWidth = even(width / cols);
  const tileHeight = even(height / rows);
  const positions = Array.from({ length: n }, (_, i) => `${(i % cols) * tileWidth}_${Math.floor(i / cols) * tileHeight}`);
  return { tileWidth, tileHeight, positions };
}

/** Where each tile (and the share) goes: a grid, or the share large and a column of tiles. */
export function sceneBoxes(tileCount: number, hasShare: boolean, width: number, height: number): { readonly share: Box | undefined; readonly tiles: readonly Box[] } {
  if (!hasShare) {
    const g = gridLayout(Math.max(1, tileCount), width, height);
    return {
      share: undefined,
      tiles: g.positions.slice(0, tileCount).map((p) => {
        const [x, y] = p.split('_').map(Number) as [number, number];
        return { x, y, w: g.tileWidth, h: g.tileHeight };
      }),
    };
  }
  const shareWidth = even(width * SHARE_WIDTH_FRACTION);
  const columnWidth = even(width - shareWidth);
  const rows = Math.max(MIN_COLUMN_TILES, tileCount);
  const tileHeight = even(height / rows);
  // More tiles than fit beside the share are left out of the picture (their audio is still mixed).
  const shown = Math.min(tileCount, Math.floor(height / tileHeight));
  return {
    share: { x: 0, y: 0, w: shareWidth, h: even(height) },
    tiles: Array.from({ length: shown }, (_, i) => ({ x: shareWidth, y: i * tileHeight, w: columnWidth, h: tileHeight })),
  };
}

/** drawtext for a label at the bottom left (over video) or centred (on a dark tile); `origin` offsets it inside a whole frame. */
function nameFilter(label: string, box: Box, o: LayoutOptions, centred: boolean, origin?: Box): string {
  if (o.fontFile === undefined || label === '') return '';
  const size = Math.max(10, Math.round(Math.min(box.h / 9, box.w / 14)));
  const at = origin !== undefined
    ? `x=${origin.x}+(${origin.w}-tw)/2:y=${origin.y}+(${origin.h}-th)/2`
    : centred ? 'x=(w-tw)/2:y=(h-th)/2' : 'x=6:y=h-th-6';
  return `,drawtext=fontfile='${o.fontFile}':expansion=none:text='${label}':fontcolor=white:fontsize=${size}:box=1:boxcolor=black@0.55:boxborderw=4:${at}`;
}

/**
 * The video half of the filter graph (output [v]) for `scene`; input stream i of input 0 is
 * sceneSources(scene)[i]. The video must end exactly when the RTP inputs do (the segment's length is
 * the time it was shown): dark name tiles come from an endless colour source, so xstack ends with the
 * first real video; with no real video at all the frame is drawn over the first audio's timeline.
 */
export function videoFilter(scene: ComposedScene, o: LayoutOptions): string {
  const fps = o.frameRate;
  const boxes = sceneBoxes(scene.tiles.length, scene.share !== undefined, o.width, o.height);
  const hasVideo = scene.share !== undefined || scene.tiles.some((t) => t.video !== undefined);
  if (!hasVideo && scene.audios.length > 0) {
    // showwaves drawing in black on black: a blank frame as long as the audio, then the name tiles on it.
    const firstAudio = sceneSources(scene).length - scene.audios.length;
    const tiles = scene.tiles.flatMap((t, k) => {
      const box = boxes.tiles[k];
      return box === undefined ? [] : [`,drawbox=x=${box.x}:y=${box.y}:w=${box.w}:h=${box.h}:color=${TILE_BACKGROUND}:t=fill${nameFilter(t.label, box, o, true, box)}`];
    });
    return `[0:${firstAudio}]showwaves=s=${o.width}x${o.height}:r=${fps}:mode=point:colors=black,format=yuv420p${tiles.join('')},setsar=1[v]`;
  }
  const parts: string[] = [];
  const placed: { label: string; box: Box }[] = [];
  let input = 0;
  const fit = (i: number, box: Box, label: string, out: string): string =>
    `[0:${i}]scale=${box.w}:${box.h}:force_original_aspect_ratio=decrease,pad=${box.w}:${box.h}:(ow-iw)/2:(oh-ih)/2:color=${TILE_BACKGROUND},setsar=1,fps=${fps}${nameFilter(label, box, o, false)}[${out}]`;
  if (scene.share !== undefined && boxes.share !== undefined) {
    parts.push(fit(input++, boxes.share, scene.share.label, `p${placed.length}`));
    placed.push({ label: scene.share.label, box: boxes.share });
  }
  scene.tiles.forEach((t, k) => {
    const box = boxes.tiles[k];
    if (t.video !== undefined) input++;
    if (box === undefined) return;
    const out = `p${placed.length}`;
    if (t.video !== undefined) parts.push(fit(input - 1, box, t.label, out));
    else parts.push(`color=c=${TILE_BACKGROUND}:s=${box.w}x${box.h}:r=${fps},setsar=1${nameFilter(t.label, box, o, true)}[${out}]`);
    placed.push({ label: t.label, box });
  });
  if (placed.length === 0) return `color=c=black:s=${o.width}x${o.height}:r=${fps}[v]`;
  const labels = placed.map((_, k) => `[p${k}]`).join('');
  const stacked = placed.length === 1
    ? `${labels}null[g]`
    : `${labels}xstack=inputs=${placed.length}:layout=${placed.map((p) => `${p.box.x}_${p.box.y}`).join('|')}:fill=black:shortest=1[g]`;
  parts.push(stacked, `[g]pad=${o.width}:${o.height}:(ow-iw)/2:(oh-ih)/2:color=black,format=yuv420p[v]`);
  return parts.join(';');
}
