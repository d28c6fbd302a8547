// The adapter under a live werift transport: two werift peers over loopback, one of them switched
// to node:crypto SRTP when DTLS comes up; RTP flows both ways and each side hears the other's
// payloads intact (so keys, profile and the index match werift's on the wire).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RTCDtlsTransport, RTCRtpTransceiver, RtpPacket } from 'werift';
import { RTCPeerConnection, RtpHeader } from 'werift';
import { WeriftSrtpAdapter, useNodeCryptoSrtp } from './index.ts';

const loopback = () => ({ iceUseIpv4: true, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function send(dtls: RTCDtlsTransport, ssrc: number, count: number): Promise<void> {
  for (let seq = 0; seq < count; seq++) {
    await dtls.sendRtp(Buffer.from(`packet ${ssrc} ${seq}`), new RtpHeader({ ssrc, payloadType: 111, sequenceNumber: seq, timestamp: seq * 960 }));
    await sleep(2);
  }
}

test('a werift peer with node:crypto SRTP and a stock werift peer exchange RTP both ways', async () => {
  const offerer = new RTCPeerConnection(loopback());
  const answerer = new RTCPeerConnection(loopback());
  try {
    offerer.addTransceiver('audio', { direction: 'sendrecv' });
    await offerer.setLocalDescription(await offerer.createOffer());
    await answerer.setRemoteDescription(offerer.localDescription!);
    const transceiver: RTCRtpTransceiver = answerer.getTransceivers()[0]!;
    transceiver.setDirection('sendrecv');
    const ours = transceiver.receiver.dtlsTransport;
    const switched = useNodeCryptoSrtp(ours);
    await answerer.setLocalDescription(await answerer.createAnswer());
    await offerer.setRemoteDescription(answerer.localDescription!);
    const adapter = await switched;
    assert.instance(adapter, WeriftSrtpAdapter);
    assert.is(ours.srtp as unknown, adapter, 'the transport now calls the adapter');
    const theirs = offerer.getTransceivers()[0]!.receiver.dtlsTransport;
    const heardByUs: string[] = [];
    const heardByThem: string[] = [];
    ours.onRtp.subscribe((p: RtpPacket) => heardByUs.push(p.payload.toString()));
    theirs.onRtp.subscribe((p: RtpPacket) => heardByThem.push(p.payload.toString()));
    await Promise.all([send(theirs, 1111, 20), send(ours, 2222, 20)]);
    await sleep(200);
    assert.ok(heardByUs.includes('packet 1111 19') && heardByUs.length >= 18, `we heard ${heardByUs.length} of 20`);
    assert.ok(heardByThem.includes('packet 2222 19') && heardByThem.length >= 18, `they heard ${heardByThem.length} of 20`);
    assert.is(adapter.session.refused['auth-failed'], 0);
  } finally {
    await Promise.all([offerer.close(), answerer.close()]);
  }
});

test.run();
