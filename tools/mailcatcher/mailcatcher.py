#!/usr/bin/python3
"""mailcatcher.py - a tiny SMTP server for development and tests: it accepts every mail
and saves it as an .eml file, so tests can read what the system sent.

    mailcatcher.py --listen 127.0.0.1:2525 --dir MAIL_DIR [--pid-file FILE]

Speaks just enough SMTP (RFC 5321) for an ordinary client: EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, VRFY, QUIT. No TLS, no AUTH, no relaying: never expose it beyond loopback.
Each mail is written to a temporary name and renamed, so a reader never sees half a
file. The envelope sender and recipients are prepended as X-Envelope-From and
X-Envelope-To headers. SIGTERM or SIGINT stops it and removes the pid file.

Deduplication by Message-ID, as a receiving side that recognises a resend does: a mail
whose Message-ID (with the same recipients) is already stored in the directory, also
by an earlier run of the catcher, is accepted (250) but not stored again, and a line
"<time> <message-id> <recipients>" is appended to DIR/duplicates.log instead. A sender
that resends after a crash therefore leaves one .eml, and the log shows it resent.

For tests of a sender killed at the worst moment: while a file named .hold exists in DIR,
each mail is stored but its "250" reply is held back until the file is removed, which is
the moment between a server accepting a mail and the sender recording that it did.
"""

import argparse
import asyncio
import itertools
import os
import signal
import sys
import time

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024
_counter = itertools.count(1)


def header_value(data, name):
    """The value of the first header called name (case-insensitive) in the header block
    of a raw message, unfolded; None when absent."""
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    want = name.lower().encode() + b":"
    for i, line in enumerate(lines):
        if line.lower().startswith(want):
            value = line[len(want):]
            for cont in lines[i + 1:]:
                if not cont[:1] in (b" ", b"\t"):
                    break
                value += cont
            return value.strip().decode("utf-8", "replace")
    return None


class Seen:
    """The (Message-ID, recipients) of every mail stored in the directory."""

    def __init__(self, mail_dir):
        self.keys = set()
        for name in os.listdir(mail_dir):
            if not name.endswith(".eml") or name.startswith("."):
                continue
            try:
                with open(os.path.join(mail_dir, name), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            key = self.key_of(header_value(data, "Message-ID"), header_value(data, "X-Envelope-To"))
            if key:
                self.keys.add(key)

    @staticmethod
    def key_of(message_id, rcpt):
        if not message_id:
            return None
        return (message_id, rcpt or "")


def log_duplicate(mail_dir, message_id, rcpt):
    with open(os.path.join(mail_dir, "duplicates.log"), "a") as f:
        f.write("%s %s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), message_id,
                                 rcpt))


def save_mail(mail_dir, mail_from, rcpt_to, data):
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    name = "%s-%d-%06d.eml" % (stamp, os.getpid(), next(_counter))
    header = "X-Envelope-From: <%s>\r\nX-Envelope-To: %s\r\n" % (
        mail_from,
        ", ".join("<%s>" % r for r in rcpt_to),
    )
    tmp = os.path.join(mail_dir, "." + name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(header.encode("utf-8"))
        f.write(data)
    os.rename(tmp, os.path.join(mail_dir, name))
    return name


def address_of(arg):
    """The address inside 'FROM:<a@b> SIZE=..' or 'TO:<a@b>'; None when malformed."""
    _, sep, rest = arg.partition(":")
    if not sep:
        return None
    rest = rest.strip()
    if rest.startswith("<"):
        end = rest.find(">")
        if end < 0:
            return None
        return rest[1:end]
    return rest.split(" ", 1)[0]


class Session:
    def __init__(self, reader, writer, mail_dir, hostname, seen):
        self.reader = reader
        self.writer = writer
        self.mail_dir = mail_dir
        self.seen = seen
        self.hostname = hostname
        self.reset()

    def reset(self):
        self.mail_from = None
        self.rcpt_to = []

    async def reply(self, text):
        self.writer.write((text + "\r\n").encode("utf-8"))
        await self.writer.drain()

    async def read_line(self):
        line = await self.reader.readline()
        if not line:
            return None
        if len(line) > MAX_LINE_BYTES:
            raise ValueError("line too long")
        return line

    async def read_data(self):
        """Reads the message up to the lone '.', undoing dot-stuffing (RFC 5321 4.5.2)."""
        chunks = []
        size = 0
        while True:
            line = await self.read_line()
            if line is None:
                return None
            if line in (b".\r\n", b".\n"):
                break
            if line.startswith(b"."):
                line = line[1:]
            size += len(line)
            if size <= MAX_MESSAGE_BYTES:
                chunks.append(line)
        if size > MAX_MESSAGE_BYTES:
            return b""
        return b"".join(chunks)

    async def run(self):
        await self.reply("220 %s ESMTP mailcatcher (development only)" % self.hostname)
        while True:
            raw = await self.read_line()
            if raw is None:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reset()
                await self.reply("250-%s" % self.hostname)
                await self.reply("250-8BITMIME")
                await self.reply("250-SIZE %d" % MAX_MESSAGE_BYTES)
                await self.reply("250 SMTPUTF8")
            elif verb == "HELO":
                self.reset()
                await self.reply("250 %s" % self.hostname)
            elif verb == "MAIL":
                addr = address_of(arg)
                if addr is None:
                    await self.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
                    continue
                self.reset()
                self.mail_from = addr
                await self.reply("250 2.1.0 OK")
            elif verb == "RCPT":
                addr = address_of(arg)
                if self.mail_from is None:
                    await self.reply("503 5.5.1 MAIL first")
                elif not addr:
                    await self.reply("501 5.5.4 Syntax: RCPT TO:<address>")
                else:
                    self.rcpt_to.append(addr)
                    await self.reply("250 2.1.5 OK")
            elif verb == "DATA":
                if not self.rcpt_to:
                    await self.reply("503 5.5.1 RCPT first")
                    continue
                await self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = await self.read_data()
                if data is None:
                    return
                if data == b"":
                    await self.reply("552 5.3.4 Message too big")
                else:
                    rcpt = ", ".join("<%s>" % r for r in self.rcpt_to)
                    message_id = header_value(data, "Message-ID")
                    key = Seen.key_of(message_id, rcpt)
                    if key is not None and key in self.seen.keys:
                        log_duplicate(self.mail_dir, message_id, rcpt)
                        await self.reply("250 2.0.0 OK duplicate of %s dropped" % message_id)
                    else:
                        name = save_mail(self.mail_dir, self.mail_from, self.rcpt_to, data)
                        if key is not None:
                            self.seen.keys.add(key)
                        hold = os.path.join(self.mail_dir, ".hold")
                        while os.path.exists(hold):
                            await asyncio.sleep(0.02)
                        await self.reply("250 2.0.0 OK queued as %s" % name)
                self.reset()
            elif verb == "RSET":
                self.reset()
                await self.reply("250 2.0.0 OK")
            elif verb == "NOOP":
                await self.reply("250 2.0.0 OK")
            elif verb == "VRFY":
                await self.reply("252 2.1.5 Cannot verify, will accept")
            elif verb == "QUIT":
                await self.reply("221 2.0.0 Bye")
                return
            else:
                await self.reply("502 5.5.2 Command not recognized")


async def main():
    parser = argparse.ArgumentParser(description="Development SMTP catcher")
    parser.add_argument("--listen", default="127.0.0.1:2525", help="HOST:PORT")
    parser.add_argument("--dir", required=True, help="directory for the .eml files")
    parser.add_argument("--pid-file", help="written once listening, removed on exit")
    args = parser.parse_args()

    host, _, port = args.listen.rpartition(":")
    os.makedirs(args.dir, exist_ok=True)
    seen = Seen(args.dir)

    async def handle(reader, writer):
        try:
            await Session(reader, writer, args.dir, "mailcatcher.local", seen).run()
        except (ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host or "127.0.0.1", int(port))
    if args.pid_file:
        with open(args.pid_file, "w") as f:
            f.write("%d\n" % os.getpid())
    print("mailcatcher: listening on %s, saving to %s" % (args.listen, args.dir), flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with server:
            await stop.wait()
    finally:
        if args.pid_file:
            try:
                os.unlink(args.pid_file)
            except FileNotFoundError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
