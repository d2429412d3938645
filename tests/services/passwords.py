"""The password hasher of test sessions: Django's PBKDF2, with few rounds.

Production's PBKDF2 runs 1,000,000 rounds, about a quarter of a CPU second per hash; the suite
creates or signs in some 450 users. A hash records its algorithm and round count, so the hub's
own processes (a Celery worker, `make run` under test) verify these hashes unchanged.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000
