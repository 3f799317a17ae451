"""`gongzhi sweep`: run the deadline sweep and the unrated auto-close once (for cron, or by hand)."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from gongzhi.appeals import services


class Command(BaseCommand):
    help = "Run the deadline sweep and close unrated appeals once (for cron instead of `gongzhi worker`)"

    def add_arguments(self, parser):
        parser.add_argument("--no-auto-close", action="store_true", help="only sweep deadlines")

    def handle(self, *args, no_auto_close=False, **options):
        counts = services.sweep_deadlines()
        self.stdout.write(
            f"期限巡检：新超期 {counts['newly_overdue']}，标记超期 {counts['overdue']}，"
            f"即将到期 {counts['due_soon']}，恢复正常 {counts['on_track']}"
        )
        if not no_auto_close:
            closed = services.auto_close_unrated()
            self.stdout.write(f"回访期满自动办结：{closed}")
