# Photos and files of replies and progress notes (before/after), public copies without metadata.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0011_extension_lapsed'),
    ]

    operations = [
        migrations.AddField(
            model_name='attachment',
            name='event',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='attachments', to='appeals.appealevent'),
        ),
        migrations.AddField(
            model_name='attachment',
            name='public',
            field=models.BooleanField(default=False, verbose_name='向诉求人公开'),
        ),
        migrations.AddField(
            model_name='attachment',
            name='public_file',
            field=models.FileField(blank=True, upload_to='attachments/public/%Y/%m/'),
        ),
        migrations.AddField(
            model_name='attachment',
            name='reply',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='appeals.reply'),
        ),
        migrations.AddField(
            model_name='attachment',
            name='stage',
            field=models.CharField(blank=True, choices=[('before', '处理前'), ('after', '处理后')], max_length=8, verbose_name='照片类型'),
        ),
    ]
