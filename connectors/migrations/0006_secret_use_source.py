"""Secret uses say which kind of job used the secret (dry-run or live job) and its job type."""

from django.db import migrations, models


def _earlier_uses_were_dry_runs(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Before this migration only dry-runs were audited.
    event = apps.get_model("connectors", "SecretAuditEvent")
    event.objects.filter(action="use").update(source="dry_run")


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0005_egress_allow_entry"),
    ]

    operations = [
        migrations.AddField(
            model_name="secretauditevent",
            name="source",
            field=models.CharField(
                blank=True,
                choices=[("dry_run", "dry-run"), ("live", "live job")],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="secretauditevent",
            name="job_type",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(_earlier_uses_were_dry_runs, migrations.RunPython.noop),
    ]
