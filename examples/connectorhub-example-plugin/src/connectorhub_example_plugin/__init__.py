"""Count the words of a text: the smallest useful ConnectorHub plugin."""

from __future__ import annotations

from typing import Literal

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector, ui
from pydantic import BaseModel, Field


class WordCountInput(BaseModel):
    text: str = Field(description="The text to count", json_schema_extra=ui(type="Text"))
    case: Literal["keep", "lower"] = Field(
        default="lower",
        description="Whether 'Word' and 'word' count as one",
        json_schema_extra=ui(choices={"keep": "Case-sensitive", "lower": "Ignore case"}),
    )
    top: int = Field(default=3, ge=1, le=100, description="How many of the most frequent words")


@connector(
    type="io.connectorhub.example:word-count:1",
    name="Word count (example plugin)",
    input=WordCountInput,
    description="Counts words and returns the most frequent ones.",
)
def word_count(data: WordCountInput, context: ConnectorContext) -> JSON:
    words = data.text.split()
    if not words:
        raise ConnectorInputError("the text has no words", field="text")
    if data.case == "lower":
        words = [word.lower() for word in words]
    counts: dict[str, int] = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    context.logger.info("counted %d words", len(words))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: data.top]
    return {"total": len(words), "top": [{"word": word, "count": n} for word, n in ranked]}
