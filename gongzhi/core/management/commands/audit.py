"""`gongzhi audit verify | purge --older-than DAYS`: the audit trail's hash chain (gongzhi.core.audit)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import audit
from gongzhi.core.models import AuditEntry


class Command(BaseCommand):
    help = "Check the audit log's hash chain (verify), or remove entries past the retention (purge)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="exit 1 naming the first changed, removed or out-of-order entry")
        verify.add_argument("--head", metavar="SEQ:HASH",
                            help="a head printed by an earlier verify: fail if that entry is gone or changed "
                                 "(finds entries removed from the end of the chain)")
        purge = sub.add_parser("purge", help=f"remove entries older than DAYS (at least {audit.RETENTION_DAYS})")
        purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")

    def handle(self, *args, action, **options):
        if action == "purge":
            try:
                removed = audit.purge(options["older_than"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"removed {removed} audit entries older than {options['older_than']} days")
            return
        checked, broken = audit.verify()
        if broken is not None:
            raise CommandError(f"audit chain broken at {broken} ({checked} entries before it are intact)")
        if options.get("head"):
            seq, _sep, digest = options["head"].partition(":")
            if not seq.isdigit() or not digest:
                raise CommandError("--head takes SEQ:HASH as an earlier verify printed it")
            if not AuditEntry.objects.filter(seq=int(seq), hash=digest).exists():
                raise CommandError(f"audit entry #{seq} with the recorded hash is gone: entries were removed "
                                   "from the end of the chain")
        head = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values("seq", "hash").first()
        where = f"head {head['seq']}:{head['hash']}" if head else "the log is empty"
        self.stdout.write(f"audit chain intact: {checked} entries, {where}")
