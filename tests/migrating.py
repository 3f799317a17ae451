"""Move the test database to a migration state and back (the upgrade tests of data migrations)."""
from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def latest(app: str) -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes(app)


def migrate(targets):
    """Migrate to `targets` ([(app, name)]) and return the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps
