// Raw SIP over UDP and TCP for tests that send what no well-behaved peer would (torture
// messages, garbage, a missing ACK): send text, collect what comes back.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

/** A UDP socket on 127.0.0.1 that collects every datagram it receives. */
export async function rawUdpPeer() {
  const socket = createSocket('udp4');
  const received: string[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    received.push(data.toString('latin1'));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    received,
    send(port: number, text: string): Promise<void> {
      return new Promise((resolve, reject) => socket.send(Buffer.from(text, 'latin1'), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    },
    /** Resolves once a received datagram matches, or with undefined after `timeoutMs`. */
    async waitFor(match: (text: string) => boolean, timeoutMs = 3000): Promise<string | undefined> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = received.find(match);
        if (hit !== undefined) return hit;
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    close(): void {
      socket.close();
    },
  };
}

/** Sends `text` over a new TCP connection and returns what came back before `waitMs` or close. */
export function tcpExchange(port: number, text: string, waitMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const done = (): void => {
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, waitMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      got += chunk;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.write(Buffer.from(text, 'latin1'));
  });
}

/** A minimal INVITE (CRLF line ends) from the raw peer at `fromPort`. */
export function rawInvite(opts: { fromPort: number; callId: string; branch?: string; transport?: 'UDP' | 'TCP'; extraHeaders?: string[] }): string {
  const sdp = 'v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n';
  return [
    'INVITE sip:gateway@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/${opts.transport ?? 'UDP'} 127.0.0.1:${opts.fromPort};branch=${opts.branch ?? `z9hG4bK${opts.callId}`}`,
    `From: <sip:+15550001111@127.0.0.1>;tag=raw${opts.callId}`,
    'To: <sip:gateway@127.0.0.1>',
    `Call-ID: ${opts.callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:phone@127.0.0.1:${opts.fromPort}>`,
    'Max-Forwards: 70',
    ...(opts.extraHeaders ?? []),
    'Content-Type: application/sdp',
    `Content-Length: ${sdp.length}`,
    '',
    sdp,
  ].join('\r\n');
}

/** A request inside the dialog `rawInvite` started (the gateway's To tag from its 200). */
export function rawInDialog(method: string, opts: {
  fromPort: number; callId: string; toTag: string; cseq: number; branch: string; sdp?: string; extraHeaders?: string[];
}): string {
  const body = opts.sdp ?? '';
  return [
    `${method} sip:gateway@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${opts.fromPort};branch=${opts.branch}`,
    `From: <sip:+15550001111@127.0.0.1>;tag=raw${opts.callId}`,
    `To: <sip:gateway@127.0.0.1>;tag=${opts.toTag}`,
    `Call-ID: ${opts.callId}`,
    `CSeq: ${opts.cseq} ${method === 'ACK' ? 'ACK' : method}`,
    `Contact: <sip:phone@127.0.0.1:${opts.fromPort}>`,
    'Max-Forwards: 70',
    ...(opts.extraHeaders ?? []),
    ...(body !== '' ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

/** A 200 OK answering a request the gateway sent us (same Via, From, To, Call-ID, CSeq). */
export function rawOkFor(request: string, extraHeaders: string[] = []): string {
  const keep = request.split('\r\n').filter((line) => /^(Via|From|To|Call-ID|CSeq):/i.test(line));
  return ['SIP/2.0 200 OK', ...keep, ...extraHeaders, 'Content-Length: 0', '', ''].join('\r\n');
}

/** The To tag of a response. */
export function toTagOf(message: string): string {
  return /\r\nTo:[^\r\n]*;tag=([^;\s\r]+)/i.exec(message)?.[1] ?? '';
}

/** A response to `request` with the same Via, From, Call-ID and CSeq, our To tag, and `extraHeaders`/`body`. */
export function rawReplyTo(request: string, status: string, opts: { toTag: string; extraHeaders?: string[]; body?: string }): string {
  const lines = request.split('\r\n');
  const keep = lines.filter((line) => /^(Via|From|Call-ID|CSeq):/i.test(line));
  const to = lines.find((line) => /^To:/i.test(line)) ?? 'To: <sip:x@127.0.0.1>';
  const body = opts.body ?? '';
  return [
    `SIP/2.0 ${status}`, ...keep, /;tag=/.test(to) ? to : `${to};tag=${opts.toTag}`, ...(opts.extraHeaders ?? []),
    ...(body !== '' ? ['Content-Type: application/sdp'] : []), `Content-Length: ${body.length}`, '', body,
  ].join('\r\n');
}
