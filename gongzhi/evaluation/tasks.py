"""Background work of the evaluation app (the unrated auto-close is gongzhi.appeals.tasks.auto_close_unrated,
already run hourly by `gongzhi worker`)."""
from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def rebuild_rollups() -> dict:
    """Recompute every KPI fact and rollup from the appeals (after a bulk import or a rule change)."""
    from . import services

    result = services.rebuild()
    log.info("kpi rebuild: %s", result)
    return result


@task()
def export_opendata() -> dict:
    """The daily open-data export into GONGZHI_DATA_DIR/opendata (served by the download page)."""
    from . import opendata

    return opendata.export(opendata.default_dir())


@task()
def auto_close_unrated() -> int:
    """Same as the appeals task; here so the evaluation queue can be run on its own worker."""
    from gongzhi.appeals import services

    return services.auto_close_unrated()


@task()
def flush_pending_kpis() -> int:
    """Fold the appeal changes noted since the last run into the KPI facts and rollups (every
    minute from `gongzhi worker`; readers of the figures fold what is left before they read)."""
    from . import services

    return services.flush_pending()
