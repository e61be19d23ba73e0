"""Handler for aiosmtpd used by Plaudit's tests: stores each message as a file and plays
scripted failures by recipient local part:
  reject*@   -> 550 on RCPT (permanent)
  tempfail*@ -> 451 on RCPT for the first attempt of each address, then accepted
  slow*@     -> accepted after a short pause in DATA (to widen the window for kill tests)
and, while a file named DEFER exists in the mail folder, answers 451 to every recipient (a
relay that defers everything, e.g. over quota or greylisting).
Run: python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Handler MAILDIR
"""
import asyncio
import os
import uuid


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir
        self.tempfails = {}
        os.makedirs(maildir, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("smtp_sink.Handler needs one argument: the mail folder")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if os.path.exists(os.path.join(self.maildir, "DEFER")):
            return "451 4.7.1 Service unavailable, try again later"
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("tempfail"):
            seen = self.tempfails.get(address, 0)
            self.tempfails[address] = seen + 1
            if seen == 0:
                return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.split("@")[0].lower().startswith("slow") for r in envelope.rcpt_tos):
            await asyncio.sleep(0.05)
        name = uuid.uuid4().hex
        tmp = os.path.join(self.maildir, "." + name)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.maildir, name + ".eml"))
        return "250 2.0.0 Message accepted for delivery"
