"""Schemathesis against the app's own /api/v1/openapi.json, anonymous, as an owner and as staff: no server error
and no response that the description does not promise (status, content type, headers, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import csrf_token, sign_in_directly, staff_of
from tests.factories.ballots import open_meeting
from voting.core.extensions import limiter

# positive_data_acceptance is left out on purpose: a ballot can be valid by the schema and still rightly refused
# (its signature, its chain, the register are beyond what a schema can say)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]
EXAMPLES = 30  # per operation, mode and role: about 1 000 requests in all


@pytest.mark.parametrize("role", ["anonymous", "owner", "staff"])
def test_the_api_keeps_its_description(app, client, role: str) -> None:
    state = open_meeting()
    headers: dict[str, str] = {}
    if role != "anonymous":
        account = state.voters[0].user if role == "owner" else staff_of(state.building.organisation)
        sign_in_directly(client, account)
        token = csrf_token(client, "/account/")
        cookie = client.get_cookie("session")
        assert cookie is not None
        headers = {"Cookie": f"session={cookie.value}", "X-CSRFToken": token}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    spec_paths = client.get("/api/v1/openapi.json").json["paths"]
    # real ids of this world among the generated ones, so that the calls reach the views, not only the 404s
    meeting_ids = st.sampled_from([state.meeting.id, state.meeting.id + 10_000])
    failures: list[str] = []
    calls: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            path_parameters = ({"meeting_id": meeting_ids} if "meeting_id" in operation.path
                               and mode is GenerationMode.POSITIVE else None)
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            try:
                _explore(strategy, headers, failures, calls, f"{role} {mode.value} {operation.label}")
            except Unsatisfiable:  # nothing to make invalid: an operation without parameters or body
                spec = spec_paths[operation.path][operation.method.lower()]
                assert mode is GenerationMode.NEGATIVE and not spec.get("parameters") and "requestBody" not in spec

    assert not failures, "\n\n".join(failures[:10])
    # the calls reached the views, not only the router: successes and refusals of several kinds
    assert len(calls) > 150 and 200 in calls and {404, 405} & set(calls) | {401, 403, 409, 422} & set(calls), \
        sorted(set(calls))


def _explore(strategy, headers: dict[str, str], failures: list[str], calls: list[int], label: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def explore(case) -> None:
        limiter.reset()  # the limits have their own tests; here every request must reach the view
        try:
            calls.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)
        except AssertionError as error:  # schemathesis raises one for every failed check
            failures.append(f"{label}: {str(error)[:600]}")

    explore()
