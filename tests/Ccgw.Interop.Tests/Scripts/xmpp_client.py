#!/usr/bin/python3
"""XMPP client scenarios against ccgw's c2s server, for tests/Ccgw.Interop.Tests/Xmpp*.cs.

Run with Debian's /usr/bin/python3 (python3-slixmpp). Every scenario is bounded in time and prints one JSON object.
  session  PORT            alice and bob log in (STARTTLS, SCRAM), roster, presence, alice -> bob message, ping, disco, version
  guest    PORT            SASL ANONYMOUS after STARTTLS
  stranger PORT            a guest writes to alice@ (bare and full JID, message and iq) and to support@
  customer PORT USER PASS  a customer account (SCRAM)
  raw      PORT MODE       hand-written hostile streams: plain-no-tls, doctype, entity, big, slow
"""
import asyncio
import json
import logging
import socket
import ssl
import sys
import time

import slixmpp

DOMAIN = "localhost"


def connect(client, port):
    # The daemon's certificate is self-signed: the test trusts it (verification would need the CA).
    client.ssl_context.check_hostname = False
    client.ssl_context.verify_mode = ssl.CERT_NONE
    client.connect(("127.0.0.1", port), force_starttls=True)


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password, anonymous=False):
        super().__init__(jid, password, sasl_mech="ANONYMOUS" if anonymous else None)
        for plugin in ("xep_0030", "xep_0092", "xep_0199"):
            self.register_plugin(plugin)
        self.started = asyncio.get_event_loop().create_future()
        self.failed = None
        self.messages = []
        self.presences = []
        self.add_event_handler("session_start", lambda e: self.started.done() or self.started.set_result(True))
        self.add_event_handler("failed_auth", self._failed)
        self.add_event_handler("message", lambda m: self.messages.append(m))
        self.add_event_handler("presence", lambda p: self.presences.append(str(p["from"]) + " " + (p["type"] or "")))

    def _failed(self, event):
        self.failed = "auth"
        if not self.started.done():
            self.started.set_result(False)


async def login(jid, password, port, anonymous=False):
    client = Client(jid, password, anonymous)
    connect(client, port)
    ok = await asyncio.wait_for(client.started, 20)
    if not ok:
        raise RuntimeError(f"{jid} could not log in")
    return client


async def session(port):
    out = {}
    alice = await login("alice@localhost/desk", "demo-alice", port)
    bob = await login("bob@localhost/phone", "demo-bob", port)
    out["aliceJid"] = str(alice.boundjid)
    out["bobJid"] = str(bob.boundjid)
    out["tls"] = alice.is_secure if hasattr(alice, "is_secure") else None
    roster = await alice.get_roster()
    out["aliceRoster"] = sorted(str(j) for j in alice.client_roster.keys())
    out["aliceRosterBob"] = alice.client_roster["bob@localhost"]["subscription"]
    bob.send_presence()
    alice.send_presence(pshow="chat")
    await asyncio.sleep(0.5)
    alice.send_message(mto="bob@localhost", mbody="Hello <bob> & friends \u00e9", mtype="chat")
    alice.send_message(mto="bob@localhost/phone", mbody="to the phone", mtype="chat")
    for _ in range(100):
        if len(bob.messages) >= 2:
            break
        await asyncio.sleep(0.1)
    out["bobReceived"] = [(str(m["from"]), m["body"]) for m in bob.messages]
    out["bobSawAlice"] = any(p.startswith("alice@localhost/desk") for p in bob.presences)
    out["ping"] = await alice["xep_0199"].ping(DOMAIN, timeout=10)
    info = await alice["xep_0030"].get_info(jid=DOMAIN, timeout=10)
    out["features"] = sorted(info["disco_info"]["features"])
    version = await alice["xep_0092"].get_version(DOMAIN, timeout=10)
    out["version"] = version["software_version"]["name"]
    try:
        iq = alice.make_iq_get(queryxmlns="urn:example:unknown", ito=DOMAIN)
        await iq.send(timeout=10)
        out["unknown"] = "result"
    except slixmpp.exceptions.IqError as e:
        out["unknown"] = e.iq["error"]["condition"]
    alice.disconnect()
    bob.disconnect()
    await asyncio.gather(alice.disconnected, bob.disconnected)
    return out


async def guest(port):
    client = await login("localhost", "", port, anonymous=True)
    out = {"jid": str(client.boundjid)}
    await client["xep_0199"].ping(DOMAIN, timeout=10)
    client.disconnect()
    await client.disconnected
    return out


async def stranger(port):
    """A guest tries to reach the agent alice directly; only the service address may answer it."""
    out = {}
    alice = await login("alice@localhost/desk", "demo-alice", port)
    alice.send_presence()
    client = await login("localhost", "", port, anonymous=True)
    client.send_presence()
    await asyncio.sleep(0.5)
    client.send_message(mto="alice@localhost", mbody="hello alice (bare)", mtype="chat")
    client.send_message(mto="alice@localhost/desk", mbody="hello alice (full)", mtype="chat")
    try:
        iq = client.make_iq_get(queryxmlns="jabber:iq:version", ito="alice@localhost/desk")
        await iq.send(timeout=10)
        out["iq"] = "result"
    except slixmpp.exceptions.IqError as e:
        out["iq"] = e.iq["error"]["condition"]
    client.send_message(mto="support@localhost", mbody="hello", mtype="chat")
    for _ in range(100):
        if len([m for m in client.messages if m["type"] == "error"]) >= 2 and any(
                m["type"] != "error" and str(m["from"]).startswith("support@") for m in client.messages):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    out["guestErrors"] = [[str(m["from"]), m["error"]["condition"]] for m in client.messages if m["type"] == "error"]
    out["fromSupport"] = len([m for m in client.messages if m["type"] != "error" and str(m["from"]).startswith("support@")])
    out["aliceReceived"] = [[str(m["from"]), m["body"]] for m in alice.messages]
    client.disconnect()
    alice.disconnect()
    await asyncio.gather(client.disconnected, alice.disconnected)
    return out


async def customer(port, user, password):
    client = Client(f"{user}@localhost/app", password)
    connect(client, port)
    ok = await asyncio.wait_for(client.started, 20)
    out = {"loggedIn": ok, "jid": str(client.boundjid)}
    client.disconnect()
    await asyncio.wait_for(client.disconnected, 10)
    return out


HEADER = ("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")


def read_until(sock, markers, limit_seconds):
    """Reads until one of markers appears or the peer closes; returns (text, closed)."""
    sock.settimeout(1)
    data = b""
    deadline = time.time() + limit_seconds
    while time.time() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return data.decode("utf-8", "replace"), True
        if not chunk:
            return data.decode("utf-8", "replace"), True
        data += chunk
        if any(m in data.decode("utf-8", "replace") for m in markers):
            return data.decode("utf-8", "replace"), False
    return data.decode("utf-8", "replace"), False


def wait_closed(sock, limit_seconds):
    text, closed = read_until(sock, [], limit_seconds)
    return text, closed


def raw(port, mode):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    out = {"mode": mode}
    start = time.time()
    try:
        if mode == "plain-no-tls":
            sock.sendall(HEADER.encode())
            features, _ = read_until(sock, ["</stream:features>"], 10)
            out["features"] = features
            sock.sendall(b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAGRlbW8tYWxpY2U=</auth>")
            answer, _ = read_until(sock, ["</failure>", "</success>", "</stream:stream>"], 10)
            out["answer"] = answer
        elif mode in ("doctype", "entity"):
            if mode == "doctype":
                payload = ("<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>"
                           "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;'>]>" + HEADER[21:])
            else:
                payload = HEADER + "<message to='bob@localhost'><body>&lol3;</body></message>"
            sock.sendall(payload.encode())
            text, closed = read_until(sock, ["</stream:stream>"], 10)
            out["answer"] = text
            out["closed"] = closed or wait_closed(sock, 5)[1]
        elif mode == "big":
            sock.sendall(HEADER.encode())
            read_until(sock, ["</stream:features>"], 10)
            sock.sendall(b"<message to='bob@localhost'><body>")
            sent = 0
            chunk = b"A" * 65536
            try:
                while sent < 2 * 1024 * 1024:
                    sock.sendall(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            out["sent"] = sent
            text, closed = read_until(sock, ["</stream:stream>"], 15)
            out["answer"] = text
            out["closed"] = closed or wait_closed(sock, 5)[1]
        elif mode == "slow":
            sock.sendall(HEADER.encode())
            read_until(sock, ["</stream:features>"], 10)
            stanza = b"<message to='bob@localhost' type='chat'><body>" + b"x" * 200 + b"</body></message>"
            sent = 0
            text = ""
            closed = False
            sock.setblocking(False)
            for b in stanza:
                try:
                    sock.send(bytes([b]))
                    sent += 1
                except (BrokenPipeError, ConnectionResetError, BlockingIOError):
                    closed = True
                    break
                time.sleep(1)
                try:
                    chunk = sock.recv(65536)
                    if not chunk:
                        closed = True
                        break
                    text += chunk.decode("utf-8", "replace")
                    if "</stream:stream>" in text:
                        break
                except BlockingIOError:
                    pass
                except (ConnectionResetError, BrokenPipeError):
                    closed = True
                    break
                if time.time() - start > 60:
                    break
            sock.setblocking(True)
            if "</stream:stream>" not in text and not closed:
                more, closed = read_until(sock, ["</stream:stream>"], 5)
                text += more
            out["answer"] = text
            out["bytesSent"] = sent
            out["closed"] = closed or "</stream:stream>" in text
        out["seconds"] = round(time.time() - start, 1)
    finally:
        sock.close()
    return out


def main():
    logging.basicConfig(level=logging.ERROR)
    scenario, port = sys.argv[1], int(sys.argv[2])
    if scenario == "raw":
        result = raw(port, sys.argv[3])
    else:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        coro = {"session": lambda: session(port), "guest": lambda: guest(port),
                "stranger": lambda: stranger(port),
                "customer": lambda: customer(port, sys.argv[3], sys.argv[4])}[scenario]()
        result = loop.run_until_complete(asyncio.wait_for(coro, 90))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
