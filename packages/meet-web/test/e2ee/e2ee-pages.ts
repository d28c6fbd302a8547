// The E2EE steps a user takes in the real UI, shared by the E2EE browser tests.
import type { Page } from 'playwright-core';

/** The top bar's E2EE badge (a button that opens the verification dialog). */
export const e2eeBadge = (page: Page) => page.getByRole('button', { name: /^End-to-end encrypted/ });

/** Opens the E2EE dialog from the badge and reads the SAS emoji names shown for `name`. */
export async function sasWith(page: Page, name: string): Promise<string[]> {
  await e2eeBadge(page).click();
  const list = page.getByRole('list', { name: `Emoji to compare with ${name}` });
  await list.waitFor();
  return list.getByRole('listitem').evaluateAll((items) => items.map((i) => i.getAttribute('aria-label') ?? ''));
}

/** Packets a page's peer connections sent so far (outbound-rtp, all kinds). */
export function packetsSent(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let n = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; packetsSent?: number }) => {
        if (s.type === 'outbound-rtp') n += s.packetsSent ?? 0;
      });
    }
    return n;
  });
}

/** The frame worker's counters (e2ee/worker-protocol.ts E2eeFrameStats). */
export type WorkerStats = {
  readonly encrypted: number;
  readonly decrypted: number;
  readonly passed: number;
  readonly decryptedBy: Record<string, number>;
  readonly dropped: Record<string, number>;
};

/**
 * The page's E2EE worker counters, asked of the worker itself: its own 'stats' request, with the
 * answer caught before it is posted to the page.
 */
export async function workerStats(page: Page): Promise<WorkerStats> {
  const worker = page.workers().find((w) => w.url().includes('e2ee'));
  if (worker === undefined) throw new Error(`no E2EE worker in the page (workers: ${page.workers().map((w) => w.url()).join(', ')})`);
  return worker.evaluate(() => new Promise<WorkerStats>((resolve) => {
    const scope = globalThis as unknown as { postMessage: (m: unknown) => void; onmessage: (e: { data: unknown }) => void };
    const post = scope.postMessage;
    scope.postMessage = (m: unknown) => {
      scope.postMessage = post;
      resolve((m as { stats: WorkerStats }).stats);
    };
    scope.onmessage({ data: { op: 'stats', requestId: -1 } });
  }));
}
