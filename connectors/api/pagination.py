"""What a paginated list answers, for the schema: the page object, not a bare array.

The list views paginate by hand (function views), so drf-spectacular cannot see the
paginator; `page_of(Serializer)` gives it the shape PageNumberPagination really returns.
"""

from __future__ import annotations

from functools import cache

from rest_framework import serializers


@cache
def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """A serializer class `Paginated<Item>List`: count, next, previous and results."""
    name = item.__name__.removesuffix("Serializer")
    fields = {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": item(many=True),
    }
    return type(f"Paginated{name}List", (serializers.Serializer,), fields)
