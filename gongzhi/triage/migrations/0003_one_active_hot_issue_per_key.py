from django.db import migrations, models


class Migration(migrations.Migration):
    """One active row per hot issue (its own transaction: the merge before it wrote the same table)."""

    dependencies = [
        ("triage", "0002_merge_duplicate_active_hot_issues"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="hotissue",
            constraint=models.UniqueConstraint(condition=models.Q(("state", "active")), fields=("key",),
                                               name="triage_hot_issue_active_key"),
        ),
    ]
