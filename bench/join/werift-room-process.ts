// The werift room for `npm run bench:join -- --room werift`, in a process of its own so that its
// CPU is measured apart from the bench's and the server's: three MediaParticipants join the room
// through the real focus and bridge and each sends the clip (werift-room.ts). Arguments: the XMPP
// client port and the room. Says `ready` over IPC once all three are connected and sending; answers
// a `stats` message with every sender's stats; ends when the bench disconnects.
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { ClipSender } from './werift-room.ts';
import { loadClip } from './vp8-clip.ts';

const port = Number(process.argv[2]);
const room = process.argv[3] ?? '';
const clip = loadClip();
const participants: MediaParticipant[] = [];
const senders: ClipSender[] = [];
// Different pictures and levels: Host A is the loud one, so the dominant speaker does not hop about.
const hosts = [{ offset: 0, level: 30 }, { offset: 100, level: 90 }, { offset: 200, level: 90 }];
for (const { offset, level } of hosts) {
  const p = await MediaParticipant.join({ port, host: '127.0.0.1', room });
  participants.push(p);
  await p.connected();
  senders.push(new ClipSender(p, clip, offset, level));
}
// The participants keep every packet they receive (the joiners' media the bridge forwards to them); a bench runs for minutes.
const forget = setInterval(() => {
  for (const p of participants) {
    p.received.length = 0;
    p.rtcp.length = 0;
  }
}, 1000);
process.on('message', (m) => {
  if (m === 'stats') process.send?.({ stats: senders.map((s) => ({ ...s.stats })) });
});
process.on('disconnect', () => {
  clearInterval(forget);
  for (const s of senders) s.stop();
  void Promise.all(participants.map((p) => p.close())).finally(() => process.exit(0));
});
process.send?.({ ready: true });
