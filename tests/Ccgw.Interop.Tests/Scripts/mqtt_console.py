#!/usr/bin/python3
"""An agent console against the running ccgw daemon, with Debian's python3-paho-mqtt 1.6.1.

Usage: mqtt_console.py HOST PORT VERSION SCENARIO [ARGS...]   (VERSION: 311 or 5)
Scenarios:
  ready-latency USER PASSWORD   notReady, then ready; prints "LATENCY_MS <ms>" from the ready command to the
                                ready presence the gateway republishes.
  websocket USER PASSWORD       over WebSocket at /mqtt: retained presence, then a command answered on errors.
  acl USER PASSWORD OTHER       subscriptions to OTHER's topics are refused, own and queue topics granted.
  crash USER PASSWORD           connects with a will (a notReady command on its own topic), then drops the
                                socket without DISCONNECT.
Prints "OK ..." and exits 0 on success; prints "FAIL why" and exits 1 otherwise. Every wait is bounded.
"""
import json
import sys
import threading
import time

import paho.mqtt.client as mqtt

HOST, PORT, V5, SCENARIO = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "5", sys.argv[4]
ARGS = sys.argv[5:]
TIMEOUT = 10.0


def fail(why):
    print("FAIL " + why, flush=True)
    sys.exit(1)


class Console:
    def __init__(self, user, password, transport="tcp", will=None, client_id=None):
        protocol = mqtt.MQTTv5 if V5 else mqtt.MQTTv311
        self.client = mqtt.Client(client_id=client_id or f"{user}-console-{SCENARIO}", protocol=protocol, transport=transport)
        if transport == "websockets":
            self.client.ws_set_options(path="/mqtt")
        self.client.username_pw_set(user, password)
        if will:
            self.client.will_set(will[0], will[1], qos=1)
        self.lock = threading.Condition()
        self.messages = []
        self.granted = None
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.client.on_connect = lambda c, u, f, rc, p=None: self.connected.set()
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        self.granted = [g if isinstance(g, int) else g.value for g in granted]
        self.subscribed.set()

    def _on_message(self, client, userdata, msg):
        with self.lock:
            self.messages.append((time.monotonic(), msg.topic, msg.payload))
            self.lock.notify_all()

    def start(self):
        self.client.connect(HOST, PORT, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(TIMEOUT):
            fail("no CONNACK")

    def subscribe(self, *filters):
        self.subscribed.clear()
        self.client.subscribe([(f, 1) for f in filters])
        if not self.subscribed.wait(TIMEOUT):
            fail("no SUBACK")
        return self.granted

    def wait_for(self, predicate, what, after=0):
        deadline = time.monotonic() + TIMEOUT
        with self.lock:
            while True:
                for m in self.messages[after:]:
                    if predicate(m[1], m[2]):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    fail(f"timed out waiting for {what}; got {[(t, p[:200]) for _, t, p in self.messages]}")
                self.lock.wait(left)

    def count(self):
        with self.lock:
            return len(self.messages)

    def command(self, user, body):
        self.client.publish(f"ccgw/agents/{user}/commands", json.dumps(body), qos=1)

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()


def presence_is(user, state):
    def check(topic, payload):
        if topic != f"ccgw/agents/{user}/presence":
            return False
        return json.loads(payload).get("state") == state
    return check


def ready_latency(user, password):
    c = Console(user, password)
    c.start()
    c.subscribe(f"ccgw/agents/{user}/presence")
    c.wait_for(lambda t, p: t.endswith("/presence"), "retained presence")
    mark = c.count()
    c.command(user, {"action": "notReady", "reason": "setup"})
    c.wait_for(presence_is(user, "notReady"), "notReady presence", mark)
    mark = c.count()
    sent = time.monotonic()
    c.command(user, {"action": "ready"})
    received, _, payload = c.wait_for(presence_is(user, "ready"), "ready presence", mark)
    c.stop()
    print(f"LATENCY_MS {(received - sent) * 1000:.2f}")
    print("OK " + payload.decode())


def websocket(user, password):
    c = Console(user, password, transport="websockets")
    c.start()
    c.subscribe(f"ccgw/agents/{user}/#")
    _, _, payload = c.wait_for(lambda t, p: t == f"ccgw/agents/{user}/presence", "retained presence over WebSocket")
    if json.loads(payload).get("agentId") != user:
        fail("presence of someone else: " + payload.decode())
    c.command(user, {"action": "dance"})
    _, _, error = c.wait_for(lambda t, p: t == f"ccgw/agents/{user}/errors", "error event")
    if json.loads(error).get("error") != "unknownAction":
        fail("unexpected error event " + error.decode())
    c.stop()
    print("OK " + error.decode())


def acl(user, password, other):
    c = Console(user, password)
    c.start()
    denied = c.subscribe(f"ccgw/agents/{other}/presence", f"ccgw/agents/{other}/#", "ccgw/agents/+/presence", "#")
    if any(g < 0x80 for g in denied):
        fail(f"{user} was granted {denied} on {other}'s topics")
    granted = c.subscribe(f"ccgw/agents/{user}/#", "ccgw/queues/#", "ccgw/center/status")
    if any(g >= 0x80 for g in granted):
        fail(f"{user} was refused its own topics: {granted}")
    c.wait_for(lambda t, p: t == "ccgw/center/status", "centre status")
    if any(t.startswith(f"ccgw/agents/{other}/") for _, t, _ in c.messages):
        fail(f"{user} received {other}'s messages")
    c.stop()
    print(f"OK denied={denied} granted={granted}")


def crash(user, password):
    will = (f"ccgw/agents/{user}/commands", json.dumps({"action": "notReady", "reason": "consoleCrashed"}))
    c = Console(user, password, will=will)
    c.start()
    c.subscribe(f"ccgw/agents/{user}/presence")
    c.wait_for(lambda t, p: True, "retained presence")
    # Drop the TCP connection without DISCONNECT: the broker must publish the will.
    c.client.socket().close()
    c.client.loop_stop()
    print("OK dropped")


{"ready-latency": ready_latency, "websocket": websocket, "acl": acl, "crash": crash}[SCENARIO](*ARGS)
