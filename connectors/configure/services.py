"""Writes of saved configurations. Values are checked exactly as for a run: bad input is
never stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from connectors.models import SavedConfiguration, TemplateVersion

from .checking import check
from .loading import template_for

NAME_MAX_LENGTH = SavedConfiguration._meta.get_field("name").max_length or 200


class ConfigurationInvalid(Exception):
    """The configuration was not saved; `errors` is `{field: [messages]}` like the job API's."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def configuration_save(
    *,
    owner: Any,
    version: TemplateVersion,
    name: str,
    values: Mapping[str, Any],
    variables: Mapping[str, Any],
    configuration: SavedConfiguration | None = None,
) -> SavedConfiguration:
    """Create (or update `configuration`) for `version`; raises ConfigurationInvalid."""
    name = " ".join(str(name).split())
    errors = _name_errors(owner, name, configuration)
    errors.update(check(template_for(version), values, variables).errors)
    if errors:
        raise ConfigurationInvalid(errors)
    target = configuration or SavedConfiguration(owner=owner)
    target.name = name
    target.template_id = version.entry.template_id
    target.template_version = version.version
    target.values = dict(values)
    target.variables = dict(variables)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:  # a concurrent save took the name
        raise ConfigurationInvalid({"name": [_taken(name)]}) from None
    return target


def configuration_rename(*, configuration: SavedConfiguration, name: str) -> SavedConfiguration:
    name = " ".join(str(name).split())
    errors = _name_errors(configuration.owner, name, configuration)
    if errors:
        raise ConfigurationInvalid(errors)
    configuration.name = name
    configuration.save(update_fields=["name", "updated_at"])
    return configuration


def configuration_duplicate(*, configuration: SavedConfiguration) -> SavedConfiguration:
    """A copy named "<name> (copy)", "<name> (copy 2)", ... owned by the same user."""
    taken = set(
        SavedConfiguration.objects.filter(owner=configuration.owner).values_list("name", flat=True)
    )
    base = configuration.name[: NAME_MAX_LENGTH - 12]
    name = f"{base} (copy)"
    number = 2
    while name in taken:
        name = f"{base} (copy {number})"
        number += 1
    return SavedConfiguration.objects.create(
        owner=configuration.owner,
        name=name,
        template_id=configuration.template_id,
        template_version=configuration.template_version,
        values=configuration.values,
        variables=configuration.variables,
    )


def configuration_delete(*, configuration: SavedConfiguration) -> None:
    configuration.delete()


def _name_errors(
    owner: Any, name: str, configuration: SavedConfiguration | None
) -> dict[str, list[str]]:
    if not name:
        return {"name": ["give the configuration a name"]}
    if len(name) > NAME_MAX_LENGTH:
        return {"name": [f"at most {NAME_MAX_LENGTH} characters"]}
    clash = SavedConfiguration.objects.filter(owner=owner, name=name)
    if configuration is not None and configuration.pk:
        clash = clash.exclude(pk=configuration.pk)
    return {"name": [_taken(name)]} if clash.exists() else {}


def _taken(name: str) -> str:
    return f"you already have a configuration named {name!r}"
