"""The migrations match the models, so `make run` creates every table the code uses."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration(capsys):
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=1)
    except SystemExit as exit:
        pytest.fail(f"models changed without a migration:\n{capsys.readouterr().out}\n{exit}")
