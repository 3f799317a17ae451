"""`gongzhi kpi_rebuild`: recompute every KPI fact and monthly rollup from the appeals."""
from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute KPI facts and rollups from the appeals (after bulk loads or a rule change)"

    def add_arguments(self, parser):
        parser.add_argument("--rollups-only", action="store_true", help="only re-aggregate the rollups from the facts")

    def handle(self, *args, rollups_only=False, **options):
        from gongzhi.evaluation import services

        if rollups_only:
            self.stdout.write(f"rollups={services.rollup_from_facts()}")
        else:
            result = services.rebuild()
            self.stdout.write(f"facts={result['facts']} rollups={result['rollups']}")
