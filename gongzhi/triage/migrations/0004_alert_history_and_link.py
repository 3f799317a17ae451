"""Alerts get a history (AlertEvent) and a real link to what they were converted into (a generic
foreign key, converted_type/converted_id), instead of the free-text converted_to.

Existing alerts get a "raised" event at their creation time; the ones converted before keep the
kind they were converted into (the old text, e.g. 矛盾纠纷) in a "converted" event's data, with no
link (there was nothing to link to). Going back writes that text into converted_to again.
The old column goes in 0005 (on PostgreSQL a table cannot be altered in the transaction that
wrote rows referring to it).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SYSTEM = "系统"


def history_and_labels(apps, schema_editor):
    Alert = apps.get_model("triage", "Alert")
    AlertEvent = apps.get_model("triage", "AlertEvent")
    events = []
    for alert in Alert.objects.select_related("acknowledged_by").iterator(chunk_size=2000):
        events.append(AlertEvent(alert_id=alert.pk, kind="raised", actor_label=SYSTEM, to_status="open",
                                 note=alert.title, created_at=alert.created_at,
                                 data={"alert_kind": alert.kind, "level": alert.level}))
        if alert.converted_label:
            by = alert.acknowledged_by
            events.append(AlertEvent(
                alert_id=alert.pk, kind="converted", actor_id=by.pk if by else None,
                actor_label=(by.display_name or by.username) if by else SYSTEM, from_status=alert.state,
                to_status=alert.state,
                note=alert.resolution, created_at=alert.acknowledged_at or alert.created_at,
                data={"into_label": alert.converted_label}))
    AlertEvent.objects.bulk_create(events, batch_size=2000)


def labels_back(apps, schema_editor):
    Alert = apps.get_model("triage", "Alert")
    AlertEvent = apps.get_model("triage", "AlertEvent")
    for event in AlertEvent.objects.filter(kind="converted").order_by("id"):
        label = event.data.get("into_label") or event.data.get("into") or ""
        Alert.objects.filter(pk=event.alert_id).update(converted_label=str(label)[:100])


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0009_periodic_run_moves_to_core'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0002_periodic_run_moves_to_core'),
        ('triage', '0003_one_active_hot_issue_per_key'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AlertEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=32)),
                ('actor_label', models.CharField(blank=True, max_length=150)),
                ('from_status', models.CharField(blank=True, max_length=16)),
                ('to_status', models.CharField(blank=True, max_length=16)),
                ('note', models.TextField(blank=True)),
                ('public', models.BooleanField(default=False)),
                ('data', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['created_at', 'id'],
                'abstract': False,
            },
        ),
        migrations.RenameField(model_name='alert', old_name='converted_to', new_name='converted_label'),
        migrations.AddField(
            model_name='alert',
            name='converted_id',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='alert',
            name='converted_type',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype'),
        ),
        migrations.AddIndex(
            model_name='alert',
            index=models.Index(condition=models.Q(('converted_id__isnull', False)), fields=['converted_type', 'converted_id'], name='alert_converted_idx'),
        ),
        migrations.AddField(
            model_name='alertevent',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='alertevent',
            name='alert',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='triage.alert'),
        ),
        migrations.RunPython(history_and_labels, labels_back),
    ]
