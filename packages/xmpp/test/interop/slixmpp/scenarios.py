#!/usr/bin/python3
"""Interop scenarios for an XMPP server, driven by an independent client: Debian's python3-slixmpp.

Each run connects to one server over plain TCP on loopback (no TLS: the test servers have no
certificates), plays one scenario and prints one JSON line per check:

    {"check": "<name>", "ok": true|false, "detail": ...}

Every check a scenario plans is printed, even when an earlier step failed (then with
"not reached"), so a caller can tell "failed" from "never tested". Exit status: 0 when every
check passed, 1 otherwise, 2 for bad arguments.

Run with Debian's interpreter, which is the one that has slixmpp:

    /usr/bin/python3 scenarios.py --host 127.0.0.1 --port 5222 --domain plenum.localhost \\
        --muc conference.plenum.localhost --scenario muc

Scenarios: login-disco-ping, muc, password-room, kick, hostile. See scenario_* below.
"""

import argparse
import asyncio
import json
import logging
import re
import secrets
import sys
import xml.etree.ElementTree as ET

from slixmpp import JID, ClientXMPP
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream import tostring
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

NS_CLIENT = 'jabber:client'
NS_MUC = 'http://jabber.org/protocol/muc'
NS_MUC_USER = 'http://jabber.org/protocol/muc#user'
NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
NS_PING = 'urn:xmpp:ping'

STEP_TIMEOUT_S = 5.0
"""How long any one expected reply may take."""
SCENARIO_TIMEOUT_S = 18.0
"""A whole scenario must end well inside the caller's 20 s budget."""
QUIET_S = 1.0
"""How long "nothing arrives" is watched for (an occupant that must not be kicked)."""


class StepFailed(Exception):
    """An expected stanza did not come; the scenario cannot go on."""


class Report:
    """Prints checks as JSON lines; remembers which planned checks were never reached."""

    def __init__(self, plan):
        self.plan = list(plan)
        self.done = {}

    def check(self, name, ok, detail=None):
        if name not in self.plan:
            raise AssertionError(f'check {name!r} is not in the plan')
        if name in self.done:
            raise AssertionError(f'check {name!r} reported twice')
        self.done[name] = bool(ok)
        print(json.dumps({'check': name, 'ok': bool(ok), 'detail': detail}, default=str), flush=True)
        return bool(ok)

    def require(self, name, ok, detail=None):
        """A check the rest of the scenario depends on."""
        if not self.check(name, ok, detail):
            raise StepFailed(name)

    def finish(self, reason):
        for name in self.plan:
            if name not in self.done:
                self.check(name, False, f'not reached: {reason}')
        return all(self.done.values())


# --- stanza helpers ------------------------------------------------------------------------------

def q(ns, name):
    return f'{{{ns}}}{name}'


def xml_text(stanza, limit=600):
    """The stanza as the wire shows it (shortened), for a failure's detail."""
    text = tostring(stanza.xml if hasattr(stanza, 'xml') else stanza)
    return text if len(text) <= limit else text[:limit] + '…'


def muc_user_x(stanza):
    return stanza.xml.find(q(NS_MUC_USER, 'x'))


def status_codes(stanza):
    """XEP-0045 §15.6 status codes in the stanza's muc#user payload."""
    x = muc_user_x(stanza)
    if x is None:
        return set()
    return {int(s.get('code')) for s in x.findall(q(NS_MUC_USER, 'status')) if (s.get('code') or '').isdigit()}


def muc_item(stanza):
    x = muc_user_x(stanza)
    item = None if x is None else x.find(q(NS_MUC_USER, 'item'))
    return {} if item is None else dict(item.attrib)


def error_of(stanza):
    """(type, condition, legacy code) of a stanza error, RFC 6120 §8.3."""
    err = stanza.xml.find(q(NS_CLIENT, 'error'))
    if err is None:
        return None
    condition = next((c.tag.split('}')[1] for c in err if c.tag.startswith('{' + NS_STANZAS) and not c.tag.endswith('}text')), None)
    return {'type': err.get('type'), 'condition': condition, 'code': err.get('code')}


# --- a slixmpp client with an inbox --------------------------------------------------------------

class Client:
    """One anonymous slixmpp session. Presences and messages land in an inbox that steps wait on."""

    def __init__(self, args, label):
        self.args = args
        self.label = label
        self.xmpp = ClientXMPP(args.domain, '')  # no username: slixmpp picks SASL ANONYMOUS
        for plugin in ('xep_0030', 'xep_0004', 'xep_0045', 'xep_0199'):
            self.xmpp.register_plugin(plugin)
        self.inbox = []
        self.arrived = asyncio.Event()
        for kind in ('presence', 'message'):
            self.xmpp.register_handler(Callback(f'inbox {kind}', MatchXPath(f'{{{NS_CLIENT}}}{kind}'), self._store))
        self.stream_errors = []
        self.xmpp.add_event_handler('stream_error', lambda e: self.stream_errors.append(xml_text(e)))

    def _store(self, stanza):
        self.inbox.append(stanza)
        self.arrived.set()

    @property
    def jid(self):
        return self.xmpp.boundjid

    async def start(self):
        """Connects, authenticates anonymously and binds. Returns an error text or None."""
        loop = asyncio.get_running_loop()
        outcome = loop.create_future()

        def settle(value):
            if not outcome.done():
                outcome.set_result(value)

        self.xmpp.add_event_handler('session_start', lambda _: settle(None))
        self.xmpp.add_event_handler('failed_auth', lambda _: settle('SASL failed'))
        self.xmpp.add_event_handler('connection_failed', lambda e: settle(f'connection failed: {e}'))
        self.xmpp.add_event_handler('disconnected', lambda e: settle(f'disconnected: {e}'))
        # Loopback test servers have no certificates: plain TCP, never STARTTLS.
        self.xmpp.connect((self.args.host, self.args.port), use_ssl=False, force_starttls=False, disable_starttls=True)
        try:
            return await asyncio.wait_for(outcome, STEP_TIMEOUT_S)
        except asyncio.TimeoutError:
            return f'no session within {STEP_TIMEOUT_S} s'

    async def expect(self, what, predicate, timeout=STEP_TIMEOUT_S):
        """The first inbox stanza matching predicate (consumed), or StepFailed after timeout."""
        found = await self.poll(predicate, timeout)
        if found is None:
            seen = [xml_text(s, 300) for s in self.inbox[-5:]]
            raise StepFailed(f'{self.label}: no {what} within {timeout} s; last stanzas: {seen}')
        return found

    async def poll(self, predicate, timeout):
        """Like expect, but None on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for i, stanza in enumerate(self.inbox):
                if predicate(stanza):
                    del self.inbox[i]
                    return stanza
            left = deadline - loop.time()
            if left <= 0:
                return None
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except asyncio.TimeoutError:
                pass

    def send_join(self, room, nick, password=None):
        """XEP-0045 §7.2.1: presence to room/nick with an empty muc payload (and no history)."""
        pres = self.xmpp.make_presence(pto=f'{room}/{nick}')
        x = ET.SubElement(pres.xml, q(NS_MUC, 'x'))
        ET.SubElement(x, q(NS_MUC, 'history'), {'maxstanzas': '0'})
        if password is not None:
            ET.SubElement(x, q(NS_MUC, 'password')).text = password
        pres.send()

    async def join(self, room, nick, password=None):
        """Joins and returns the reply: our own presence (status 110) or an error presence."""
        self.send_join(room, nick, password)
        occupant = JID(f'{room}/{nick}')
        return await self.expect(
            f'self-presence or error from {occupant}',
            lambda s: s.name == 'presence' and s['from'] == occupant
            and (s['type'] == 'error' or 110 in status_codes(s)),
        )

    def send_groupchat(self, room, body):
        self.xmpp.send_message(mto=room, mbody=body, mtype='groupchat')

    async def ping(self, to):
        """XEP-0199 §4.2: True when the IQ-get is answered with a result (an error is not a pong)."""
        try:
            reply = await self.xmpp['xep_0199'].send_ping(JID(to), timeout=STEP_TIMEOUT_S)
            return reply['type'] == 'result', xml_text(reply)
        except IqError as e:
            return False, xml_text(e.iq)
        except IqTimeout:
            return False, f'no reply within {STEP_TIMEOUT_S} s'

    async def stop(self):
        try:
            await asyncio.wait_for(self.xmpp.disconnect(wait=0.5), 2)
        except Exception:  # noqa: BLE001 -- shutting down; a failed goodbye changes no result
            self.xmpp.abort()


def is_presence_from(jid, type_=None):
    jid = JID(jid)
    return lambda s: s.name == 'presence' and s['from'] == jid and (type_ is None or s['type'] == type_)


def is_message_from(jid, body, type_):
    jid = JID(jid)
    return lambda s: s.name == 'message' and s['from'] == jid and s['type'] == type_ and s['body'] == body


# --- scenarios -----------------------------------------------------------------------------------

async def scenario_login_disco_ping(args, report):
    """ANONYMOUS login, disco#info and disco#items on the domain, XEP-0199 ping."""
    c = Client(args, 'client')
    clients = [c]
    try:
        err = await c.start()
        jid = c.jid
        report.require('anonymous-login', err is None and jid.domain == args.domain and bool(jid.user) and bool(jid.resource),
                       {'jid': str(jid), 'error': err})
        try:
            info = await c.xmpp['xep_0030'].get_info(jid=args.domain, timeout=STEP_TIMEOUT_S)
            features = list(info['disco_info']['features'])
            identities = [list(i) for i in info['disco_info']['identities']]
            report.check('disco-info-lists-ping', NS_PING in features, {'features': features, 'identities': identities})
        except (IqError, IqTimeout) as e:
            report.check('disco-info-lists-ping', False, xml_text(e.iq))
        try:
            items = await c.xmpp['xep_0030'].get_items(jid=args.domain, timeout=STEP_TIMEOUT_S)
            report.check('disco-items-result', items['type'] == 'result',
                          {'items': [str(i[0]) for i in items['disco_items']['items']]})
        except (IqError, IqTimeout) as e:
            report.check('disco-items-result', False, xml_text(e.iq))
        ok, detail = await c.ping(args.domain)
        report.check('ping-result', ok, detail)
    finally:
        await stop_all(clients)


async def scenario_muc(args, report):
    """Join, presence with 110, groupchat reflected and delivered, private message, nick conflict, leave."""
    room = args.room or f'interop-muc-{secrets.token_hex(4)}@{args.muc}'
    alice, bob, carol = Client(args, 'alice'), Client(args, 'bob'), Client(args, 'carol')
    clients = [alice, bob, carol]
    try:
        await start_all(report, clients)

        reply = await alice.join(room, 'alice')
        report.require('alice-joins-with-110', reply['type'] != 'error' and 110 in status_codes(reply),
                       {'codes': sorted(status_codes(reply)), 'item': muc_item(reply), 'stanza': xml_text(reply)})

        reply = await bob.join(room, 'bob')
        ok = reply['type'] != 'error' and 110 in status_codes(reply)
        seen = await bob.poll(is_presence_from(f'{room}/alice'), STEP_TIMEOUT_S) if ok else None
        report.require('bob-joins-with-110-and-sees-alice', ok and seen is not None and 110 not in status_codes(seen),
                       {'self': xml_text(reply), 'alice': None if seen is None else xml_text(seen)})
        seen = await alice.poll(is_presence_from(f'{room}/bob'), STEP_TIMEOUT_S)
        report.check('alice-sees-bob-without-110', seen is not None and seen['type'] != 'unavailable' and 110 not in status_codes(seen),
                     None if seen is None else xml_text(seen))

        body = f'hello {secrets.token_hex(4)}'
        alice.send_groupchat(room, body)
        echo = await alice.poll(is_message_from(f'{room}/alice', body, 'groupchat'), STEP_TIMEOUT_S)
        report.check('groupchat-reflected-to-sender', echo is not None, None if echo is None else xml_text(echo))
        got = await bob.poll(is_message_from(f'{room}/alice', body, 'groupchat'), STEP_TIMEOUT_S)
        report.check('groupchat-delivered-to-bob', got is not None, None if got is None else xml_text(got))

        # XEP-0045 §7.5: a private message goes to room/nick and arrives from the sender's room/nick.
        body = f'psst {secrets.token_hex(4)}'
        pm = alice.xmpp.make_message(mto=f'{room}/bob', mbody=body, mtype='chat')
        ET.SubElement(pm.xml, q(NS_MUC_USER, 'x'))
        pm.send()
        got = await bob.poll(is_message_from(f'{room}/alice', body, 'chat'), STEP_TIMEOUT_S)
        report.check('private-message-alice-to-bob', got is not None, None if got is None else xml_text(got))

        # XEP-0045 §7.2.9: a taken nickname is a <conflict/> (legacy code 409).
        reply = await carol.join(room, 'bob')
        error = error_of(reply) if reply['type'] == 'error' else None
        report.check('nick-conflict-409', error is not None and error['condition'] == 'conflict',
                     {'error': error, 'stanza': xml_text(reply)})

        # XEP-0045 §7.14: leaving is an unavailable presence; the room confirms with 110 and tells the others.
        bob.xmpp.send_presence(pto=f'{room}/bob', ptype='unavailable')
        gone = await bob.poll(lambda s: is_presence_from(f'{room}/bob', 'unavailable')(s) and 110 in status_codes(s), STEP_TIMEOUT_S)
        report.check('bob-leave-confirmed-with-110', gone is not None, None if gone is None else xml_text(gone))
        gone = await alice.poll(is_presence_from(f'{room}/bob', 'unavailable'), STEP_TIMEOUT_S)
        report.check('alice-sees-bob-leave', gone is not None, None if gone is None else xml_text(gone))
    finally:
        await stop_all(clients)


async def scenario_password_room(args, report):
    """The owner sets a room secret through the owner form; a join without it is 401, with it works."""
    room = args.room or f'interop-secret-{secrets.token_hex(4)}@{args.muc}'
    owner, guest = Client(args, 'owner'), Client(args, 'guest')
    clients = [owner, guest]
    try:
        await start_all(report, clients)
        reply = await owner.join(room, 'owner')
        item = muc_item(reply)
        report.require('owner-creates-room', reply['type'] != 'error' and item.get('affiliation') == 'owner',
                       {'item': item, 'stanza': xml_text(reply)})

        # XEP-0045 §10.2: get the configuration form, submit it with a secret.
        muc = owner.xmpp['xep_0045']
        try:
            form = await muc.get_room_config(JID(room), timeout=STEP_TIMEOUT_S)
            offered = list(form.get_fields().keys())
        except (IqError, IqTimeout, ValueError) as e:
            report.require('owner-form-offers-roomsecret', False, xml_text(e.iq) if hasattr(e, 'iq') else str(e))
        report.require('owner-form-offers-roomsecret', 'muc#roomconfig_roomsecret' in offered, {'fields': offered})
        submit = owner.xmpp['xep_0004'].make_form(ftype='submit')
        submit.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/muc#roomconfig')
        submit.add_field(var='muc#roomconfig_roomsecret', ftype='text-private', value=args.password)
        # COMPAT(Prosody 0.12): its form has no passwordprotectedroom field; a secret alone protects.
        if 'muc#roomconfig_passwordprotectedroom' in offered:
            submit.add_field(var='muc#roomconfig_passwordprotectedroom', ftype='boolean', value=True)
        try:
            await muc.set_room_config(JID(room), submit, timeout=STEP_TIMEOUT_S)
            report.require('owner-sets-password', True, {'submitted': list(submit.get_fields().keys())})
        except (IqError, IqTimeout) as e:
            report.require('owner-sets-password', False, xml_text(e.iq))

        # XEP-0045 §7.2.6: a missing or wrong password is <not-authorized/> (legacy code 401).
        reply = await guest.join(room, 'guest')
        error = error_of(reply) if reply['type'] == 'error' else None
        report.check('join-without-password-401', error is not None and error['condition'] == 'not-authorized',
                     {'error': error, 'stanza': xml_text(reply)})
        reply = await guest.join(room, 'guest', password=args.password)
        report.check('join-with-password', reply['type'] != 'error' and 110 in status_codes(reply), xml_text(reply))
    finally:
        await stop_all(clients)


async def scenario_kick(args, report):
    """A participant cannot kick the moderator; the moderator kicks a participant (307 for all)."""
    room = args.room or f'interop-kick-{secrets.token_hex(4)}@{args.muc}'
    alice, bob, carol = Client(args, 'alice'), Client(args, 'bob'), Client(args, 'carol')
    clients = [alice, bob, carol]
    try:
        await start_all(report, clients)
        reply = await alice.join(room, 'alice')
        item = muc_item(reply)
        report.require('alice-is-moderator', reply['type'] != 'error' and item.get('role') == 'moderator',
                       {'item': item, 'stanza': xml_text(reply)})
        roles = {}
        for c in (bob, carol):
            reply = await c.join(room, c.label)
            roles[c.label] = muc_item(reply).get('role') if reply['type'] != 'error' else xml_text(reply)
        report.require('bob-and-carol-are-participants', roles == {'bob': 'participant', 'carol': 'participant'}, roles)
        await alice.expect('bob presence', is_presence_from(f'{room}/bob'))
        await alice.expect('carol presence', is_presence_from(f'{room}/carol'))
        await carol.expect('bob presence', is_presence_from(f'{room}/bob'))

        # XEP-0045 §8.2: only a moderator may kick; a participant trying gets an error.
        try:
            await bob.xmpp['xep_0045'].set_role(JID(room), 'alice', 'none', reason='coup', timeout=STEP_TIMEOUT_S)
            refused, detail = False, 'the kick was accepted (IQ result)'
        except IqError as e:
            error = error_of(e.iq)
            refused, detail = error is not None and error['condition'] in ('not-allowed', 'forbidden'), {'error': error, 'stanza': xml_text(e.iq)}
        except IqTimeout:
            refused, detail = False, f'no reply within {STEP_TIMEOUT_S} s'
        kicked = await alice.poll(is_presence_from(f'{room}/alice', 'unavailable'), QUIET_S)
        report.check('participant-cannot-kick', refused and kicked is None,
                     {'reply': detail, 'alice-unavailable': None if kicked is None else xml_text(kicked)})

        # XEP-0045 §8.2: the kicked occupant gets unavailable with 307 (and 110), everyone else 307.
        try:
            await alice.xmpp['xep_0045'].set_role(JID(room), 'bob', 'none', reason='bye', timeout=STEP_TIMEOUT_S)
            report.check('moderator-kick-result', True)
        except (IqError, IqTimeout) as e:
            report.check('moderator-kick-result', False, xml_text(e.iq))
        for who, self_codes in ((bob, {307, 110}), (alice, {307}), (carol, {307})):
            got = await who.poll(is_presence_from(f'{room}/bob', 'unavailable'), STEP_TIMEOUT_S)
            codes = set() if got is None else status_codes(got)
            report.check(f'{who.label}-sees-307', got is not None and self_codes <= codes,
                         None if got is None else {'codes': sorted(codes), 'item': muc_item(got), 'stanza': xml_text(got)})
        # The moderator is still there and still heard.
        body = f'still here {secrets.token_hex(4)}'
        alice.send_groupchat(room, body)
        got = await carol.poll(is_message_from(f'{room}/alice', body, 'groupchat'), STEP_TIMEOUT_S)
        report.check('moderator-still-in-room', got is not None, None if got is None else xml_text(got))
    finally:
        await stop_all(clients)


# --- hostile input over raw sockets --------------------------------------------------------------

class RawStream:
    """A bare TCP connection that speaks XMPP by hand, for input no client library would send."""

    def __init__(self, args, reader, writer):
        self.args = args
        self.reader = reader
        self.writer = writer
        self.buf = ''
        self.pos = 0
        self.eof = False
        self.reset = None
        self.collector = None

    @classmethod
    async def open(cls, args):
        reader, writer = await asyncio.wait_for(asyncio.open_connection(args.host, args.port), STEP_TIMEOUT_S)
        return cls(args, reader, writer)

    def header(self):
        return (f"<?xml version='1.0'?><stream:stream to='{self.args.domain}' xmlns='jabber:client' "
                "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")

    def send(self, text):
        if not self.writer.is_closing():
            self.writer.write(text.encode())

    async def _read_some(self, timeout):
        try:
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
        except (ConnectionResetError, BrokenPipeError) as e:
            self.eof, self.reset = True, type(e).__name__
            return
        if not data:
            self.eof = True
        self.buf += data.decode(errors='replace')

    async def read_until(self, pattern, timeout=STEP_TIMEOUT_S):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        regex = re.compile(pattern, re.S)
        while True:
            m = regex.search(self.buf, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - loop.time()
            if self.eof or left <= 0:
                raise StepFailed(f'raw: no {pattern!r}; received {self.tail()!r}')
            try:
                await self._read_some(left)
            except asyncio.TimeoutError:
                pass

    async def login_anonymous(self):
        """RFC 6120 §6 and §7 by hand: SASL ANONYMOUS, stream restart, resource binding. Returns the JID."""
        self.send(self.header())
        features = (await self.read_until(r'<(?:stream:)?features.*?</(?:stream:)?features>')).group(0)
        if 'ANONYMOUS' not in features:
            raise StepFailed(f'raw: no ANONYMOUS in {features!r}')
        self.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>")
        await self.read_until(r'<success[^>]*?(?:/>|>.*?</success>)')
        self.send(self.header())
        await self.read_until(r'<(?:stream:)?features.*?</(?:stream:)?features>')
        self.send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
        return (await self.read_until(r'<jid>([^<]+)</jid>')).group(1)

    async def send_paced(self, text, chunk_bytes=65536):
        """Writes a large payload in chunks while reading, stopping once the server has closed or
        sent an error (so the reply is read before a reset can discard it)."""
        data = text.encode()
        self.collect(STEP_TIMEOUT_S)
        for start in range(0, len(data), chunk_bytes):
            await asyncio.sleep(0)  # let the collector read what has arrived
            if self.writer.is_closing() or self.eof or 'error' in self.buf[self.pos:]:
                return start
            self.writer.write(data[start:start + chunk_bytes])
            try:
                await asyncio.wait_for(self.writer.drain(), STEP_TIMEOUT_S)
            except (ConnectionResetError, BrokenPipeError, asyncio.TimeoutError):
                return start
        return len(data)

    def collect(self, timeout):
        """Starts (once) reading everything until the server closes or timeout passes."""
        if self.collector is None:
            self.collector = asyncio.ensure_future(self._collect(timeout))
        return self.collector

    async def outcome(self, timeout=STEP_TIMEOUT_S):
        """Reads until the server closes (or timeout). Returns (stream error condition, closed)."""
        return await self.collect(timeout)

    async def _collect(self, timeout):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.eof and loop.time() < deadline:
            try:
                await self._read_some(deadline - loop.time())
            except asyncio.TimeoutError:
                break
        return stream_error_condition(self.buf), self.eof

    def tail(self, limit=400):
        return self.buf[-limit:]

    def close(self):
        if self.collector is not None:
            self.collector.cancel()
        self.writer.close()


def stream_error_condition(text):
    """The defined condition of the first stream error in text (RFC 6120 §4.9.3), or None."""
    m = re.search(r'<(?:stream:)?error\b[^>]*>(.*?)</(?:stream:)?error>', text, re.S)
    if not m:
        return None
    for tag in re.finditer(r'<([a-z-]+)\b', m.group(1)):
        if tag.group(1) != 'text':
            return tag.group(1)
    return None


BILLION_LAUGHS = (
    "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
    + ''.join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


async def scenario_hostile(args, report):
    """Each hostile connection gets its stream error and is closed; an established session is unharmed."""
    room = args.room or f'interop-hostile-{secrets.token_hex(4)}@{args.muc}'
    alice, bob = Client(args, 'alice'), Client(args, 'bob')
    clients = [alice, bob]
    raws = []
    try:
        await start_all(report, clients)
        a, b = await alice.join(room, 'alice'), await bob.join(room, 'bob')
        report.require('established-session-in-room', a['type'] != 'error' and b['type'] != 'error',
                       {'alice': xml_text(a), 'bob': xml_text(b)})

        async def attempt(name, expected, play):
            raw = await RawStream.open(args)
            raws.append(raw)
            try:
                sent = await play(raw)
            except StepFailed as e:
                report.check(name, False, {'expected': expected, 'setup-failed': str(e)})
                raw.close()
                return
            condition, closed = await raw.outcome(QUIET_S * 2 if expected == 'none' else STEP_TIMEOUT_S)
            if expected == 'none':
                ok = condition is None and not closed  # the server tolerates it; recorded as such
            else:
                ok = condition == expected and closed
            report.check(name, ok, {'sent': sent, 'expected': expected, 'condition': condition, 'closed': closed,
                                    'reset': raw.reset, 'received-tail': raw.tail()})
            raw.close()

        async def malformed(raw):
            raw.send(raw.header() + '<message><body></message>')
            return 'header + <message><body></message>'

        async def billion_laughs(raw):
            # RFC 6120 §11.1: no DTDs in XMPP; a server must not expand this.
            raw.send("<?xml version='1.0'?>" + BILLION_LAUGHS + raw.header()[len("<?xml version='1.0'?>"):]
                     + '<message><body>&lol9;</body></message>')
            return '<?xml?> + <!DOCTYPE lolz [...9 levels...]> + header + <message><body>&lol9;</body></message>'

        async def oversized(raw):
            jid = await raw.login_anonymous()
            size = 2 * 1024 * 1024
            written = await raw.send_paced(f"<message to='{alice.jid}' type='chat'><body>{'x' * size}</body></message>")
            return f'after anonymous login as {jid}: <message> with a {size}-byte body ({written} bytes written)'

        async def flood(raw):
            jid = await raw.login_anonymous()
            one = f"<message to='{alice.jid}' type='headline'><body>flood</body></message>"
            raw.send(one * args.flood_count)
            return f'after anonymous login as {jid}: {args.flood_count} headline messages in one write'

        await attempt('not-well-formed', args.expect_malformed, malformed)
        await attempt('billion-laughs', args.expect_dtd, billion_laughs)
        await attempt('oversized-stanza', args.expect_oversize, oversized)
        await attempt('stanza-flood', args.expect_flood, flood)

        ok, detail = await alice.ping(args.domain)
        report.check('established-session-answers-ping', ok, detail)
        body = f'after the storm {secrets.token_hex(4)}'
        bob.send_groupchat(room, body)
        got = await alice.poll(is_message_from(f'{room}/bob', body, 'groupchat'), STEP_TIMEOUT_S)
        report.check('established-session-gets-groupchat', got is not None and not alice.stream_errors,
                     {'message': None if got is None else xml_text(got), 'stream-errors': alice.stream_errors})
        big = [xml_text(s, 200) for s in alice.inbox if s.name == 'message' and len(s['body']) > 256 * 1024]
        report.check('oversized-stanza-not-delivered', not big, big or None)
    finally:
        for raw in raws:
            raw.close()
        await stop_all(clients)


# --- driver --------------------------------------------------------------------------------------

async def start_all(report, clients):
    errors = await asyncio.gather(*(c.start() for c in clients))
    detail = {c.label: (str(c.jid) if e is None else e) for c, e in zip(clients, errors)}
    report.require('clients-log-in', all(e is None for e in errors), detail)


async def stop_all(clients):
    await asyncio.gather(*(c.stop() for c in clients), return_exceptions=True)


SCENARIOS = {
    'login-disco-ping': (scenario_login_disco_ping,
                         ['anonymous-login', 'disco-info-lists-ping', 'disco-items-result', 'ping-result']),
    'muc': (scenario_muc,
            ['clients-log-in', 'alice-joins-with-110', 'bob-joins-with-110-and-sees-alice', 'alice-sees-bob-without-110',
             'groupchat-reflected-to-sender', 'groupchat-delivered-to-bob', 'private-message-alice-to-bob',
             'nick-conflict-409', 'bob-leave-confirmed-with-110', 'alice-sees-bob-leave']),
    'password-room': (scenario_password_room,
                      ['clients-log-in', 'owner-creates-room', 'owner-form-offers-roomsecret', 'owner-sets-password',
                       'join-without-password-401', 'join-with-password']),
    'kick': (scenario_kick,
             ['clients-log-in', 'alice-is-moderator', 'bob-and-carol-are-participants', 'participant-cannot-kick',
              'moderator-kick-result', 'bob-sees-307', 'alice-sees-307', 'carol-sees-307', 'moderator-still-in-room']),
    'hostile': (scenario_hostile,
                ['clients-log-in', 'established-session-in-room', 'not-well-formed', 'billion-laughs',
                 'oversized-stanza', 'stanza-flood', 'established-session-answers-ping',
                 'established-session-gets-groupchat', 'oversized-stanza-not-delivered']),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--domain', required=True, help='the anonymous virtual host, e.g. plenum.localhost')
    p.add_argument('--muc', required=True, help='the MUC service, e.g. conference.plenum.localhost')
    p.add_argument('--scenario', required=True, choices=sorted(SCENARIOS))
    p.add_argument('--room', help='room JID to use (default: a fresh random one)')
    p.add_argument('--password', default='s3cret', help='room secret for password-room')
    p.add_argument('--flood-count', type=int, default=5000, help='stanzas the flood sends')
    p.add_argument('--expect-malformed', default='not-well-formed', help="stream error condition, or 'none'")
    p.add_argument('--expect-dtd', default='restricted-xml', help="stream error condition, or 'none'")
    p.add_argument('--expect-oversize', default='policy-violation', help="stream error condition, or 'none'")
    p.add_argument('--expect-flood', default='policy-violation', help="stream error condition, or 'none'")
    p.add_argument('--verbose', action='store_true', help='slixmpp debug log on stderr')
    return p.parse_args(argv)


async def run(args):
    play, plan = SCENARIOS[args.scenario]
    report = Report(plan)
    reason = 'an earlier step failed'
    try:
        await asyncio.wait_for(play(args, report), SCENARIO_TIMEOUT_S)
    except StepFailed as e:
        reason = str(e)
    except asyncio.TimeoutError:
        reason = f'scenario exceeded {SCENARIO_TIMEOUT_S} s'
    except Exception as e:  # noqa: BLE001 -- any crash must still yield the remaining checks as failed
        reason = f'{type(e).__name__}: {e}'
    return report.finish(reason)


def main(argv):
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.CRITICAL, stream=sys.stderr)
    return 0 if asyncio.run(run(args)) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
