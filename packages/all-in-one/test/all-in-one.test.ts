// The one-command server: XMPP server, focus and bridge start in one process, find each other over
// loopback XMPP with secrets made up at start, and a guest's conference request is answered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { child, serialize } from '@plenum/xmpp/codec';
import { WireClient } from '@plenum/testkit';
import { startAllInOne } from '../src/index.ts';

test('npm start: components connect and the focus answers a conference request', async () => {
  const plenum = await startAllInOne({
    xmpp: { tcp: { port: 0 }, http: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' } },
    focus: { log: { level: 'silent' } },
    bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
    web: { port: 0, log: { level: 'silent' } },
  });
  try {
    const guest = await WireClient.tcp(plenum.xmpp.tcpPort);
    await guest.loginAnonymous();
    // Both components are connected to the server: it lists them.
    for (let i = 0; ; i++) {
      guest.send(`<iq type='get' id='items${i}' to='plenum.localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`);
      const items = serialize(await guest.nextNamed('iq', `items${i}`));
      if (items.includes('focus.plenum.localhost') && items.includes('.bridge.plenum.localhost')) break;
      assert.ok(i < 100, `components never connected: ${items}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    guest.send(`<iq type='set' id='conf' to='focus.plenum.localhost'><conference xmlns='http://jitsi.org/protocol/focus' room='first@conference.plenum.localhost' machine-uid='m1'/></iq>`);
    const reply = await guest.nextNamed('iq', 'conf', 5000);
    assert.is(reply.attrs.type, 'result', serialize(reply));
    const conference = child(reply, 'conference', 'http://jitsi.org/protocol/focus');
    assert.is(conference?.attrs.ready, 'true');
    assert.is(conference?.attrs.focusjid, 'focus.plenum.localhost');
    guest.close();
  } finally {
    await plenum.close();
  }
});

test('with JWT auth on, the focus checks tokens with the same settings as the server', async () => {
  const plenum = await startAllInOne({
    xmpp: {
      tcp: { port: 0 }, http: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json', jwt: { enabled: true, appId: 'plenum', secret: 'shared-secret' } },
    },
    focus: { log: { level: 'silent' } },
    bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
    web: { port: 0, log: { level: 'silent' } },
  });
  try {
    assert.is(plenum.focus.config.auth.jwt.enabled, true);
    assert.is(plenum.focus.config.auth.jwt.secret, 'shared-secret');
    assert.is(plenum.focus.config.auth.jwt.appId, 'plenum');
  } finally {
    await plenum.close();
  }
});

test.run();
