// The live stream's MPEG-TS moves between ffmpeg processes over Unix sockets in the session's
// private directory (mode 0700): unlike a loopback port, no other local user can connect to read
// the meeting or write into the stream.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/** Listens on a Unix socket at `path`; the first connection goes to `connected`, the server then closes (no second one). */
export function listenOnce(path: string, connected: (socket: Socket) => void): Promise<Server> {
  const server = createServer((socket) => {
    server.close();
    // A peer that ends abruptly (a killed ffmpeg) is seen through its process, not as an error here.
    socket.on('error', () => undefined);
    connected(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}
