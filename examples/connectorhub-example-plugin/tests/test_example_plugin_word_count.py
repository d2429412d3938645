"""The word-count connector, run as the hub runs it, with the SDK's test helper alone."""

from __future__ import annotations

import pytest
from connectorhub_example_plugin import word_count
from connectorhub_sdk import ConnectorInputError, InputBindingError
from connectorhub_sdk.testing import run_connector


def test_counts_words_ignoring_case_by_default() -> None:
    result = run_connector(word_count, {"text": "the cat and The hat", "top": 2})
    assert result == {"total": 5, "top": [{"word": "the", "count": 2}, {"word": "and", "count": 1}]}


def test_case_can_be_kept() -> None:
    result = run_connector(word_count, {"text": "A a a", "case": "keep", "top": "1"})
    assert result == {"total": 3, "top": [{"word": "a", "count": 2}]}


def test_the_text_may_come_from_a_secret() -> None:
    result = run_connector(word_count, {"text": "{{secrets.WORDS}}"}, secrets={"WORDS": "x y x"})
    assert result["top"][0] == {"word": "x", "count": 2}


def test_a_text_without_words_is_an_input_error_on_its_field() -> None:
    with pytest.raises(ConnectorInputError) as caught:
        run_connector(word_count, {"text": "   "})
    assert caught.value.field == "text"


def test_top_outside_its_range_is_refused_by_binding() -> None:
    with pytest.raises(InputBindingError, match="Property: top: Validation failed"):
        run_connector(word_count, {"text": "a", "top": 0})


def test_its_template_carries_the_models_rules() -> None:
    template = word_count.element_template()
    text = next(p for p in template["properties"] if p.get("id") == "text")
    assert text["type"] == "Text" and text["constraints"] == {"notEmpty": True}
