#!/usr/bin/python3
"""Interop scenarios against the ccgw broker with Debian's python3-paho-mqtt 1.6.1.

Usage: paho_scenarios.py PORT VERSION SCENARIO   (VERSION: 311 or 5)
Prints "OK ..." and exits 0 on success; prints the reason and exits 1 otherwise.
Every wait is bounded so a misbehaving broker fails the run instead of hanging it.
"""
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

PORT = int(sys.argv[1])
V5 = sys.argv[2] == "5"
SCENARIO = sys.argv[3]
TIMEOUT = 10.0
COMMANDS = "ccgw/agents/alice/commands"


def fail(why):
    print("FAIL " + why, flush=True)
    sys.exit(1)


class Peer:
    """One paho client with events for connect, subscribe, messages and disconnect."""

    def __init__(self, client_id, user, password, clean=True, expiry=None, will=None, transport="tcp"):
        protocol = mqtt.MQTTv5 if V5 else mqtt.MQTTv311
        kwargs = {} if V5 else {"clean_session": clean}
        self.client = mqtt.Client(client_id=client_id, protocol=protocol, transport=transport, **kwargs)
        if transport == "websockets":
            self.client.ws_set_options(path="/mqtt")
        self.client.username_pw_set(user, password)
        if will:
            self.client.will_set(will[0], will[1], qos=1)
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.disconnected = threading.Event()
        self.published = threading.Event()
        self.messages = []
        self.message_event = threading.Event()
        self.rc = None
        self.session_present = None
        self.granted = None
        self.disconnect_rc = None
        self.disconnect_rcs = []
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = lambda *a: self.published.set()
        self.clean = clean
        self.expiry = expiry

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.rc = rc if isinstance(rc, int) else rc.value
        self.session_present = flags.get("session present")
        self.connected.set()

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        self.granted = [g if isinstance(g, int) else g.value for g in granted]
        self.subscribed.set()

    def _on_message(self, client, userdata, message):
        self.messages.append((message.topic, message.payload.decode(), message.qos, message.retain))
        self.message_event.set()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnect_rc = rc if isinstance(rc, int) else rc.value
        self.disconnect_rcs.append(self.disconnect_rc)
        self.disconnected.set()

    def connect(self):
        if V5:
            props = Properties(PacketTypes.CONNECT)
            if self.expiry is not None:
                props.SessionExpiryInterval = self.expiry
            self.client.connect("127.0.0.1", PORT, keepalive=30, clean_start=self.clean, properties=props)
        else:
            self.client.connect("127.0.0.1", PORT, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(TIMEOUT):
            fail("no CONNACK")
        return self.rc

    def subscribe(self, topic, qos):
        self.subscribed.clear()
        self.client.subscribe(topic, qos)
        if not self.subscribed.wait(TIMEOUT):
            fail("no SUBACK for " + topic)
        return self.granted

    def wait_messages(self, count):
        deadline = time.monotonic() + TIMEOUT
        while len(self.messages) < count:
            self.message_event.clear()
            if time.monotonic() > deadline or not self.message_event.wait(max(0.0, deadline - time.monotonic())):
                if len(self.messages) < count:
                    fail("expected %d messages, got %r" % (count, self.messages))
        return self.messages

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()


def pubsub(transport="tcp"):
    alice = Peer("paho-alice-" + transport, "alice", "demo-alice", transport=transport)
    if alice.connect() != 0:
        fail("connect rc %s" % alice.rc)
    if alice.subscribe(COMMANDS, 2) != [2]:
        fail("granted %r" % alice.granted)
    for qos in (0, 1, 2):
        info = alice.client.publish(COMMANDS, "q%d" % qos, qos=qos)
        info.wait_for_publish(TIMEOUT)
        if not info.is_published():
            fail("publish qos %d not acknowledged" % qos)
    got = alice.wait_messages(3)
    if sorted((m[1], m[2]) for m in got) != [("q0", 0), ("q1", 1), ("q2", 2)]:
        fail("got %r" % got)
    alice.stop()
    print("OK pubsub over " + transport, flush=True)


def takeover():
    first = Peer("paho-same", "alice", "demo-alice")
    first.client.reconnect_delay_set(60, 60)  # do not fight the takeover by reconnecting
    first.connect()
    second = Peer("paho-same", "alice", "demo-alice")
    second.connect()
    if not first.disconnected.wait(TIMEOUT):
        fail("first connection was not closed")
    if V5 and 0x8E not in first.disconnect_rcs:
        fail("first got reasons %r, expected 0x8E" % first.disconnect_rcs)
    if second.subscribe(COMMANDS, 1) != [1]:
        fail("second connection unusable")
    first.client.loop_stop()
    second.stop()
    print("OK takeover rc=%r" % first.disconnect_rcs, flush=True)


def will():
    watcher = Peer("paho-sup", "sup", "demo-sup")
    watcher.connect()
    watcher.subscribe("ccgw/agents/+/commands", 1)
    victim = Peer("paho-victim", "alice", "demo-alice", will=(COMMANDS, "logout"))
    victim.connect()
    victim.client.loop_stop()
    victim.client.socket().close()  # a crash: no DISCONNECT
    got = watcher.wait_messages(1)
    if got[0][:2] != (COMMANDS, "logout"):
        fail("got %r" % got)
    watcher.stop()
    print("OK will", flush=True)


def persistent():
    phone = Peer("paho-phone", "alice", "demo-alice", clean=False, expiry=3600)
    phone.connect()
    phone.subscribe(COMMANDS, 1)
    phone.stop()
    sender = Peer("paho-sender", "alice", "demo-alice")
    sender.connect()
    for text in ("offline-1", "offline-2"):
        info = sender.client.publish(COMMANDS, text, qos=1)
        info.wait_for_publish(TIMEOUT)
    sender.stop()
    phone = Peer("paho-phone", "alice", "demo-alice", clean=False, expiry=3600)
    phone.connect()
    if not phone.session_present:
        fail("session not present")
    got = phone.wait_messages(2)
    if [m[1] for m in got] != ["offline-1", "offline-2"] or any(m[2] != 1 for m in got):
        fail("got %r" % got)
    phone.stop()
    print("OK persistent", flush=True)


def badpass():
    peer = Peer("paho-bad", "alice", "wrong")
    rc = peer.connect()
    peer.client.loop_stop()
    expected = 134 if V5 else 4
    if rc != expected:
        fail("rc %s, expected %s" % (rc, expected))
    print("OK badpass rc=%s" % rc, flush=True)


def acl():
    alice = Peer("paho-acl", "alice", "demo-alice")
    alice.connect()
    denied = alice.subscribe("ccgw/agents/bob/#", 1)
    expected = [135] if V5 else [128]
    if denied != expected:
        fail("bob's topics granted: %r" % denied)
    if alice.subscribe("ccgw/queues/+/stats", 1) != [1]:
        fail("queues refused")
    alice.stop()
    print("OK acl", flush=True)


def shared():
    """Two members of one shared subscription (v3.1.1 too, as mosquitto allows) split four messages."""
    members = [Peer("paho-share-%d" % i, "alice", "demo-alice") for i in (1, 2)]
    for m in members:
        m.connect()
        if m.subscribe("$share/consoles/" + COMMANDS, 1) != [1]:
            fail("shared subscription refused: %r" % m.granted)
    sender = Peer("paho-share-sender", "alice", "demo-alice")
    sender.connect()
    for i in range(1, 5):
        sender.client.publish(COMMANDS, "s%d" % i, qos=1).wait_for_publish(TIMEOUT)
    got = [members[0].wait_messages(2), members[1].wait_messages(2)]
    time.sleep(0.2)  # a third message to one member would be a duplicate delivery
    if sorted(m[1] for g in got for m in g) != ["s1", "s2", "s3", "s4"] or any(len(g) != 2 for g in got):
        fail("got %r" % got)
    for p in members + [sender]:
        p.stop()
    print("OK shared", flush=True)


def alias():
    """Topic alias set with the topic, then used with an empty topic (§3.3.2.3.4)."""
    alice = Peer("paho-alias", "alice", "demo-alice")
    alice.connect()
    alice.subscribe(COMMANDS, 1)
    for topic, text in ((COMMANDS, "with-topic"), ("", "alias-only")):
        props = Properties(PacketTypes.PUBLISH)
        props.TopicAlias = 1
        alice.client.publish(topic, text, qos=1, properties=props).wait_for_publish(TIMEOUT)
    got = alice.wait_messages(2)
    if [(m[0], m[1]) for m in got] != [(COMMANDS, "with-topic"), (COMMANDS, "alias-only")]:
        fail("got %r" % got)
    alice.stop()
    print("OK alias", flush=True)


def badalias():
    """An alias above the Topic Alias Maximum announced in CONNACK is DISCONNECT 0x94, which paho reads."""
    alice = Peer("paho-badalias", "alice", "demo-alice")
    alice.client.reconnect_delay_set(60, 60)
    alice.connect()
    props = Properties(PacketTypes.PUBLISH)
    props.TopicAlias = 999
    alice.client.publish(COMMANDS, "x", qos=0, properties=props)
    if not alice.disconnected.wait(TIMEOUT):
        fail("not disconnected")
    if 0x94 not in alice.disconnect_rcs:
        fail("reasons %r, expected 0x94" % alice.disconnect_rcs)
    alice.client.loop_stop()
    print("OK badalias rc=%r" % alice.disconnect_rcs, flush=True)


def serverkeepalive():
    """Against a broker whose maximum keep alive is 1 s: v5 keep alive 0 is told 1 s in CONNACK and, since paho 1.6.1
    ignores Server Keep Alive and never pings, closed with 0x8D after 1.5 s; v3.1.1 is refused (0x02) as by mosquitto."""
    peer = Peer("paho-ska-" + sys.argv[2], "alice", "demo-alice")
    told = []
    inner = peer.client.on_connect

    def on_connect(client, userdata, flags, rc, properties=None):
        told.append(getattr(properties, "ServerKeepAlive", None) if properties is not None else None)
        inner(client, userdata, flags, rc, properties)

    peer.client.on_connect = on_connect
    peer.client.reconnect_delay_set(60, 60)
    if V5:
        peer.client.connect("127.0.0.1", PORT, keepalive=0, clean_start=True)
    else:
        peer.client.connect("127.0.0.1", PORT, keepalive=0)
    peer.client.loop_start()
    if not peer.connected.wait(TIMEOUT):
        fail("no CONNACK")
    if not V5:
        if peer.rc != 2:
            fail("v3.1.1 keep alive 0: rc %s, expected 2" % peer.rc)
        peer.client.loop_stop()
        print("OK serverkeepalive rc=2", flush=True)
        return
    if peer.rc != 0 or told != [1]:
        fail("rc %s, Server Keep Alive %r" % (peer.rc, told))
    if not peer.disconnected.wait(TIMEOUT):
        fail("not held to the announced keep alive")
    if 0x8D not in peer.disconnect_rcs:
        fail("reasons %r, expected 0x8D" % peer.disconnect_rcs)
    peer.client.loop_stop()
    print("OK serverkeepalive told=%r rc=%r" % (told, peer.disconnect_rcs), flush=True)


{"serverkeepalive": serverkeepalive, "shared": shared, "alias": alias, "badalias": badalias, "pubsub": pubsub, "wspubsub": lambda: pubsub("websockets"), "takeover": takeover, "will": will, "persistent": persistent, "badpass": badpass, "acl": acl}[SCENARIO]()
