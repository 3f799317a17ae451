"""`gongzhi generate --appeals N`: bulk-write N synthetic appeals with events and KPI rollups (scale tests)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Write N synthetic appeals (assignments, events, KPI facts and rollups) with COPY on PostgreSQL"

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, required=True, help="how many appeals to write")
        parser.add_argument("--months", type=int, default=6, help="spread over this many months up to now (default 6)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--chunk", type=int, default=200_000)

    def handle(self, *args, appeals: int, months: int, seed: int, chunk: int, **options):
        from gongzhi.evaluation.generate import generate

        if appeals < 1:
            raise CommandError("--appeals must be at least 1")
        if not 1 <= months <= 60:
            raise CommandError("--months must be between 1 and 60")
        verbose = options.get("verbosity", 1) > 1
        result = generate(appeals, months=months, seed=seed, chunk=max(1000, chunk),
                          log=self.stdout.write if verbose else (lambda *_: None))
        self.stdout.write(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
