// The one-command server for `npm run bench:join`, in a process of its own as `npm start` runs it,
// so that the bench's browser driver (playwright, in the bench's process) never holds up the
// server's event loop. Started by bench.ts with the web port as its argument; says `ready` (and its XMPP port) over IPC
// and ends when the bench disconnects. A second argument `no-minify` serves the app unminified
// (readable function names in a trace).
import { startAllInOne } from '@plenum/all-in-one';

const port = Number(process.argv[2]);
const origin = `http://127.0.0.1:${port}`;
const minify = process.argv[3] !== 'no-minify';
const plenum = await startAllInOne({
  xmpp: { tcp: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' } },
  focus: { log: { level: 'silent' } },
  bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
  web: { port, publicUrl: origin, minify, log: { level: 'silent' } },
});
process.on('disconnect', () => void plenum.close().finally(() => process.exit(0)));
// The XMPP client port: the werift room (werift-room.ts) joins over it.
process.send?.({ ready: true, xmppTcpPort: plenum.xmpp.tcpPort });
