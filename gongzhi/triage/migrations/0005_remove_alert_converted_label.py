"""The free-text converted_to (kept as converted_label by 0004 until its text was moved into the
alerts' history) goes."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("triage", "0004_alert_history_and_link"),
    ]

    operations = [
        migrations.RemoveField(model_name="alert", name="converted_label"),
    ]
