import { startProsody } from './prosody.ts';
const p = await startProsody({ workDir: '/tmp/prosody-killtest' });
console.log('up', p.port);
setInterval(() => {}, 1000);
