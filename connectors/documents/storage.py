"""Where the document store keeps content: files under the data folder (`local`, the default) or
an S3-compatible bucket (`aws`, Camunda's store id for its AWS bucket storage), chosen by
`CONNECTORHUB_DOCUMENT_STORE`. Metadata stays in the database (`StoredDocument`); a backend only
puts, gets and deletes bytes by document id.

Camunda's self-managed document handling names these stores `local` and `aws`
(`DOCUMENT_DEFAULT_STORE_ID`; `DOCUMENT_STORE_AWS_BUCKET`, `DOCUMENT_STORE_AWS_BUCKET_PATH`);
the settings here mirror those names under the hub's prefix (docs/documents.md).
"""

from __future__ import annotations

import contextlib
import functools
import os
import typing
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from connectorhub.datadir import FILE_MODE, private_folder

LOCAL = "local"
AWS = "aws"
STORE_IDS = (LOCAL, AWS)
STORE_SETTING = "CONNECTORHUB_DOCUMENT_STORE"
BUCKET_SETTING = "CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET"
ENDPOINT_SETTING = "CONNECTORHUB_DOCUMENT_STORE_AWS_ENDPOINT"


class ContentMissing(Exception):
    """The backend has no content under that document id."""


class StorageUnavailable(Exception):
    """The backend cannot be used: misconfigured or unreachable. The message names the setting
    to look at and never carries a credential."""


@typing.runtime_checkable
class ContentStorage(typing.Protocol):
    """Bytes by document id; `get` raises ContentMissing, every call StorageUnavailable when the
    backend cannot be reached."""

    store_id: str

    def put(self, document_id: uuid.UUID, content: bytes, content_type: str) -> None: ...

    def get(self, document_id: uuid.UUID) -> bytes: ...

    def delete(self, document_id: uuid.UUID) -> None: ...


class LocalFileStorage:
    """CONNECTORHUB_DATA_DIR/documents/<document id>: the folder 0700, each file 0600 and written
    under a temporary name first, so a row never points at half a file."""

    store_id = LOCAL

    def folder(self) -> Path:
        folder = Path(settings.DATA_DIR) / "documents"
        private_folder(folder)
        return folder

    def path(self, document_id: uuid.UUID) -> Path:
        return self.folder() / str(document_id)

    def put(self, document_id: uuid.UUID, content: bytes, content_type: str) -> None:
        path = self.path(document_id)
        temporary = path.with_name(f".{path.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            raise

    def get(self, document_id: uuid.UUID) -> bytes:
        try:
            return self.path(document_id).read_bytes()
        except FileNotFoundError:
            raise ContentMissing(str(document_id)) from None

    def delete(self, document_id: uuid.UUID) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(document_id).unlink()


@dataclass(frozen=True)
class BucketSettings:
    """The `aws` store's settings (credentials from settings only: boto3's default chain would
    read this machine's files and instance metadata)."""

    bucket: str
    path: str
    endpoint: str
    region: str
    access_key: str
    secret_key: str


class S3BucketStorage:
    """An S3-compatible bucket through boto3: object `<bucket path>/<document id>`."""

    store_id = AWS

    def __init__(self, config: BucketSettings) -> None:
        self.config = config
        self.client = _s3_client(config)

    def key(self, document_id: uuid.UUID) -> str:
        prefix = self.config.path.strip("/")
        return f"{prefix}/{document_id}" if prefix else str(document_id)

    def put(self, document_id: uuid.UUID, content: bytes, content_type: str) -> None:
        with self._translated():
            self.client.put_object(
                Bucket=self.config.bucket,
                Key=self.key(document_id),
                Body=content,
                ContentType=content_type or "application/octet-stream",
            )

    def get(self, document_id: uuid.UUID) -> bytes:
        with self._translated():
            try:
                answer = self.client.get_object(
                    Bucket=self.config.bucket, Key=self.key(document_id)
                )
            except self.client.exceptions.NoSuchKey:
                raise ContentMissing(str(document_id)) from None
            data: bytes = answer["Body"].read()
            return data

    def delete(self, document_id: uuid.UUID) -> None:
        with self._translated():
            # S3 answers a delete of a missing key with success: expiry may run twice
            self.client.delete_object(Bucket=self.config.bucket, Key=self.key(document_id))

    @contextlib.contextmanager
    def _translated(self) -> typing.Iterator[None]:
        """botocore's failures as StorageUnavailable naming the setting to check."""
        from botocore.exceptions import BotoCoreError, ClientError  # boto3 is loaded lazily

        try:
            yield
        except ContentMissing:
            raise
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "NoSuchBucket":
                raise StorageUnavailable(
                    f"The document store's bucket '{self.config.bucket}' does not exist "
                    f"({BUCKET_SETTING})"
                ) from None
            raise StorageUnavailable(
                f"The document store's bucket '{self.config.bucket}' refused the request: {code} "
                f"(check {BUCKET_SETTING} and the credentials)"
            ) from None
        except BotoCoreError as exc:
            raise StorageUnavailable(
                f"The document store's bucket cannot be reached at "
                f"{self.config.endpoint or 'AWS'} ({ENDPOINT_SETTING}): {type(exc).__name__}"
            ) from None


def _s3_client(config: BucketSettings) -> Any:
    # botocore is imported here: it takes a while to load and most hubs keep files locally
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(
        "s3",
        endpoint_url=config.endpoint or None,
        region_name=config.region,
        aws_access_key_id=config.access_key,
        aws_secret_access_key=config.secret_key,
        # a store that does not answer fails the run soon rather than after boto's retries
        config=Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )


def bucket_settings() -> BucketSettings:
    """The `aws` store's settings; StorageUnavailable naming the first one that is missing."""
    config = BucketSettings(
        bucket=settings.CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET,
        path=settings.CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET_PATH,
        endpoint=settings.CONNECTORHUB_DOCUMENT_STORE_AWS_ENDPOINT,
        region=settings.CONNECTORHUB_DOCUMENT_STORE_AWS_REGION,
        access_key=settings.CONNECTORHUB_DOCUMENT_STORE_AWS_ACCESS_KEY_ID,
        secret_key=settings.CONNECTORHUB_DOCUMENT_STORE_AWS_SECRET_ACCESS_KEY,
    )
    required = [
        (BUCKET_SETTING, config.bucket),
        ("CONNECTORHUB_DOCUMENT_STORE_AWS_ACCESS_KEY_ID", config.access_key),
        ("CONNECTORHUB_DOCUMENT_STORE_AWS_SECRET_ACCESS_KEY", config.secret_key),
    ]
    for name, value in required:
        if not value:
            raise StorageUnavailable(f"{STORE_SETTING}={AWS} needs {name}")
    return config


@functools.lru_cache(maxsize=4)
def _bucket(config: BucketSettings) -> S3BucketStorage:
    # one client per configuration and process (botocore clients are thread-safe)
    return S3BucketStorage(config)


def default_store_id() -> str:
    """The store new documents go to (CONNECTORHUB_DOCUMENT_STORE)."""
    store_id: str = settings.CONNECTORHUB_DOCUMENT_STORE
    if store_id not in STORE_IDS:
        raise StorageUnavailable(f"{STORE_SETTING}={store_id!r} must be 'local' or 'aws'")
    return store_id


def storage_for(store_id: str) -> ContentStorage | None:
    """The backend of STORE_ID; None for a store this hub does not have. `local` is always
    readable, so documents stored before a switch to a bucket still load."""
    if store_id == LOCAL:
        return LocalFileStorage()
    if store_id == AWS and default_store_id() == AWS:
        return _bucket(bucket_settings())
    return None


def default_storage() -> ContentStorage:
    storage = storage_for(default_store_id())
    assert storage is not None  # default_store_id names a store this hub has
    return storage


def known_store_ids() -> tuple[str, ...]:
    """The store ids a reference may name here."""
    return (LOCAL,) if default_store_id() == LOCAL else (LOCAL, AWS)
