"""`gongzhi generate --appeals N`: bulk-write N synthetic appeals with events and KPI rollups (scale tests)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.demo.generate import generate


class Command(BaseCommand):
    help = "Write N synthetic appeals (assignments, events, KPI facts and rollups) with binary COPY on PostgreSQL"

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, required=True, help="how many appeals to write")
        parser.add_argument("--months", type=int, default=6, help="spread over this many months up to now (default 6)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--chunk", type=int, default=100_000, help="appeals generated per batch")
        parser.add_argument("--workers", type=int, default=2,
                            help="PostgreSQL connections writing in parallel (default 2; 0 = the main connection)")

    def handle(self, *args, appeals: int, months: int, seed: int, chunk: int, workers: int, **options):
        if appeals < 1:
            raise CommandError("--appeals must be at least 1")
        if not 1 <= months <= 60:
            raise CommandError("--months must be between 1 and 60")
        if not 0 <= workers <= 16:
            raise CommandError("--workers must be between 0 and 16")
        verbose = options.get("verbosity", 1) > 1
        result = generate(appeals, months=months, seed=seed, chunk=max(1000, chunk), workers=workers,
                          log=self.stdout.write if verbose else (lambda *_: None))
        self.stdout.write(f"{appeals} appeals, {result['events']} events in {result['total_seconds']:.1f}s: "
                          f"{result['appeals_per_s']:.0f} appeals/s, {result['events_per_s']:.0f} events/s loading "
                          f"(COPY); {result['total_appeals_per_s']:.0f} appeals/s, "
                          f"{result['total_events_per_s']:.0f} events/s including indexes, rollups and VACUUM")
        self.stdout.write(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
