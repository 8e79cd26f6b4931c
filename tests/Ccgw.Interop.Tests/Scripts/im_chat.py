#!/usr/bin/python3
"""A customer and (optionally) an agent, both slixmpp clients, talking through ccgw's IM gateway.

Every stanza each client receives is recorded (slixmpp 'in' filter) and written to --out as JSON, so the test can
check that neither side ever saw the other's address. Scenarios:
  relay:    customer writes to --to, gets the menu, answers --choice; the agent receives the chat from a gateway
            address and replies; the customer receives the reply from --to; the customer ends with a 'gone' chat state.
  presence: as relay up to the agent's reply, and the agent's client records the presence it receives from the
            conversation address: the customer's on the offer, a change of show (the customer goes away), and
            unavailable after the customer ends the chat.
  console:  no agent client here: the agent answers in the browser console; the customer waits for --agent-says,
            writes back (typing, then a line) and waits for the end of chat the agent gives in the page.
  callback: nobody is available: the customer gets the wait and a call-back offer and accepts it (XEP-0004 form when
            offered, else the phone number as text).
Exit status 0 on success; otherwise the step that failed is printed on stderr. Bounded by --timeout.
"""
import argparse
import asyncio
import json
import logging
import ssl
import sys

import slixmpp
from slixmpp.xmlstream import ET


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password, name, verify, software=("im_chat.py", "1.0")):
        super().__init__(jid, password)
        self.name = name
        for plugin in ("xep_0030", "xep_0004", "xep_0085", "xep_0092", "xep_0199"):
            self.register_plugin(plugin)
        # The XEP-0092 answer: what the gateway records as the client and compatibility rules route on.
        self["xep_0092"].software_name = software[0]
        self["xep_0092"].version = software[1]
        self.received = []
        self.inbox = asyncio.Queue()
        self.presences = asyncio.Queue()
        self.started = asyncio.get_event_loop().create_future()
        self.add_filter("in", self._record)
        self.add_event_handler("session_start", self._session_start)
        self.add_event_handler("message", lambda m: self.inbox.put_nowait(m))
        self.add_event_handler("failed_auth", lambda _: self._fail("authentication failed"))
        if not verify:
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE

    def _record(self, stanza):
        self.received.append(str(stanza))
        if stanza.name == "presence":
            self.presences.put_nowait(stanza)
        return stanza

    def _fail(self, why):
        if not self.started.done():
            self.started.set_exception(RuntimeError(f"{self.name}: {why}"))

    async def _session_start(self, _):
        self.send_presence()
        if not self.started.done():
            self.started.set_result(True)

    async def expect(self, what, predicate, timeout):
        """The next message (from the inbox) matching predicate; earlier ones are skipped."""
        loop = asyncio.get_event_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no {what} within {timeout} s")
            try:
                msg = await asyncio.wait_for(self.inbox.get(), remaining)
            except asyncio.TimeoutError:
                raise TimeoutError(f"{self.name}: no {what} within {timeout} s") from None
            if predicate(msg):
                return msg

    async def expect_presence(self, what, predicate, timeout):
        """The next presence stanza matching predicate; earlier ones (e.g. team members') are skipped."""
        loop = asyncio.get_event_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no {what} within {timeout} s")
            try:
                p = await asyncio.wait_for(self.presences.get(), remaining)
            except asyncio.TimeoutError:
                raise TimeoutError(f"{self.name}: no {what} within {timeout} s") from None
            if predicate(p):
                return p

    def say(self, to, body=None, chat_state=None, form=None):
        msg = self.make_message(mto=to, mbody=body, mtype="chat")
        if chat_state:
            msg["chat_state"] = chat_state
        if form is not None:
            msg.append(form)
        msg.send()


def body(msg):
    return msg["body"] or ""


async def connect(client, host, port, tls):
    client.connect((host, port), force_starttls=tls, disable_starttls=not tls)
    await asyncio.wait_for(client.started, 30)


async def run(args):
    result = {"customerReceived": [], "agentReceived": []}
    customer = Client(args.customer, args.customer_password, "customer", verify=False,
                      software=(args.software_name, args.software_version))
    agent = Client(args.agent, args.agent_password, "agent", verify=False) if args.agent else None
    try:
        if agent:
            await connect(agent, args.host, args.port, args.tls)
            result["agentJid"] = str(agent.boundjid)
        await connect(customer, args.host, args.port, args.tls)
        result["customerJid"] = str(customer.boundjid)
        print(f"connected customer={customer.boundjid} agent={agent.boundjid if agent else None}", flush=True)

        t = args.step_timeout
        from_gateway = lambda m: m["from"].bare == args.to
        customer.say(args.to, "hello, I have a question about my invoice")
        if args.choice:
            menu = await customer.expect("menu", lambda m: from_gateway(m) and args.choice in body(m), t)
            result["menu"] = body(menu)
            customer.say(args.to, args.choice)

        if args.scenario == "presence":
            offer = await agent.expect("chat offer", lambda m: m["from"].user.startswith("chat-") and body(m), t)
            conversation = offer["from"].bare
            result["conversationAddress"] = conversation
            seen = result["agentPresence"] = []
            from_chat = lambda p: p["from"].bare == conversation

            def record(p):
                seen.append({"from": str(p["from"]), "type": p["type"], "show": p["show"] or None})
                return p

            record(await agent.expect_presence("customer's presence", from_chat, t))
            agent.say(conversation, "Hello, Alice here.")
            await customer.expect("agent's reply", lambda m: body(m) == "Hello, Alice here.", t)
            customer.send_presence(pshow="away")
            record(await agent.expect_presence("customer's change of show", lambda p: from_chat(p) and p["show"] == "away", t))
            customer.say(args.to, chat_state="gone")
            record(await agent.expect_presence("unavailable", lambda p: from_chat(p) and p["type"] == "unavailable", t))
        elif args.scenario == "relay":
            offer = await agent.expect("chat offer", lambda m: m["from"].user.startswith("chat-") and body(m), t)
            conversation = offer["from"].bare
            result["conversationAddress"] = conversation
            result["offer"] = body(offer)
            agent.say(conversation, "Hello, Bob from billing here.")
            reply = await customer.expect("agent's reply", lambda m: body(m) == "Hello, Bob from billing here.", t)
            result["replyFrom"] = str(reply["from"])
            customer.say(args.to, chat_state="composing")
            customer.say(args.to, "Thanks, invoice 42 is wrong.", chat_state="active")
            got = await agent.expect("customer's message", lambda m: body(m) == "Thanks, invoice 42 is wrong.", t)
            result["customerMessageFrom"] = str(got["from"])
            customer.say(args.to, chat_state="gone")
            left = await agent.expect("end of chat", lambda m: "left the chat" in body(m), t)
            result["agentToldEnd"] = body(left)
        elif args.scenario == "console":
            # The agent is a browser (the agent console's Chats panel), driven by the test while this guest waits.
            reply = await customer.expect("agent's reply", lambda m: body(m) == args.agent_says, t)
            result["replyFrom"] = str(reply["from"])
            customer.say(args.to, chat_state="composing")
            customer.say(args.to, "Thanks, invoice 42 is wrong.", chat_state="active")
            ended = await customer.expect("end of chat", lambda m: from_gateway(m) and m["chat_state"] == "gone", t)
            result["endText"] = body(ended)
        else:
            offer = await customer.expect("call-back offer", lambda m: from_gateway(m) and "call" in body(m), t)
            result["waitText"] = body(offer)
            form = offer.xml.find("{jabber:x:data}x")
            result["formOffered"] = form is not None
            if form is not None:
                result["formPhone"] = [v.text for f in form.findall("{jabber:x:data}field") if f.get("var") == "phone"
                                       for v in f.findall("{jabber:x:data}value")]
            if form is not None:
                x = ET.Element("{jabber:x:data}x", {"type": "submit"})
                for var, value in (("FORM_TYPE", "urn:xmpp:ccgw:callback:0"), ("phone", args.phone)):
                    field = ET.SubElement(x, "{jabber:x:data}field", {"var": var})
                    ET.SubElement(field, "{jabber:x:data}value").text = value
                msg = customer.make_message(mto=args.to, mtype="chat")
                msg.append(x)
                msg.send()
            else:
                customer.say(args.to, args.phone)
            booked = await customer.expect("call-back confirmation", lambda m: "call you back" in body(m), t)
            result["booked"] = body(booked)
        await asyncio.sleep(0.5)  # let trailing stanzas (chat states, presence) arrive before the record is written
        return 0
    except Exception as e:  # noqa: BLE001 - reported to the test
        print(f"FAILED: {e}", file=sys.stderr, flush=True)
        result["error"] = str(e)
        return 1
    finally:
        result["customerReceived"] = customer.received
        result["agentReceived"] = agent.received if agent else []
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
        for c in (customer, agent):
            if c:
                c.disconnect(wait=0.5)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls", action="store_true", help="STARTTLS (self-signed certificates accepted)")
    p.add_argument("--customer", required=True, help="JID; a bare domain with no password logs in with SASL ANONYMOUS")
    p.add_argument("--customer-password", default="")
    p.add_argument("--agent")
    p.add_argument("--agent-password", default="")
    p.add_argument("--to", required=True)
    p.add_argument("--choice", default="2", help="menu answer; empty for a queue address (no menu)")
    p.add_argument("--phone", default="+4930123456")
    p.add_argument("--software-name", default="im_chat.py", help="the customer client's XEP-0092 name")
    p.add_argument("--software-version", default="1.0", help="the customer client's XEP-0092 version")
    p.add_argument("--scenario", choices=["relay", "presence", "callback", "console"], required=True)
    p.add_argument("--agent-says", default="Hello, Alice here.", help="console: the reply the agent types in the page")
    p.add_argument("--out", required=True)
    p.add_argument("--step-timeout", type=float, default=20)
    p.add_argument("--debug", action="store_true")
    args = p.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, format="%(levelname)s %(message)s")
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
