"""The agent side of the web-chat acceptance test: alice's desk as a slixmpp client on the daemon's c2s port (TCP,
STARTTLS), talking to a visitor who chats from the help page in Chromium over /xmpp (WebSocket).

Steps (each bounded by --step-timeout; the browser test drives the visitor in parallel):
  1. wait for the chat offer from a conversation address (chat-...@domain) and greet;
  2. show typing (composing); when the visitor types, pause (paused); wait for the visitor's first message,
     recording the visitor's chat states on the way;
  3. answer it; wait for the message the visitor wrote while the network was down (--offline-text) and answer it;
  4. end the chat: a last message with the 'gone' chat state.
Every stanza alice receives is recorded and written to --out as JSON. Exit status 0 on success.
"""
import argparse
import asyncio
import json
import ssl
import sys

import slixmpp


class Agent(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ("xep_0030", "xep_0085", "xep_0199"):
            self.register_plugin(plugin)
        self.received = []
        self.inbox = asyncio.Queue()
        self.started = asyncio.get_event_loop().create_future()
        self.add_filter("in", self._record)
        self.add_event_handler("session_start", self._session_start)
        self.add_event_handler("message", lambda m: self.inbox.put_nowait(m))
        # slixmpp's 'message' event only fires for messages with a body; typing notices come as 'chatstate' (XEP-0085).
        self.add_event_handler("chatstate", lambda m: None if m["body"] else self.inbox.put_nowait(m))
        self.add_event_handler("failed_auth", lambda _: self.started.done() or self.started.set_exception(RuntimeError("auth failed")))
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE

    def _record(self, stanza):
        self.received.append(str(stanza))
        return stanza

    async def _session_start(self, _):
        self.send_presence()
        if not self.started.done():
            self.started.set_result(True)

    async def expect(self, what, predicate, timeout, seen=None):
        loop = asyncio.get_event_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no {what} within {timeout} s")
            try:
                msg = await asyncio.wait_for(self.inbox.get(), remaining)
            except asyncio.TimeoutError:
                raise TimeoutError(f"no {what} within {timeout} s") from None
            if seen is not None and msg["chat_state"]:
                seen.append(msg["chat_state"])
            if predicate(msg):
                return msg

    def say(self, to, body=None, chat_state=None):
        msg = self.make_message(mto=to, mbody=body, mtype="chat")
        if chat_state:
            msg["chat_state"] = chat_state
        msg.send()


async def run(args):
    result = {}
    agent = Agent(args.agent, args.password)
    try:
        agent.connect((args.host, args.port), force_starttls=True)
        await asyncio.wait_for(agent.started, 30)
        result["agentJid"] = str(agent.boundjid)
        print("agent online", flush=True)
        t = args.step_timeout
        body = lambda m: m["body"] or ""

        offer = await agent.expect("chat offer", lambda m: m["from"].user.startswith("chat-") and body(m), t)
        conversation = offer["from"].bare
        result["conversationAddress"] = conversation
        result["offer"] = body(offer)
        agent.say(conversation, args.greeting)
        agent.say(conversation, chat_state="composing")

        states = result["visitorStates"] = []
        await agent.expect("visitor typing", lambda m: m["chat_state"] == "composing", t, seen=states)
        agent.say(conversation, chat_state="paused")
        first = await agent.expect("visitor's message", lambda m: body(m) == args.first_text, t, seen=states)
        result["firstFrom"] = str(first["from"])
        agent.say(conversation, "Let me look at invoice 42.")

        later = await agent.expect("message written offline", lambda m: body(m) == args.offline_text, t, seen=states)
        result["offlineFrom"] = str(later["from"])
        agent.say(conversation, "Yes, still here: the invoice is corrected.")

        await agent.expect("go-ahead to end", lambda m: body(m) == args.end_text, t, seen=states)
        agent.say(conversation, "Goodbye!", chat_state="gone")
        await asyncio.sleep(0.5)
        return 0
    except Exception as e:  # noqa: BLE001 - reported to the test
        print(f"FAILED: {e}", file=sys.stderr, flush=True)
        result["error"] = str(e)
        return 1
    finally:
        result["agentReceived"] = agent.received
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
        agent.disconnect(wait=0.5)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--agent", default="alice@localhost")
    p.add_argument("--password", default="demo-alice")
    p.add_argument("--greeting", default="Hello, Alice here. How can I help?")
    p.add_argument("--first-text", required=True)
    p.add_argument("--offline-text", required=True)
    p.add_argument("--end-text", required=True)
    p.add_argument("--step-timeout", type=float, default=60)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    sys.exit(asyncio.run(asyncio.wait_for(run(args), 240)))


if __name__ == "__main__":
    main()
