"""The OpenAPI description of /api/v1/ (apispec with marshmallow schemas): each package that serves part of the
API adds its paths with a `describe(api)` function listed in the app's `veche.openapi` extension, and documents
its refusals with `problems(…)`: RFC 9457 problem bodies (`application/problem+json`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string", "description": "about:blank: the status says what happened"},
                   "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string", "description": "what was refused and why, in the reader's language"},
                   "field": {"type": "string", "description": "the field or parameter refused, when one was"}},
    "additionalProperties": True}
REASONS = {
    "401": "not signed in",
    "403": "refused: no valid CSRF token (send the session's token as X-CSRFToken), or not allowed",
    "404": "no such object, or not one the user may see (ids beyond 2147483647 included)",
    "405": "the method is not allowed here: `Allow` names those that are",
    "409": "the request conflicts with the object's state",
    "413": "the body is too large",
    "422": "the input is refused: `detail` says why, `field` names the field",
    "429": "too many requests: `Retry-After` says in how many seconds to try again",
}
HEADERS = {"405": {"Allow": {"description": "the allowed methods", "schema": {"type": "string"}}},
           "429": {"Retry-After": {"description": "seconds", "schema": {"type": "string"}}}}
READ = ("401", "404", "405", "429")
PUBLIC_READ = ("404", "405", "422", "429")
WRITE = ("401", "403", "404", "405", "409", "413", "422", "429")


def problems(*statuses: str, **reasons: str) -> dict[str, Any]:
    """The responses of these statuses as problems; `reasons` (by status, as `s409=…`) say more than the default."""
    return {status: {"description": reasons.get(f"s{status}", REASONS[status]),
                     "content": {PROBLEM: {"schema": "Problem"}}, **({"headers": HEADERS[status]}
                                                                     if status in HEADERS else {})}
            for status in statuses}


def spec(describers: Iterable[Callable[[APISpec], None]]) -> APISpec:
    api = APISpec(title="veche", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                  info={"description": "Owners' general meetings: signed ballots and receipts (FORMATS.md §5), "
                                       "the regional indicator (oss-indicator/1). Every refusal is an RFC 9457 "
                                       "problem (application/problem+json)."})
    api.components.schema("Problem", PROBLEM_SCHEMA)
    for describe in describers:
        describe(api)
    return api
