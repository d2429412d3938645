"""Web forms for secrets. The value widget never renders a value back, even after an error."""

from __future__ import annotations

from django import forms

from connectors.secrets.names import NAME_MAX_LENGTH, NAME_RULE
from connectors.secrets.services import DESCRIPTION_MAX_LENGTH, VALUE_MAX_LENGTH


def _value_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        # strip=False: leading or trailing spaces can be part of a password.
        strip=False,
        required=False,  # the service says why an empty value is refused
        max_length=VALUE_MAX_LENGTH,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password", "spellcheck": "false"}
        ),
        help_text="Write-only: after saving, nobody can read it here again.",
    )


def _hosts_field() -> forms.CharField:
    return forms.CharField(
        label="Allowed hosts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "api.github.com\n*.slack.com"}),
        help_text="One per line. A run that would send this secret anywhere else fails before "
        "the request. Empty: any host, and then only you (and staff) may use it in dry-runs; "
        "list hosts to let other users' dry-runs use it toward them.",
    )


class SecretCreateForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=f"{NAME_RULE.capitalize()}. Referenced as {{{{secrets.NAME}}}}.",
    )
    value = _value_field("Value")
    description = forms.CharField(
        required=False, max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    allowed_hosts = _hosts_field()


class SecretEditForm(forms.Form):
    description = forms.CharField(
        required=False, max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    allowed_hosts = _hosts_field()


class SecretValueForm(forms.Form):
    value = _value_field("New value")


def host_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]
