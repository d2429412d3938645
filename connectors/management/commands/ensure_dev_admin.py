"""Create the development admin on first start and print how to sign in."""

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from connectorhub.env import dev_secret_file

USERNAME = "admin"


class Command(BaseCommand):
    help = "Create a development superuser 'admin' (password kept in the data dir) if none exists."

    def handle(self, *args: Any, **options: Any) -> None:
        password_file = settings.DATA_DIR / "admin_password"
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exclude(username=USERNAME).exists():
            self.stdout.write("Sign in with your own superuser account.")
            return
        if not user_model.objects.filter(username=USERNAME).exists():
            password = dev_secret_file(password_file, lambda: secrets.token_urlsafe(12))
            user_model.objects.create_superuser(USERNAME, "", password)
        if password_file.exists():
            password = password_file.read_text().strip()
            self.stdout.write(f"Sign in as: {USERNAME} / {password}   (kept in {password_file})")
        else:
            self.stdout.write(f"Sign in as: {USERNAME} (its password was changed by hand)")
