"""Recorded exchanges and offline replay (issue 24): a test case's pinned recording and the
recording a run replays. Depends on 0008: 0009 (inbound) is added in parallel and the two are
put in order when merged."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("connectors", "0009_credentials")]

    operations = [
        migrations.AddField(
            model_name="run",
            name="replay",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="runtestcase",
            name="recording",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
