// SctpDataChannels against werift's SCTP client over an in-memory link (no DTLS: what DTLS carries
// is exactly these packets): DCEP open and ACK, messages both ways, and each limit and bad input
// closing only what it concerns.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { encodeDataChannelOpen, PPID } from './dcep.ts';
import type { DataChannel } from './sctp-data-channels.ts';
import { SCTP_PORT, SctpDataChannels, newDataChannelCounters } from './sctp-data-channels.ts';
import type { WeriftSctp } from './werift-sctp.ts';
import { newSctpClient } from './werift-sctp.ts';

const COLIBRI = 'http://jitsi.org/protocols/colibri';

type Pair = {
  bridge: SctpDataChannels;
  client: WeriftSctp;
  counters: ReturnType<typeof newDataChannelCounters>;
  opened: DataChannel[];
  atBridge: { stream: number; text: string; isBinary: boolean }[];
  atClient: { stream: number; ppid: number; data: Buffer }[];
  resetAtClient: number[];
  /** Packets to the bridge can be tampered with or injected. */
  toBridge(packet: Buffer): void;
  close(): Promise<void>;
};

async function pair(limits: { maxMessageBytes?: number; maxChannels?: number; maxChannelOpens?: number } = {}): Promise<Pair> {
  const counters = newDataChannelCounters();
  const opened: DataChannel[] = [];
  const atBridge: Pair['atBridge'] = [];
  const atClient: Pair['atClient'] = [];
  const resetAtClient: number[] = [];
  let client: WeriftSctp | undefined;
  const clientTransport = {
    send: (packet: Buffer) => {
      setImmediate(() => bridge.handlePacket(packet));
      return Promise.resolve();
    },
    close: () => undefined,
  };
  const bridge: SctpDataChannels = new SctpDataChannels({
    log: silentLogger, counters, limits,
    sendPacket: (packet) => {
      setImmediate(() => void client?.handleData(packet).catch(() => undefined));
      return true;
    },
    acceptChannel: (open, channel) => {
      if (open.protocol !== COLIBRI) return false;
      opened.push(channel);
      channel.onMessage((data, isBinary) => atBridge.push({ stream: channel.streamId, text: data.toString('utf8'), isBinary }));
      return true;
    },
  });
  client = newSctpClient(clientTransport, SCTP_PORT);
  client.onReceive.subscribe((stream, ppid, data) => atClient.push({ stream, ppid, data }));
  client.onReconfigStreams.subscribe((ids) => resetAtClient.push(...ids));
  await client.start(SCTP_PORT);
  await until(() => client!.state === 'connected');
  return {
    bridge, client, counters, opened, atBridge, atClient, resetAtClient,
    toBridge: (packet) => bridge.handlePacket(packet),
    close: async () => {
      bridge.close();
      await client!.stop();
    },
  };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('DATA_CHANNEL_OPEN with the colibri protocol is acked; text flows both ways on its stream', async () => {
  const p = await pair();
  try {
    await p.client.send(0, PPID.dcep, encodeDataChannelOpen('JVB data channel', COLIBRI));
    await until(() => p.atClient.some((m) => m.ppid === PPID.dcep));
    assert.equal(p.atClient[0], { stream: 0, ppid: PPID.dcep, data: Buffer.from([0x02]) }, 'DATA_CHANNEL_ACK on the same stream');
    assert.is(p.opened[0]?.label, 'JVB data channel');
    await p.client.send(0, PPID.string, Buffer.from('{"colibriClass":"ClientHello"}'));
    await until(() => p.atBridge.length === 1);
    assert.equal(p.atBridge[0], { stream: 0, text: '{"colibriClass":"ClientHello"}', isBinary: false });
    assert.ok(p.opened[0]?.sendText('{"colibriClass":"ServerHello"}'));
    await until(() => p.atClient.some((m) => m.ppid === PPID.string));
    assert.is(p.atClient.find((m) => m.ppid === PPID.string)?.data.toString('utf8'), '{"colibriClass":"ServerHello"}');
  } finally {
    await p.close();
  }
});

test('a channel of another protocol, a malformed DCEP message and one channel too many are refused by resetting their stream', async () => {
  const p = await pair({ maxChannels: 1 });
  try {
    await p.client.send(0, PPID.dcep, encodeDataChannelOpen('JVB data channel', COLIBRI));
    await p.client.send(2, PPID.dcep, encodeDataChannelOpen('JVB data channel', COLIBRI));
    await p.client.send(4, PPID.dcep, encodeDataChannelOpen('x', 'urn:example:other'));
    await p.client.send(6, PPID.dcep, Buffer.from([0x03, 0x00]));
    await until(() => p.counters.channelsRefused === 3);
    assert.is(p.counters.channelsOpened, 1);
    await until(() => [2, 4, 6].every((s) => p.resetAtClient.includes(s)));
    assert.not.ok(p.resetAtClient.includes(0), 'the accepted channel stays');
    assert.ok(p.opened[0]?.isOpen);
  } finally {
    await p.close();
  }
});

test('opens beyond maxChannelOpens are refused even after the earlier channels closed (no endless churn)', async () => {
  const p = await pair({ maxChannelOpens: 2 });
  try {
    for (const stream of [0, 2, 4]) {
      await p.client.send(stream, PPID.dcep, encodeDataChannelOpen('JVB data channel', COLIBRI));
      await until(() => p.counters.channelsOpened + p.counters.channelsRefused === stream / 2 + 1);
      p.opened.at(-1)?.close();
    }
    assert.equal([p.counters.channelsOpened, p.counters.channelsRefused], [2, 1]);
  } finally {
    await p.close();
  }
});

test('a message over the limit closes its channel only; data on a stream without a channel is dropped', async () => {
  const p = await pair({ maxMessageBytes: 100 });
  try {
    await p.client.send(0, PPID.dcep, encodeDataChannelOpen('JVB data channel', COLIBRI));
    await p.client.send(8, PPID.string, Buffer.from('no channel here'));
    await until(() => p.counters.messagesDropped === 1);
    await p.client.send(0, PPID.string, Buffer.alloc(101, 0x61));
    await until(() => p.counters.messagesTooBig === 1);
    assert.not.ok(p.opened[0]?.isOpen, 'the channel closed');
    assert.is(p.atBridge.length, 0, 'nothing delivered');
    assert.not.ok(p.bridge.isClosed, 'the association lives on');
  } finally {
    await p.close();
  }
});

test('malformed SCTP (a zero-length chunk, an unknown chunk type, a bad checksum) aborts the association', async () => {
  for (const bad of ['zero-length', 'unknown-type', 'bad-checksum'] as const) {
    const p = await pair();
    try {
      await p.client.send(0, PPID.dcep, encodeDataChannelOpen('JVB data channel', COLIBRI));
      await until(() => p.opened.length === 1);
      let closedWhy = '';
      p.opened[0]!.onClose((why) => (closedWhy = why));
      const packet = Buffer.alloc(20);
      packet.writeUInt16BE(SCTP_PORT, 0);
      packet.writeUInt16BE(SCTP_PORT, 2);
      if (bad === 'unknown-type') packet.set([0x3f, 0, 0, 8], 12);
      if (bad === 'bad-checksum') packet.set([6, 0, 0, 4], 12); // ABORT with a zero CRC32c
      p.toBridge(packet);
      await until(() => p.bridge.isClosed);
      assert.is(p.counters.associationsAborted, 1, bad);
      assert.ok(closedWhy.length > 0, `${bad}: its channel closed (${closedWhy})`);
    } finally {
      await p.close();
    }
  }
});

test.run();
