"""Schemathesis over the whole API, in process, counting cases and server errors.

``python -m bench.fuzz [--cases N] [--seed S] [--out FILE.json]`` prints one JSON object:
the cases run, by operation, and every 5xx answer found (method, path, status,
the request that caused it).  The app runs on an in-memory SQLite database
holding the six samples and an admin; each operation starts from that same
database again, so a case that deletes a locality does not starve the rest.
Every case is sent as the admin, half of them with ``If-Match: *`` so that
writes get past the version check into their validation and storage.

The cases are spread over the operations; ``--cases 100000`` runs about
100,000 (the ``examples`` of each operation are ``N / operations``).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time

#: The headers every second case adds: writes then reach their body's checks.
UNCONDITIONAL = {"If-Match": "*"}


def _service():
    """The app on an in-memory database with the samples and an admin: (app, engine, template, token)."""
    from app.config import Settings
    from app.storage.accounts import create_user
    from app.storage.db import create_schema, make_engine, session_scope
    from app.web.main import create_app, load_samples_if_empty

    engine = make_engine("sqlite://")
    create_schema(engine)
    load_samples_if_empty(engine)
    with session_scope(engine) as session:
        token = create_user(session, "fuzz-admin", "admin")[1]
    template = sqlite3.connect(":memory:")
    _copy(engine, template, out=True)
    app = create_app(Settings(database_url="sqlite://", load_samples=False), engine=engine)
    return app, engine, template, token


def _copy(engine, template: sqlite3.Connection, *, out: bool) -> None:
    """Copy the engine's database to ``template`` (``out``) or back from it."""
    raw = engine.raw_connection()
    try:
        live = raw.driver_connection
        (live.backup(template) if out else template.backup(live))
    finally:
        raw.close()


def fuzz_operation(operation, examples: int, seed: int, token: str) -> tuple[int, list[dict]]:
    """Run ``examples`` cases of one operation: (cases run, server errors found)."""
    from hypothesis import HealthCheck, given, settings

    found: list[dict] = []
    ran = [0]

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case) -> None:
        ran[0] += 1
        headers = {"Authorization": f"Bearer {token}", **(UNCONDITIONAL if ran[0] % 2 else {})}
        response = case.call(headers=headers)
        if response.status_code >= 500:
            found.append(
                {
                    "operation": operation.label,
                    "status": response.status_code,
                    "path": case.formatted_path,
                    "query": case.query,
                    "body": case.body if isinstance(case.body, dict | list | str | int | float | None) else "<bytes>",
                    "answer": response.text[:300],
                }
            )

    from hypothesis import seed as with_seed

    with_seed(seed)(run)()
    return ran[0], found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="about how many cases in all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args(argv)

    import logging

    import schemathesis

    logging.getLogger("locmap").setLevel(logging.CRITICAL)  # a 5xx is reported here, not as a traceback
    app, engine, template, token = _service()
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    examples = max(1, args.cases // len(operations))
    started = time.perf_counter()
    by_operation: dict[str, int] = {}
    errors: list[dict] = []
    for operation in operations:
        _copy(engine, template, out=False)
        ran, found = fuzz_operation(operation, examples, args.seed, token)
        by_operation[operation.label] = ran
        errors.extend(found)
        print(f"{operation.label}: {ran} cases, {len(found)} server errors", file=sys.stderr, flush=True)
    result = {
        "cases": sum(by_operation.values()),
        "operations": len(operations),
        "server_errors": len(errors),
        "seconds": round(time.perf_counter() - started, 1),
        "by_operation": by_operation,
        "errors": errors[:200],
    }
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
