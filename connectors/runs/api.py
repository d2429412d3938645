"""/api/v1/runs/: start dry-runs and read them back, on the same services as the web UI.

POST answers 202 at once with the queued run (and its URL in Location); GET on the run shows
its progress, and `?wait=N` holds the request up to N seconds (at most MAX_WAIT) until the run
is done, so a client needs no polling loop of its own.

A run belongs to whoever started it: the list holds the caller's runs (every run for staff),
and someone else's run answers 404, as the web pages do. What a run answers has the values
typed into concealed fields masked (connectors.runs.masking), as the run page has.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.api.pagination import page_of
from connectors.api.parsers import VersionField
from connectors.catalogue.addresses import UNVERSIONED
from connectors.catalogue.selectors import get_entry, get_version
from connectors.models import Run, RunSource
from connectors.runs import events, masking, selectors, services
from connectors.runs.limits import RunLimitReached
from connectors.runs.stored import StoredOutcomeError

MAX_WAIT = 30.0


class RunStartSerializer(serializers.Serializer):
    template_id = serializers.CharField(max_length=255)
    version = VersionField(
        required=False,
        allow_null=True,
        help_text=f'Empty: the default version; "{UNVERSIONED}": the template without a version',
    )
    values = serializers.JSONField(
        required=False, help_text="Field values by field key, as the job endpoint takes them"
    )
    variables = serializers.JSONField(required=False, help_text="Sample process variables")
    time_limit = serializers.FloatField(
        required=False, allow_null=True, help_text="Seconds the connector call may take"
    )


class RunSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    template_id = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    template_name = serializers.CharField()
    job_type = serializers.CharField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    error_message = serializers.CharField()
    source = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.FloatField(allow_null=True)
    rerun_of = serializers.IntegerField(source="rerun_of_id", allow_null=True)

    def get_url(self, run: Run) -> str:
        return reverse("api-run-detail", args=[run.pk])

    def get_page_url(self, run: Run) -> str:
        return reverse("run-detail", args=[run.pk])


class RunSerializer(RunSummarySerializer):
    secrets_as = serializers.CharField(
        source="secrets_as.username",
        default=None,
        allow_null=True,
        help_text="Whose secret permissions the run uses: its starter, or for a re-run of "
        "someone else's run that person's (null: the dryrun command, or a deleted user)",
    )
    values = serializers.JSONField()
    variables = serializers.JSONField()
    job = serializers.JSONField()
    time_limit = serializers.FloatField()
    # The stored outcome (connectors.runs.stored) in the fields this API answered before it
    # was one record; a client written then reads the same names and values.
    result = serializers.SerializerMethodField(
        help_text="The outcome, as `manage.py dryrun` prints it (null until done)"
    )
    trace = serializers.SerializerMethodField(
        help_text="Timings, the error map, the error expression and the secrets used"
    )
    logs = serializers.SerializerMethodField()
    http_exchanges = serializers.SerializerMethodField(
        help_text="The exchanges of every protocol (HTTP requests and other connections)"
    )
    outcome_unreadable = serializers.SerializerMethodField(
        help_text="Why the stored outcome cannot be read by this hub (null when it can)"
    )
    configuration = serializers.IntegerField(source="configuration_id", allow_null=True)
    test_passed = serializers.BooleanField(allow_null=True)
    test_report = serializers.JSONField()

    def to_representation(self, instance: Run) -> Any:
        # read the record once for the five fields made from it
        self._problem: str | None = None
        try:
            self._record = instance.outcome_record
        except StoredOutcomeError as exc:
            self._record, self._problem = None, str(exc)
        return super().to_representation(instance)

    @extend_schema_field(serializers.JSONField())  # as these fields were declared before
    def get_result(self, run: Run) -> dict[str, Any] | None:
        return self._record.printed() if self._record is not None else None

    @extend_schema_field(serializers.JSONField())
    def get_trace(self, run: Run) -> dict[str, Any] | None:
        record = self._record
        if record is None or record.trace is None:
            return None
        trace = record.trace.model_dump()
        trace.update(  # the copies the trace carried before
            result=record.response,
            variables=record.variables,
            duration_ms=record.duration_ms,
            job_result=record.job_result,
        )
        return trace

    @extend_schema_field(serializers.JSONField())
    def get_logs(self, run: Run) -> list[dict[str, Any]]:
        return self._record.logs if self._record is not None else []

    @extend_schema_field(serializers.JSONField())
    def get_http_exchanges(self, run: Run) -> list[dict[str, Any]]:
        return self._record.exchanges if self._record is not None else []

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_outcome_unreadable(self, run: Run) -> str | None:
        return self._problem


@extend_schema(
    parameters=[
        OpenApiParameter("template_id", str, description="only runs of this template"),
        OpenApiParameter("status", str, enum=["queued", "running", "done"]),
        OpenApiParameter("outcome", str, enum=["completed", "bpmn_error", "failed"]),
    ],
    request=RunStartSerializer,
    responses={200: page_of(RunSummarySerializer), 202: RunSerializer, 429: None},
)
@extend_schema(methods=["GET"], operation_id="v1_runs_list")
@api_view(["GET", "POST"])
def run_list(request: Request) -> Response:
    if request.method == "POST":
        return _start(request)
    runs = selectors.run_list(
        user=request.user,
        template_id=request.query_params.get("template_id", ""),
        status=request.query_params.get("status", ""),
        outcome=request.query_params.get("outcome", ""),
    )
    paginator = PageNumberPagination()
    page = masking.shown_runs(paginator.paginate_queryset(runs, request) or [])
    return paginator.get_paginated_response(RunSummarySerializer(page, many=True).data)


def _start(request: Request) -> Response:
    body = request.data
    if not isinstance(body, dict):
        raise ValidationError({"non_field_errors": ["the body must be a JSON object"]})
    incoming = RunStartSerializer(data=body)
    incoming.is_valid(raise_exception=True)
    data = incoming.validated_data
    try:
        version = get_version(get_entry(data["template_id"]), data.get("version"))
    except Http404 as exc:
        field = "version" if "has no version" in str(exc) else "template_id"
        raise ValidationError({field: [str(exc)]}) from None
    try:
        run = services.run_start(
            version=version,
            values=data.get("values", {}),
            variables=data.get("variables", {}),
            user=request.user,
            source=RunSource.API,
            time_limit=data.get("time_limit"),
        )
    except RunLimitReached as refused:
        return _too_many(refused)
    except DjangoValidationError as exc:
        raise ValidationError(_errors(exc)) from None
    body = RunSerializer(masking.shown_run(run)).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


@extend_schema(
    parameters=[
        OpenApiParameter(
            "wait", float, description=f"seconds to wait for the run to finish (<= {MAX_WAIT:g})"
        )
    ],
    responses={200: RunSerializer},
)
@api_view(["GET"])
def run_detail(request: Request, pk: int) -> Response:
    wait = _wait_seconds(request.query_params.get("wait"))
    run = _get(pk, request)
    if wait > 0 and not run.is_done:
        visible = selectors.runs_visible_to(request.user)
        run = events.wait_for_change(
            pk, lambda: visible.filter(pk=pk).first(), _not_done, wait
        ) or _get(pk, request)
    return Response(RunSerializer(masking.shown_run(run)).data)


@extend_schema(request=None, responses={202: RunSerializer, 429: None})
@api_view(["POST"])
def run_rerun(request: Request, pk: int) -> Response:
    try:
        run = services.run_rerun(run=_get(pk, request), user=request.user, source=RunSource.API)
    except RunLimitReached as refused:
        return _too_many(refused)
    except DjangoValidationError as exc:
        raise ValidationError(_errors(exc)) from None
    body = RunSerializer(masking.shown_run(run)).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


def _too_many(refused: RunLimitReached) -> Response:
    """429 naming the limit, with Retry-After: the caller has started too many runs."""
    body = {
        "detail": refused.messages[0],
        "limit": refused.limit,
        "retry_after": refused.retry_after,
    }
    headers = {"Retry-After": str(refused.retry_after)}
    return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)


def _get(pk: int, request: Request) -> Run:
    try:
        return selectors.get_run(pk, user=request.user)
    except Http404:
        raise NotFound(f"No run {pk}") from None


def _not_done(run: Run | None) -> bool:
    return run is not None and not run.is_done


def _wait_seconds(text: str | None) -> float:
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise ValidationError({"wait": ["must be a number of seconds"]}) from None
    if not 0 <= value <= MAX_WAIT:
        raise ValidationError({"wait": [f"must be between 0 and {MAX_WAIT:g}"]})
    return value


def _errors(exc: DjangoValidationError) -> Any:
    return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
