import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0012_attachment_reply_photos"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="answered_at_intake",
            field=models.BooleanField(db_default=False, default=False, verbose_name="受理时直接答复"),
        ),
        migrations.CreateModel(
            name="KnowledgeEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("question", models.CharField(max_length=200, verbose_name="问题")),
                ("answer", models.TextField(verbose_name="标准答复")),
                ("keywords", models.CharField(blank=True, help_text="以空格或逗号分隔，来电内容含其中的词时推荐本条",
                                              max_length=300, verbose_name="关键词")),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                ("used_count", models.PositiveIntegerField(default=0, verbose_name="直接答复次数")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("category", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                               related_name="knowledge", to="appeals.category", verbose_name="分类")),
                ("updated_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "知识库条目",
                "verbose_name_plural": "知识库",
                "ordering": ["-active", "question", "id"],
            },
        ),
    ]
