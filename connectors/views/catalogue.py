"""The connector catalogue: what exists, what runs here."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "connectors/catalogue.html", {"entries": []})
