"""The egress allow-list staff keep in the app (EgressAllowEntry) and its audit trail."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import connectors.network.models


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0004_run_secrets_as"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EgressAllowEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "pattern",
                    models.CharField(
                        help_text="A host name (api.internal), *.suffix (*.corp.example), "
                        "host:port (localhost:8080) or a CIDR range (10.1.0.0/16, 127.0.0.1).",
                        max_length=255,
                        unique=True,
                        validators=[connectors.network.models.validate_pattern],
                    ),
                ),
                (
                    "note",
                    models.CharField(blank=True, help_text="Why it is allowed.", max_length=200),
                ),
                ("added_at", models.DateTimeField(auto_now_add=True)),
                (
                    "added_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "egress allow-list entry",
                "verbose_name_plural": "egress allow-list entries",
                "ordering": ["pattern"],
            },
        ),
        migrations.CreateModel(
            name="EgressAuditEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("pattern", models.CharField(db_index=True, max_length=255)),
                (
                    "action",
                    models.CharField(
                        choices=[("add", "added"), ("change", "changed"), ("remove", "removed")],
                        max_length=10,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200)),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-id"],
            },
        ),
    ]
