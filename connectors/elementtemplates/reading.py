"""All-or-nothing reading of an uploaded document: bytes in, typed templates out."""

from .loading import TemplateLoadError, load_templates
from .model import ElementTemplate
from .validation import TemplateError, validate_templates


class TemplateValidationError(ValueError):
    """The document holds at least one invalid template; `errors` lists every problem."""

    def __init__(self, errors: list[TemplateError]) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"{len(errors)} problem(s): {shown}{more}")


def read_templates(raw: bytes | str) -> list[ElementTemplate]:
    """Load, validate and model every template of a document, or reject the document whole.

    Raises `TemplateLoadError` when the document cannot be read and `TemplateValidationError`
    (carrying all errors) when any template in it is invalid, so nothing is half-imported.
    """
    data = load_templates(raw)
    errors = validate_templates(data)
    if errors:
        raise TemplateValidationError(errors)
    return [ElementTemplate.from_dict(item) for item in data]


__all__ = ["TemplateLoadError", "TemplateValidationError", "read_templates"]
