"""The OpenAPI description of /api/v1/ (apispec with marshmallow schemas): each package that serves part of the
API adds its paths with a `describe(api)` function listed in the app's `veche.openapi` extension."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin


def spec(describers: Iterable[Callable[[APISpec], None]]) -> APISpec:
    api = APISpec(title="veche", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                  info={"description": "Owners' general meetings: signed ballots and receipts (FORMATS.md §5), "
                                       "the regional indicator (oss-indicator/1)."})
    for describe in describers:
        describe(api)
    return api
