"""The Celery beat task that deletes expired documents (CELERY_BEAT_SCHEDULE names it;
CELERY_IMPORTS loads this module in the worker)."""

from __future__ import annotations

from celery import shared_task

from connectors.documents.services import documents_expire

EXPIRE_TASK = "connectors.expire_documents"


@shared_task(name=EXPIRE_TASK, ignore_result=True)  # type: ignore[untyped-decorator]
def expire_documents() -> int:
    return documents_expire()
