"""A real SMTP server for the portal's browser tests: every message it accepts is written to OUTDIR as one file
(recipients on the first line, then the raw message). Uses Debian's python3-aiosmtpd; where that is not installed,
the standard library's smtpd (deprecated, still in Python 3.11) serves the same SMTP dialogue.

usage: smtp_sink.py PORT OUTDIR    prints READY once it listens; ends when stdin closes.
"""
import os
import sys
import threading

port = int(sys.argv[1])
outdir = sys.argv[2]
counter = [0]
lock = threading.Lock()


def store(rcpts, data):
    with lock:
        counter[0] += 1
        n = counter[0]
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = os.path.join(outdir, f".{n:04d}.tmp")
    with open(tmp, "wb") as f:
        f.write((",".join(rcpts) + "\n").encode("utf-8"))
        f.write(data)
    os.rename(tmp, os.path.join(outdir, f"{n:04d}.eml"))


def wait_for_stdin_close():
    sys.stdin.read()
    os._exit(0)


try:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            store(envelope.rcpt_tos, envelope.original_content or envelope.content)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    print("READY aiosmtpd", flush=True)
    wait_for_stdin_close()
except ImportError:
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore
    import smtpd

    class Server(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
            store(rcpttos, data)
            return None

    Server(("127.0.0.1", port), None, decode_data=False)
    threading.Thread(target=wait_for_stdin_close, daemon=True).start()
    print("READY smtpd", flush=True)
    asyncore.loop()
