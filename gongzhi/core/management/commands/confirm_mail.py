"""`gongzhi confirm_mail [FILE]`: an e-mail reply to a confirmed notification (core.confirmations).

The mail server hands each message sent to the reply address to this command on standard input
(a Postfix alias `reply: "|gongzhi confirm_mail"`, an Exim pipe transport, fetchmail's mda) or as a
file. It prints how many notifications the reply confirmed. A message that confirms nothing is not
an error (exit 0: the mail server must not bounce it back); one that cannot be read exits 2.
"""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import confirmations


class Command(BaseCommand):
    help = "Confirm notifications from an e-mail reply (an RFC 822 message on stdin or in FILE)"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the message; standard input when left out")

    def handle(self, *args, file=None, **options):
        if file:
            try:
                with open(file, "rb") as fh:
                    raw = fh.read()
            except OSError as exc:
                raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        else:
            raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("no message given")
        try:
            done = confirmations.confirm_by_mail(raw)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"confirmed {len(done)}")
