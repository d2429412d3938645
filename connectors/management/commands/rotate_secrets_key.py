"""Re-encrypt every stored secret under the first key of CONNECTORHUB_SECRETS_KEY.

Rotation: put the new key in front (CONNECTORHUB_SECRETS_KEY=NEW,OLD), restart, run this
command, then drop OLD. Both keys decrypt in between, so nothing stops working.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.credentials.services import credentials_rotate_key
from connectors.secrets.crypto import KEY_SETTING, generate_key
from connectors.secrets.errors import SecretError
from connectors.secrets.services import secrets_rotate_key
from connectors.secrets.store import cipher, key_source


class Command(BaseCommand):
    help = "Re-encrypt every secret value under the first key in CONNECTORHUB_SECRETS_KEY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--generate",
            action="store_true",
            help="Print a new key and exit (nothing is changed).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check that every value can be decrypted and say what would be re-encrypted.",
        )

    def handle(self, *args: Any, generate: bool, dry_run: bool, **options: Any) -> None:
        if generate:
            self.stdout.write(generate_key())
            return
        try:
            keys = cipher().key_count
            report = secrets_rotate_key(dry_run=dry_run)
        except SecretError as exc:
            raise CommandError(str(exc)) from None
        if report.undecryptable:
            raise CommandError(
                f"Nothing was changed: {len(report.undecryptable)} secret(s) cannot be decrypted "
                f"with any key in {KEY_SETTING}: {', '.join(report.undecryptable)}. Add the key "
                "they were saved with after the new one and run this again."
            )
        try:
            # credentials' secret fields are under the same key (docs/credentials.md)
            credentials = 0 if dry_run else credentials_rotate_key()
        except SecretError as exc:
            raise CommandError(str(exc)) from None
        if credentials:
            self.stdout.write(f"Re-encrypted the secret fields of {credentials} credential(s).")
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            f"Keys from {key_source()} ({keys} key(s)): {verb} {len(report.rotated)} secret(s); "
            f"{len(report.already_current)} already under the first key."
        )
        if not dry_run and keys > 1:
            self.stdout.write(
                f"Every value is now under the first key; the other key(s) can be removed from "
                f"{KEY_SETTING}."
            )
