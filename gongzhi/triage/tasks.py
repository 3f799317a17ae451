"""Background triage work: the nightly hot-issue rebuild and the weekly classifier retrain."""
from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def rebuild_hot_issues() -> int:
    from . import services

    return services.rebuild_hot_issues()


@task()
def retrain_classifier() -> str:
    """Retrain on recent closed appeals; keep the current model when there is too little to learn from."""
    from gongzhi.core.errors import ActionRefused

    from . import services

    try:
        return services.train_from_database().version
    except ActionRefused as exc:
        log.info("classifier not retrained: %s", exc)
        return ""
