"""Run.secrets_as: whose secret permissions a run uses (a staff re-run keeps the creator's)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def creators_permissions(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Every run so far used the permissions of whoever started it.
    Run = apps.get_model("connectors", "Run")
    Run.objects.update(secrets_as=F("created_by"))


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0003_import_templates_permission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="run",
            name="secrets_as",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(creators_permissions, migrations.RunPython.noop),
    ]
