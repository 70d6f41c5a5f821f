"""Schemathesis drives the whole API, in process, as an admin: no server errors, and
every response matches the OpenAPI schema."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as openapi_checks

from app.config import Settings
from app.storage.db import make_engine
from app.web.main import create_app
from tests.conftest import copy_template, reliability

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("LOCMAP_FUZZ_EXAMPLES", "20"))
#: Fewer operations than this in the schema means routes went missing from it.
MINIMUM_OPERATIONS = 30
CHECKS = (
    st_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
)


# The schema is read at collection from an app whose database stays empty until the
# tests run (then it is filled from the service template): collection stays cheap.
ENGINE = make_engine("sqlite://")
APP = create_app(Settings(database_url="sqlite://", load_samples=False), engine=ENGINE)
SCHEMA = schemathesis.openapi.from_asgi("/api/openapi.json", APP)
TOTALS = {"cases": 0, "operations": 0}


@pytest.fixture(scope="module")
def admin_token(service_template):
    """Fills the app's database (the samples and a user of each role); the admin's token."""
    template, tokens = service_template
    copy_template(template, ENGINE)
    yield tokens["admin"]
    reliability(
        f"schemathesis in process (from_asgi) as admin: {TOTALS['cases']} cases over "
        f"{TOTALS['operations']} operations, 0 server errors"
    )


@pytest.fixture
def cases():
    """Counts one operation's cases; an operation for which no case ran fails."""
    counted = [0]
    yield counted
    TOTALS["cases"] += counted[0]
    TOTALS["operations"] += 1
    assert counted[0] > 0, "no fuzz case ran for this operation"


def test_the_schema_holds_every_api_operation():
    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    assert len(operations) >= MINIMUM_OPERATIONS


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_as_admin(case, admin_token, cases):
    cases[0] += 1
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
