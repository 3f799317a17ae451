"""Before an active hot issue can be held once (0003), merge the ones a race between intake and the
rebuild left twice: the oldest row of each key keeps the members, the alerts and the widest period."""
from django.db import migrations
from django.db.models import Count, Max, Min


def merge(apps, schema_editor):
    HotIssue = apps.get_model("triage", "HotIssue")
    Alert = apps.get_model("triage", "Alert")
    Appeal = apps.get_model("appeals", "Appeal")
    through = HotIssue.appeals.through
    keys = (HotIssue.objects.filter(state="active").values("key").annotate(n=Count("id")).filter(n__gt=1)
            .values_list("key", flat=True))
    for key in list(keys):
        rows = list(HotIssue.objects.filter(state="active", key=key).order_by("id"))
        keep, extra = rows[0], [r.pk for r in rows[1:]]
        have = set(through.objects.filter(hotissue_id=keep.pk).values_list("appeal_id", flat=True))
        moved = set(through.objects.filter(hotissue_id__in=extra).values_list("appeal_id", flat=True)) - have
        through.objects.bulk_create([through(hotissue_id=keep.pk, appeal_id=a) for a in moved])
        Alert.objects.filter(hot_issue_id__in=extra).update(hot_issue_id=keep.pk)
        span = HotIssue.objects.filter(pk__in=[keep.pk, *extra]).aggregate(
            start=Min("start"), end=Max("end"), heat=Max("heat"), people=Max("distinct_people"))
        members = Appeal.objects.filter(pk__in=have | moved)
        people = (members.exclude(appellant_phone="").values("appellant_phone").distinct().count()
                  + members.filter(appellant_phone="").count())
        HotIssue.objects.filter(pk__in=extra).delete()
        HotIssue.objects.filter(pk=keep.pk).update(size=len(have | moved), start=span["start"], end=span["end"],
                                                   heat=span["heat"], distinct_people=max(people, span["people"] or 0))


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0002_initial"),
        ("triage", "0001_initial"),
    ]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
