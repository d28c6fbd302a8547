// Which videos the meeting shows and how big: pure functions of the snapshot and the stage size,
// so the layout rules are unit-tested without a browser.
import type { ConferenceSnapshot, ParticipantView } from '../client/conference-api.ts';

/** One thing on screen: a participant's camera (or avatar) or their screen share. */
export type TileItem = { readonly key: string; readonly participant: ParticipantView; readonly source: 'camera' | 'screen' };

export type LayoutMode = 'tile' | 'speaker';

export type GridSize = { readonly columns: number; readonly tileWidth: number; readonly tileHeight: number };

/** Every camera tile, then every screen share (a share is a second video of its participant). */
export function tileItems(participants: readonly ParticipantView[]): TileItem[] {
  const items: TileItem[] = participants.map((p) => ({ key: `${p.id}:camera`, participant: p, source: 'camera' }));
  for (const p of participants) {
    if (p.screenSharing) items.push({ key: `${p.id}:screen`, participant: p, source: 'screen' });
  }
  return items;
}

/** The layout shown: the user's choice, else speaker view while someone shares their screen. */
export function effectiveMode(chosen: LayoutMode | undefined, snapshot: ConferenceSnapshot): LayoutMode {
  if (chosen !== undefined) return chosen;
  return snapshot.participants.some((p) => p.screenSharing) ? 'speaker' : 'tile';
}

/**
 * The large video in speaker view: a remote screen share, then the pinned participant, then the
 * dominant speaker, then the first remote participant, then ourselves.
 */
export function stageItem(items: readonly TileItem[], snapshot: ConferenceSnapshot, pinnedId: string | undefined): TileItem | undefined {
  const remoteShare = items.find((i) => i.source === 'screen' && !i.participant.isLocal);
  if (remoteShare !== undefined) return remoteShare;
  const camera = (id: string | undefined) => items.find((i) => i.source === 'camera' && i.participant.id === id);
  return camera(pinnedId)
    ?? (snapshot.dominantSpeaker !== undefined && !isLocalId(snapshot, snapshot.dominantSpeaker) ? camera(snapshot.dominantSpeaker) : undefined)
    ?? items.find((i) => i.source === 'camera' && !i.participant.isLocal)
    ?? items[0];
}

function isLocalId(snapshot: ConferenceSnapshot, id: string): boolean {
  return snapshot.participants.some((p) => p.id === id && p.isLocal);
}

/**
 * The grid that makes `count` tiles of `aspect` (width/height) as large as possible inside
 * width×height with `gap` between them.
 */
export function bestGrid(count: number, width: number, height: number, gap: number, aspect = 16 / 9): GridSize {
  let best: GridSize = { columns: 1, tileWidth: 0, tileHeight: 0 };
  if (count <= 0 || width <= 0 || height <= 0) return best;
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    const cellWidth = (width - gap * (columns - 1)) / columns;
    const cellHeight = (height - gap * (rows - 1)) / rows;
    if (cellWidth <= 0 || cellHeight <= 0) continue;
    const tileWidth = Math.min(cellWidth, cellHeight * aspect);
    if (tileWidth > best.tileWidth) best = { columns, tileWidth: Math.floor(tileWidth), tileHeight: Math.floor(tileWidth / aspect) };
  }
  return best;
}

/** The simulcast height to ask for a tile shown `shownHeight` CSS pixels tall on a `pixelRatio` screen. */
export function wantedHeight(shownHeight: number, pixelRatio: number): number {
  const device = shownHeight * pixelRatio;
  if (device <= 200) return 180;
  if (device <= 400) return 360;
  return 720;
}
