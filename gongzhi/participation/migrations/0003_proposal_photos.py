"""A proposal may have several photos (ProposalPhoto, each the re-encoded public copy). A photo
uploaded before this migration becomes the proposal's first photo row as it was stored; new ones are
checked and re-encoded by core.uploads."""

import mimetypes

import django.db.models.deletion
from django.db import migrations, models


def move_photos(apps, schema_editor):
    Proposal = apps.get_model("participation", "Proposal")
    ProposalPhoto = apps.get_model("participation", "ProposalPhoto")
    for p in Proposal.objects.exclude(photo="").exclude(photo__isnull=True).iterator():
        ProposalPhoto.objects.create(proposal=p, image=p.photo.name, created_at=p.created_at,
                                     content_type=(mimetypes.guess_type(p.photo.name)[0] or "image/jpeg")[:32])


class Migration(migrations.Migration):

    dependencies = [
        ('participation', '0002_default_categories'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProposalPhoto',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('image', models.ImageField(upload_to='participation/%Y/%m/', verbose_name='照片')),
                ('content_type', models.CharField(max_length=32)),
                ('size', models.PositiveIntegerField(default=0)),
                ('created_at', models.DateTimeField()),
                ('proposal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='participation.proposal')),
            ],
            options={
                'verbose_name': '建议照片',
                'verbose_name_plural': '建议照片',
                'ordering': ['id'],
            },
        ),
        migrations.RunPython(move_photos, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='proposal',
            name='photo',
        ),
    ]
