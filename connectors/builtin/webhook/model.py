"""The `inbound.*` properties of the webhook templates, as the runtime binds them (dotted keys as
nested objects: `inbound.auth.type` is `inbound.auth.type` here).

Facts from camunda/connectors: WebhookConnectorProperties, WebhookAuthorization (NONE, BASIC,
APIKEY, JWT) with JWTProperties, HMACScope, HMACSwitchCustomerChoice, HMACAlgoCustomerChoice,
DynamicWebhookProperties (`responseExpression`, the legacy `responseBodyExpression`),
SlackWebhookProperties and SnsWebhookConnectorProperties. Expressions the webhook evaluates per
request (locators, verification, response, permissions) stay text; `@FEEL` values (`=...`)
are evaluated when bound, as Camunda's bindProperties does. Secrets are filled in before
binding, so no message here repeats a value.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from connectorhub_sdk.types import FeelText, feel_object
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .hmac import HmacAlgorithm, HmacScope, strategy

# WebhookConnectorProperties' @Pattern on the webhook ID
CONTEXT_PATTERN = re.compile(r"^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$")
DEFAULT_API_KEY_LOCATOR = '=split(request.headers.authorization, " ")[2]'
SLACK_VERIFICATION = (
    '=if (body.type != null and body.type = "url_verification") '
    'then {body:{"challenge":body.challenge}, statusCode: 200} else null'
)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _text_list(value: Any) -> Any:
    """A FEEL list of texts (`=["admin"]`), its JSON, or one text."""
    if isinstance(value, str):
        value = [value]
    return value


Expression = Annotated[str | None, BeforeValidator(_blank_is_none)]
OptionalText = Annotated[FeelText | None, BeforeValidator(_blank_is_none)]


class _Loose(BaseModel):
    # templates carry more properties than a connector reads (old `inbound.variableMapping`,
    # `inbound.subtype`, the runtime's correlation settings)
    model_config = ConfigDict(extra="ignore")


class NoAuth(_Loose):
    type: Literal["NONE"] = "NONE"


class BasicAuth(_Loose):
    type: Literal["BASIC"]
    username: FeelText
    password: FeelText


class ApiKeyAuth(_Loose):
    type: Literal["APIKEY"]
    apiKey: FeelText
    apiKeyLocator: Annotated[str, BeforeValidator(_blank_is_none)] = DEFAULT_API_KEY_LOCATOR


class JwtProperties(_Loose):
    jwkUrl: FeelText
    permissionsExpression: Expression = None
    requiredPermissions: Annotated[
        list[str] | None,
        BeforeValidator(_text_list),
        BeforeValidator(feel_object),
        BeforeValidator(_blank_is_none),
    ] = None


class JwtAuth(_Loose):
    type: Literal["JWT"]
    jwt: JwtProperties


Auth = Annotated[NoAuth | BasicAuth | ApiKeyAuth | JwtAuth, Field(discriminator="type")]


class WebhookProperties(_Loose):
    """`inbound` of the generic webhook (io.camunda:webhook:1)."""

    context: str
    method: Literal["any", "get", "post", "put", "delete"] = "any"
    shouldValidateHmac: Literal["enabled", "disabled"] = "disabled"
    hmacSecret: OptionalText = None
    hmacHeader: OptionalText = None
    hmacAlgorithm: HmacAlgorithm = HmacAlgorithm.sha_256
    hmacScopes: Annotated[
        list[HmacScope] | None,
        BeforeValidator(feel_object),
        BeforeValidator(_blank_is_none),
    ] = None
    auth: Auth = Field(default_factory=NoAuth)
    verificationExpression: Expression = None
    responseExpression: Expression = None
    responseBodyExpression: Expression = None  # deprecated; Camunda still honours it

    @model_validator(mode="before")
    @classmethod
    def _lower_case_choices(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("method"), str):
                data["method"] = data["method"].lower()
            if isinstance(data.get("hmacScopes"), list):  # HMACScope's upper-case aliases
                data["hmacScopes"] = [
                    s.lower() if isinstance(s, str) else s for s in data["hmacScopes"]
                ]
        return data

    @model_validator(mode="after")
    def _check(self) -> WebhookProperties:
        _check_context(self.context)
        if self.shouldValidateHmac == "enabled":
            if not self.hmacSecret:
                raise ValueError("inbound.hmacSecret: required when HMAC authentication is enabled")
            if not self.hmacHeader:
                raise ValueError("inbound.hmacHeader: required when HMAC authentication is enabled")
            if strategy(self.scopes, "POST") is None:
                raise ValueError(
                    "inbound.hmacScopes: Camunda supports [body], [url, body], "
                    "[url, parameters] and [url, body, parameters]"
                )
        return self

    @property
    def scopes(self) -> list[HmacScope]:
        """Camunda signs the body when no scope is given."""
        return self.hmacScopes or [HmacScope.BODY]


class SlackProperties(_Loose):
    """`inbound` of io.camunda:slack-webhook:1."""

    context: str
    slackSigningSecret: FeelText
    verificationExpression: Annotated[str, BeforeValidator(_blank_is_none)] = SLACK_VERIFICATION

    @model_validator(mode="after")
    def _check(self) -> SlackProperties:
        _check_context(self.context)
        if not self.slackSigningSecret:
            raise ValueError("inbound.slackSigningSecret: must not be blank")
        return self


class SnsProperties(_Loose):
    """`inbound` of io.camunda:aws-sns-webhook:1."""

    context: str
    securitySubscriptionAllowedFor: Literal["any", "specific"] = "any"
    topicsAllowList: OptionalText = None

    @model_validator(mode="after")
    def _check(self) -> SnsProperties:
        _check_context(self.context)
        return self

    @property
    def allowed_topics(self) -> list[str]:
        """SnsWebhookConnectorProperties: the comma-separated ARNs."""
        return [t.strip() for t in (self.topicsAllowList or "").split(",") if t.strip()]


def _check_context(context: str) -> None:
    if not CONTEXT_PATTERN.match(context):
        raise ValueError(
            "inbound.context: can only contain letters, numbers, or single underscores/hyphens "
            "and cannot begin or end with an underscore/hyphen"
        )


class WebhookInput(_Loose):
    inbound: WebhookProperties


class SlackInput(_Loose):
    inbound: SlackProperties


class SnsInput(_Loose):
    inbound: SnsProperties
