"""The S3 connector against moto: every version of Camunda's template uploads, downloads and
deletes (corpus), the current one's results read back with plain boto3 (bytes, content type,
metadata), documents in and out through a document store, and Camunda's errors."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connectorhub_sdk.documents import (
    DocumentCreationRequest,
    DocumentReference,
    InMemoryDocumentStore,
)
from cryptography.fernet import Fernet

from connectors.builtin.aws.s3 import s3
from connectors.catalogue.importing import import_documents
from connectors.documents.store import HubDocumentStore
from connectors.elementtemplates import ElementTemplate, build_job
from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import ImportSource, Run, SecretAuditEvent, TemplateVersion
from connectors.network.policy import EgressPolicy
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from connectors.secrets.services import secret_create
from tests.aws.conftest import aws_values, client, secrets_of, with_endpoint
from tests.builtin.conftest import LOCAL_ONLY, templates, values_for
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401
from tests.elementtemplates.corpus import corpus_template
from tests.services.moto import Moto
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

pytestmark = pytest.mark.xdist_group("moto")

S3 = ("aws-s3-outbound-connector.json", "io.camunda.connectors.aws.s3.v1", 8)
MODEL = "software.amazon.awssdk.services.s3.model"
VERSIONS = sorted((t for t in templates(S3[0]) if t.id == S3[1]), key=lambda t: t.version or 0)
BINARY = bytes(range(256)) * 3  # every byte value: nothing may be decoded on the way


def s3_template(version: int = S3[2]) -> ElementTemplate:
    return with_endpoint(S3, version)


def run(
    moto: Moto,
    values: dict[str, Any],
    *,
    tpl: ElementTemplate | None = None,
    variables: dict[str, Any] | None = None,
    store: InMemoryDocumentStore | None = None,
    secrets: dict[str, str] | None = None,
) -> Outcome:
    """A job built from TPL (the current version) with process VARIABLES, run with STORE."""
    tpl = tpl or s3_template()
    job = build_job(tpl, values_for(tpl, {**aws_values(moto), **values}), variables or {})
    assert not job.errors, job.errors
    assert job.type == s3.type
    return run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers, retries=3),
        secrets=MappingSecretProvider(secrets or secrets_of(moto)),
        time_limit=30.0,
        address_policy=LOCAL_ONLY,
        document_store=store if store is not None else InMemoryDocumentStore(),
    )


def result(outcome: Outcome) -> Any:
    assert outcome.kind == "completed", outcome
    return outcome.variables["result"]


def document(
    store: InMemoryDocumentStore, content: bytes, content_type: str, name: str | None
) -> dict[str, Any]:
    request = DocumentCreationRequest(content=content, content_type=content_type, file_name=name)
    return store.create(request).as_json()


def read_back(store: InMemoryDocumentStore, reference: dict[str, Any]) -> bytes:
    return store.read(DocumentReference.model_validate(reference))


def upload_values(key: str | None = "in/orders.bin") -> dict[str, Any]:
    """Upload of the process variable `doc` (v1-v2: the reference field; v3+: its source)."""
    values = {
        "actionDiscriminator": "uploadObject",
        "action.bucket": "orders",
        "action.document": "=doc",
        "action.action_document_documentSource": "camunda",
        "action.action_document_camundaReference": "=doc",
    }
    return values if key is None else {**values, "action.key": key}


def download_values(key: str, choice: str | None = None, **more: Any) -> dict[str, Any]:
    values = {"actionDiscriminator": "downloadObject", "action.bucket": "orders",
              "action.key": key, **more}  # fmt: skip
    return values if choice is None else {**values, "documentReturnFormat.choice": choice}


def has_return_format(tpl: ElementTemplate) -> bool:
    return any(p.binding.name == "documentReturnFormat.choice" for p in tpl.properties)


@pytest.mark.parametrize("tpl", VERSIONS, ids=[f"v{t.version}" for t in VERSIONS])
def test_every_version_uploads_downloads_and_deletes(moto: Moto, tpl: ElementTemplate) -> None:
    """The corpus test: each version's own job (its endpoint made a field) runs every action."""
    raw = client(moto, "s3")
    raw.create_bucket(
        Bucket="orders", CreateBucketConfiguration={"LocationConstraint": moto.region}
    )
    store = InMemoryDocumentStore()
    doc = document(store, BINARY, "application/pdf", "orders.pdf")
    tpl = s3_template(tpl.version or 0)

    uploaded = result(run(moto, upload_values(), tpl=tpl, variables={"doc": doc}, store=store))
    assert uploaded == {"bucket": "orders", "key": "in/orders.bin",
                        "link": "https://orders.s3.amazonaws.com/in/orders.bin"}  # fmt: skip
    assert raw.get_object(Bucket="orders", Key="in/orders.bin")["Body"].read() == BINARY

    # the document as every version can ask for it: the choice (v5+) or "as file" (v1-v4)
    extra = {"documentReturnFormat.choice": "DOCUMENT"} if has_return_format(tpl) else {}
    extra |= {} if has_return_format(tpl) else {"action.asFile": True}
    downloaded = result(run(moto, download_values("in/orders.bin", **extra), tpl=tpl, store=store))
    assert set(downloaded) == {"bucket", "key", "element"}
    assert read_back(store, downloaded["element"]["document"]) == BINARY

    deleted = result(run(moto, {"actionDiscriminator": "deleteObject", "action.bucket": "orders",
                                "action.key": "in/orders.bin"}, tpl=tpl))  # fmt: skip
    assert deleted == {"bucket": "orders", "key": "in/orders.bin"}
    assert raw.list_objects_v2(Bucket="orders").get("KeyCount") == 0


@pytest.fixture
def bucket(moto: Moto) -> Any:
    """An empty bucket `orders` on moto, and a plain boto3 client to read it."""
    raw = client(moto, "s3")
    raw.create_bucket(
        Bucket="orders", CreateBucketConfiguration={"LocationConstraint": moto.region}
    )
    return raw


def test_an_upload_stores_the_bytes_and_content_type(moto: Moto, bucket: Any) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, BINARY, "image/png", "scan.png")

    outcome = run(moto, upload_values(), variables={"doc": doc}, store=store)

    assert result(outcome)["key"] == "in/orders.bin"
    stored = bucket.get_object(Bucket="orders", Key="in/orders.bin")
    assert stored["Body"].read() == BINARY
    assert stored["ContentType"] == "image/png" and stored["ContentLength"] == len(BINARY)
    assert stored["Metadata"] == {}  # Camunda's connector sends no user metadata
    (exchange,) = outcome.trace.exchanges
    assert exchange["summary"] == "S3 PutObject · to orders/in/orders.bin"
    assert f"<{len(BINARY)} bytes of image/png>" in exchange["request_body"]


def test_without_a_key_the_file_name_is_the_key(moto: Moto, bucket: Any) -> None:
    store = InMemoryDocumentStore()
    doc = document(store, b"a,b\n1,2\n", "text/csv", "report.csv")

    uploaded = result(run(moto, upload_values(key=None), variables={"doc": doc}, store=store))

    assert bucket.get_object(Bucket="orders", Key="report.csv")["Body"].read() == b"a,b\n1,2\n"
    # Camunda's UploadResponse repeats the key as given: none
    assert uploaded == {"bucket": "orders", "key": None,
                        "link": "https://orders.s3.amazonaws.com/null"}  # fmt: skip


def test_an_inline_document_is_uploaded(moto: Moto, bucket: Any) -> None:
    values = {
        "actionDiscriminator": "uploadObject",
        "action.bucket": "orders",
        "action.key": "note.txt",
        "action.action_document_documentSource": "inline",
        "action.action_document_inline_content": "Grüße",
        "action.action_document_inline_fileName": "note.txt",
        "action.action_document_inline_contentType": "text/plain",
    }
    result(run(moto, values))

    stored = bucket.get_object(Bucket="orders", Key="note.txt")
    assert stored["Body"].read() == "Grüße".encode()
    assert stored["ContentType"] == "text/plain"


def test_a_download_as_a_document(moto: Moto, bucket: Any) -> None:
    bucket.put_object(Bucket="orders", Key="a/scan.pdf", Body=BINARY, ContentType="application/pdf")
    store = InMemoryDocumentStore()

    answer = result(run(moto, download_values("a/scan.pdf", "DOCUMENT"), store=store))

    reference = answer["element"]["document"]
    assert reference["camunda.document.type"] == "camunda"
    assert reference["metadata"]["contentType"] == "application/pdf"
    assert reference["metadata"]["fileName"] == "a/scan.pdf"  # the key, as in Camunda
    assert reference["metadata"]["size"] == len(BINARY)
    assert read_back(store, reference) == BINARY
    assert (answer["bucket"], answer["key"]) == ("orders", "a/scan.pdf")


def test_a_download_as_text_and_as_json(moto: Moto, bucket: Any) -> None:
    bucket.put_object(Bucket="orders", Key="latin.txt", Body="Grüße".encode("latin-1"))
    bucket.put_object(Bucket="orders", Key="o.json", Body=b'{"order": 42, "items": ["a"]}')

    text = result(run(moto, download_values("latin.txt", "TEXT", **{
        "documentReturnFormat.encoding": "ISO-8859-1"})))  # fmt: skip
    parsed = result(run(moto, download_values("o.json", "JSON")))

    assert text == {"bucket": "orders", "key": "latin.txt", "element": {"content": "Grüße"}}
    assert parsed["element"] == {"content": {"order": 42, "items": ["a"]}}


def test_a_download_that_is_not_json_when_json_is_chosen(moto: Moto, bucket: Any) -> None:
    bucket.put_object(Bucket="orders", Key="o.txt", Body=b"not json")

    outcome = run(moto, download_values("o.txt", "JSON"))

    assert outcome.kind == "failed"
    assert outcome.message.startswith("JSON response format selected but payload is not valid")


def test_older_versions_return_content_by_its_type(moto: Moto, bucket: Any) -> None:
    """v1-v4 without "as file": exactly text/plain is text, application/json parsed, the rest
    base64 (S3Executor.retrieveResponseWithContent)."""
    bucket.put_object(Bucket="orders", Key="t", Body="Grüße".encode(), ContentType="text/plain")
    bucket.put_object(Bucket="orders", Key="j", Body=b'{"n": 1}', ContentType="application/json")
    bucket.put_object(Bucket="orders", Key="b", Body=BINARY, ContentType="image/png")
    v4 = s3_template(4)

    def content(key: str) -> Any:
        answer = result(run(moto, download_values(key, **{"action.asFile": False}), tpl=v4))
        return answer["element"]["content"]

    assert content("t") == "Grüße"
    assert content("j") == {"n": 1}
    assert base64.b64decode(content("b")) == BINARY


def test_a_delete_removes_the_object(moto: Moto, bucket: Any) -> None:
    bucket.put_object(Bucket="orders", Key="old.txt", Body=b"x")
    bucket.put_object(Bucket="orders", Key="keep.txt", Body=b"y")

    answer = result(run(moto, {"actionDiscriminator": "deleteObject", "action.bucket": "orders",
                               "action.key": "old.txt"}))  # fmt: skip

    assert answer == {"bucket": "orders", "key": "old.txt"}
    keys = [o["Key"] for o in bucket.list_objects_v2(Bucket="orders")["Contents"]]
    assert keys == ["keep.txt"]


def failed(outcome: Outcome, java_type: str) -> str:
    assert outcome.kind == "failed", outcome
    assert outcome.retries == 2
    error: dict[str, Any] = outcome.trace.error or {}
    assert error["type"] == java_type and "code" not in error
    message: str = error["message"]
    return message


def shown(outcome: Outcome) -> str:
    return repr(outcome) + json.dumps(outcome.trace.__dict__, default=str)


def test_a_missing_bucket_and_a_missing_key(moto: Moto, bucket: Any) -> None:
    outcome = run(moto, {"actionDiscriminator": "deleteObject", "action.bucket": "nowhere",
                         "action.key": "k"})  # fmt: skip
    message = failed(outcome, f"{MODEL}.NoSuchBucketException")
    assert message.startswith("The specified bucket does not exist (Service: S3, Status Code: 404")

    outcome = run(moto, download_values("missing.txt", "DOCUMENT"))
    message = failed(outcome, f"{MODEL}.NoSuchKeyException")
    assert message.startswith("The specified key does not exist. (Service: S3, Status Code: 404")
    assert moto.secret_key not in shown(outcome) and moto.access_key not in shown(outcome)


@contextlib.contextmanager
def checked(moto: Moto) -> Iterator[None]:
    """moto checking signatures, after the bucket is created."""
    with moto.enforce_iam(unchecked_calls=1):
        client(moto, "s3").create_bucket(
            Bucket="orders", CreateBucketConfiguration={"LocationConstraint": moto.region}
        )
        yield


def test_wrong_keys(moto: Moto) -> None:
    wrong = {"AWS_ACCESS_KEY": "AKIAWRONGWRONGWRONG1", "AWS_SECRET_KEY": "Wrong-Secret-Key-1"}
    with checked(moto):
        outcome = run(moto, download_values("x", "TEXT"), secrets=wrong)

    message = failed(outcome, f"{MODEL}.S3Exception")
    assert message.startswith(
        "The AWS Access Key Id you provided does not exist in our records. (Service: S3, "
        "Status Code: 403"
    ), message
    assert "Wrong-Secret-Key-1" not in shown(outcome)
    assert "AKIAWRONGWRONGWRONG1" not in shown(outcome)


def test_access_denied(moto: Moto) -> None:
    """A user whose policy allows listing buckets only."""
    allow = [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]
    policy = json.dumps({"Version": "2012-10-17", "Statement": allow})
    with moto.enforce_iam(unchecked_calls=4):
        iam = client(moto, "iam")
        iam.create_user(UserName="clerk")
        key = iam.create_access_key(UserName="clerk")["AccessKey"]
        iam.put_user_policy(UserName="clerk", PolicyName="p", PolicyDocument=policy)
        client(moto, "s3").create_bucket(
            Bucket="orders", CreateBucketConfiguration={"LocationConstraint": moto.region}
        )
        keys = {"AWS_ACCESS_KEY": key["AccessKeyId"], "AWS_SECRET_KEY": key["SecretAccessKey"]}
        outcome = run(moto, {"actionDiscriminator": "deleteObject", "action.bucket": "orders",
                             "action.key": "k"}, secrets=keys)  # fmt: skip

    # S3's service model names the error (AccessDenied), so both SDKs have a class for it
    message = failed(outcome, f"{MODEL}.AccessDeniedException")
    assert message.startswith("Access Denied (Service: S3, Status Code: 403"), message
    assert key["SecretAccessKey"] not in shown(outcome)


def test_the_egress_policy_refuses_a_loopback_endpoint(moto: Moto, bucket: Any) -> None:
    tpl = s3_template()
    values = {**aws_values(moto), **download_values("k", "TEXT")}
    job = build_job(tpl, values_for(tpl, values))
    assert job.type is not None
    outcome = run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider(secrets_of(moto)),
        time_limit=30.0,
        address_policy=EgressPolicy(),
        document_store=InMemoryDocumentStore(),
    )

    assert outcome.kind == "failed" and outcome.retries == 0, outcome
    assert "The egress policy refused 127.0.0.1" in outcome.message


def test_bad_input_names_the_field(moto: Moto, bucket: Any) -> None:
    bucket.put_object(Bucket="orders", Key="k", Body=b"x")
    outcome = run(moto, {"actionDiscriminator": "deleteObject", "action.bucket": "orders",
                         "action.key": " "})  # fmt: skip
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith("action.key: must not be blank"), outcome.message

    no_doc = {"actionDiscriminator": "uploadObject", "action.bucket": "orders",
              "action.key": "k", "action.action_document_documentSource": "camunda",
              "action.action_document_camundaReference": "=missing"}  # fmt: skip
    outcome = run(moto, no_doc)
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith("action.document: must not be null"), outcome.message

    outcome = run(moto, download_values("k", "TEXT", **{"documentReturnFormat.encoding": "nope"}))
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith("documentReturnFormat.encoding: Unsupported charset")


@pytest.fixture
def s3_version(db: None) -> Any:
    """The current template imported into the hub, its Hidden endpoint made a field."""
    raw = corpus_template(S3[1], S3[2])
    for prop in raw["properties"]:
        if prop.get("binding", {}).get("name") == "configuration.endpoint":
            prop["type"] = "String"
    report = import_documents([("aws-s3.json", json.dumps(raw).encode())],
                              source=ImportSource.COMMAND)  # fmt: skip
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=S3[1], version=S3[2])


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_dry_run_uploads_and_downloads_with_the_keys_as_hub_secrets(
    egress_worker: Any,  # noqa: F811
    s3_version: Any,
    moto: Moto,
    bucket: Any,
    user: Any,
) -> None:
    for name, value in secrets_of(moto).items():
        secret_create(name=name, value=value, allowed_hosts=["127.0.0.1"], user=user)
    upload = dry_run(s3_version, aws_values(moto, **{
        "actionDiscriminator": "uploadObject",
        "action.bucket": "orders",
        "action.key": "notes/hello.txt",
        "action.action_document_documentSource": "inline",
        "action.action_document_inline_content": "Grüße aus dem Hub",
        "action.action_document_inline_fileName": "hello.txt",
        "action.action_document_inline_contentType": "text/plain",
    }), user)  # fmt: skip
    assert upload.outcome == "completed", upload.error_message
    stored = bucket.get_object(Bucket="orders", Key="notes/hello.txt")
    assert stored["Body"].read() == "Grüße aus dem Hub".encode()
    assert stored["ContentType"] == "text/plain"

    download = dry_run(s3_version, aws_values(moto, **download_values(
        "notes/hello.txt", "DOCUMENT")), user)  # fmt: skip
    assert download.outcome == "completed", download.error_message
    reference = download.outcome_record.variables["result"]["element"]["document"]
    content = HubDocumentStore().read(DocumentReference.model_validate(reference))
    assert content == "Grüße aus dem Hub".encode()
    assert reference["metadata"]["fileName"] == "notes/hello.txt"
    for run in (upload, download):
        everything = json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)
        assert moto.secret_key not in everything and moto.access_key not in everything
    exchanges = download.outcome_record.exchanges
    assert [e["summary"] for e in exchanges] == ["S3 GetObject · from orders/notes/hello.txt"]


@pytest.mark.zeebe
@pytest.mark.django_db(transaction=True)
def test_a_live_job_uploads_a_document_from_the_process(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    moto: Moto,
    bucket: Any,
) -> None:
    """The current template's inputs as a process's input mappings on the test engine, the
    secret key a hub secret; the document comes from a process variable."""
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="AWS_SECRET", value=moto.secret_key)
    inputs = {
        "actionDiscriminator": "uploadObject",
        "authentication.type": "credentials",
        "authentication.accessKey": moto.access_key,
        "authentication.secretKey": "{{secrets.AWS_SECRET}}",
        "configuration.region": moto.region,
        "configuration.endpoint": moto.endpoint,
        "action.bucket": "orders",
        "action.key": '="live/" + name',
        "action.document": '={"camunda.document.type": "inline", content: note, name: name, '
        'contentType: "text/plain"}',
    }
    process_id = unique("s3")
    bpmn = task_process(process_id, s3.type, inputs=inputs, headers={"resultVariable": "put"})
    worker = build_worker({"address": zeebe_address, "job_types": [s3.type], "name": process_id})

    start = {"note": "Bestellung 42 ✓", "name": "note.txt"}
    variables = run_with_live_worker(zeebe_address, worker, bpmn, process_id, tmp_path, start)

    link = "https://orders.s3.amazonaws.com/live/note.txt"
    assert variables["put"] == {"bucket": "orders", "key": "live/note.txt", "link": link}
    stored = bucket.get_object(Bucket="orders", Key="live/note.txt")
    assert stored["Body"].read() == "Bestellung 42 ✓".encode()
    assert stored["ContentType"] == "text/plain"
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == s3.type
    assert moto.secret_key not in repr(variables)
