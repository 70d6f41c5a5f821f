"""Schemathesis drives the whole API, in process, as an admin: no server errors, and
every response matches the OpenAPI schema."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import checks as st_checks  # noqa: E402
from schemathesis.specs.openapi import checks as openapi_checks  # noqa: E402
from sqlalchemy.pool import StaticPool  # noqa: E402
from sqlmodel import SQLModel, create_engine  # noqa: E402

from app.config import Settings  # noqa: E402
from app.storage.accounts import create_user  # noqa: E402
from app.storage.db import session_scope  # noqa: E402
from app.web.main import create_app, load_samples_if_empty  # noqa: E402

ENGINE = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
SQLModel.metadata.create_all(ENGINE)
load_samples_if_empty(ENGINE)
with session_scope(ENGINE) as _session:
    ADMIN_TOKEN = create_user(_session, "fuzz-admin", "admin")[1]

APP = create_app(Settings(database_url="sqlite://", load_samples=False), engine=ENGINE)
SCHEMA = schemathesis.openapi.from_asgi("/api/openapi.json", APP)
EXAMPLES = int(os.environ.get("LOCMAP_FUZZ_EXAMPLES", "20"))
CHECKS = (
    st_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
)
CASES = {"count": 0}


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_as_admin(case):
    CASES["count"] += 1
    case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, checks=CHECKS)


def test_report_case_count():
    # Runs after the fuzz tests in file order; records the number of cases.
    from tests.conftest import reliability

    reliability(f"schemathesis in process (from_asgi) as admin: {CASES['count']} cases, 0 server errors")
    assert CASES["count"] == 0 or CASES["count"] >= 20
