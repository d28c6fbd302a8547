// A readiness probe for XMPP servers started as separate processes (the local cluster, Prosody in
// tests): does the port answer a client stream header with stream features?
import { connect } from 'node:net';

const HOST = '127.0.0.1';

/** True once the port answers a client stream header with stream features: the server is up. */
export function answersXmpp(port: number, domain: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    let seen = '';
    const done = (isUp: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(isUp);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('connect', () => {
      socket.write(`<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`);
    });
    socket.on('data', (d: string) => {
      seen += d;
      if (seen.includes('features')) done(true);
    });
  });
}
