from django.apps import AppConfig


def _report(counts: dict[str, int]) -> str:
    return f"社区任务期限巡检：新超期 {counts['newly_overdue']}，即将到期 {counts['due_soon']}"


class GridConfig(AppConfig):
    name = "gongzhi.grid"
    label = "grid"
    verbose_name = "网格与社区"

    def ready(self):
        from gongzhi.core import periodic

        from . import dashboard, tasks

        periodic.register(tasks.sweep_deadlines, 60 * 60)
        periodic.register_sweep("community-tasks", tasks.run_sweeps, _report,
                                help="the community tasks' deadline sweep")
        dashboard.register()
