"""What the communities carry: the tasks departments gave them per month, by department and item,
with the time spent (社区减负: leaders see who pushes work down), and the organisations' figures."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gongzhi.core.models import Region

from .models import Activity, CommunityTask, Organisation, Volunteer, VolunteerHours


def months_back(n: int, now: dt.datetime | None = None) -> dt.datetime:
    now = timezone.localtime(now or timezone.now())
    year, month = now.year, now.month - (n - 1)
    while month <= 0:
        month += 12
        year -= 1
    return now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def load_rows(tasks, since: dt.datetime) -> list[dict]:
    """[{"month", "department", "item", "tasks", "done", "minutes"}] of `tasks` since `since`, newest month first."""
    rows = (tasks.filter(requested_at__gte=since).exclude(status=CommunityTask.Status.CANCELLED)
            .annotate(month=TruncMonth("requested_at"))
            .values("month", "department__name", "item__name")
            .annotate(tasks=Count("id"), done=Count("id", filter=Q(status=CommunityTask.Status.DONE)),
                      minutes=Sum("minutes_spent"))
            .order_by("-month", "-tasks", "department__name"))
    return [{"month": r["month"], "department": r["department__name"], "item": r["item__name"], "tasks": r["tasks"],
             "done": r["done"], "hours": round((r["minutes"] or 0) / 60, 1)} for r in rows]


def load_per_community(tasks, since: dt.datetime) -> list[dict]:
    """Per community: tasks, hours spent and the department that gave most, heaviest first."""
    per = defaultdict(lambda: {"tasks": 0, "minutes": 0, "by_department": defaultdict(int)})
    rows = (tasks.filter(requested_at__gte=since).exclude(status=CommunityTask.Status.CANCELLED)
            .values("community_id", "department__name").annotate(n=Count("id"), minutes=Sum("minutes_spent")))
    for r in rows:
        p = per[r["community_id"]]
        p["tasks"] += r["n"]
        p["minutes"] += r["minutes"] or 0
        p["by_department"][r["department__name"]] += r["n"]
    names = dict(Region.objects.filter(pk__in=per).values_list("pk", "name"))
    out = []
    for pk, p in per.items():
        top = max(p["by_department"].items(), key=lambda kv: kv[1])
        out.append({"community_id": pk, "community": names.get(pk, ""), "tasks": p["tasks"],
                    "hours": round(p["minutes"] / 60, 1), "top_department": top[0], "top_tasks": top[1]})
    return sorted(out, key=lambda r: (-r["tasks"], r["community"]))


def organisations_of(community: Region, since: dt.date, today: dt.date | None = None) -> dict:
    """A community's organisations with their volunteers and activities; its volunteers; the hours
    since `since` and this month's activities (held from the first of the month) with their hours."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    orgs = Organisation.objects.filter(community=community)
    hours = VolunteerHours.objects.filter(activity__organisation__community=community, activity__held_on__gte=since)
    this_month = (Activity.objects.filter(organisation__community=community, held_on__gte=month)
                  .select_related("organisation").annotate(volunteer_hours=Sum("hours__hours"))
                  .order_by("-held_on", "-id"))
    return {
        "organisations": orgs.annotate(volunteer_count=Count("volunteers", distinct=True),
                                       activity_count=Count("activities", distinct=True)),
        "volunteers": Volunteer.objects.filter(community=community).count(),
        "hours": hours.aggregate(h=Sum("hours"))["h"] or 0,
        "top_volunteers": list(hours.values("volunteer__name").annotate(h=Sum("hours")).order_by("-h")[:5]),
        "month": month,
        "month_activities": list(this_month),
        "month_hours": VolunteerHours.objects.filter(activity__organisation__community=community,
                                                     activity__held_on__gte=month,
                                                     activity__held_on__lte=today).aggregate(h=Sum("hours"))["h"] or 0,
    }
