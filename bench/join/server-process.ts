// The one-command server for `npm run bench:join`, in a process of its own as `npm start` runs it,
// so that the bench's browser driver (playwright, in the bench's process) never holds up the
// server's event loop. Started by bench.ts with the web port as its argument; says `ready` over IPC
// and ends when the bench disconnects.
import { startAllInOne } from '@plenum/all-in-one';

const port = Number(process.argv[2]);
const origin = `http://127.0.0.1:${port}`;
const plenum = await startAllInOne({
  xmpp: { tcp: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' } },
  focus: { log: { level: 'silent' } },
  bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
  web: { port, publicUrl: origin, log: { level: 'silent' } },
});
process.on('disconnect', () => void plenum.close().finally(() => process.exit(0)));
process.send?.({ ready: true });
