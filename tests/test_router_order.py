"""The service's routers are tried in order for each request: the most asked for first, and the order decides nothing else.

Each router passed costs a request about ten microseconds of matching
(FastAPI matches router by router, route by route), so the locality page,
its audit and its entries come first (``app.web.main.ROUTERS``).  That is
safe only while no path is answered by routes of two routers: then any
order sends every request to the same route.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.routing import Match

from app.web import main


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x-1", path)


def shared_paths(routers) -> list[tuple[str, str]]:
    """(method, path) of each route whose path, parameters filled in, routes of two routers both answer."""
    shared = []
    for router in routers:
        for route in router.routes:
            for method in sorted(getattr(route, "methods", None) or {"GET"}):
                scope = {"type": "http", "path": _sample(route.path), "method": method, "root_path": ""}
                owners = {id(r) for r in routers for other in r.routes if other.matches(scope)[0] == Match.FULL}
                if len(owners) > 1:
                    shared.append((method, route.path))
    return shared


def test_no_path_is_answered_by_routes_of_two_routers():
    assert shared_paths(main.ROUTERS) == []


def test_a_route_answered_by_two_routers_is_found():
    # A near miss: a literal path that another router's parameter would also take.
    clashing = APIRouter()
    clashing.add_api_route("/localities/everything", lambda: None, methods=["GET"])
    assert ("GET", "/localities/everything") in shared_paths([*main.ROUTERS, clashing])


def test_the_most_asked_for_routes_are_matched_first():
    def router_of(path: str, method: str = "GET") -> int:
        scope = {"type": "http", "path": path, "method": method, "root_path": ""}
        return next(
            i
            for i, router in enumerate(main.ROUTERS)
            if any(route.matches(scope)[0] == Match.FULL for route in router.routes)
        )

    assert router_of("/localities/thame") == 0
    assert router_of("/api/localities/thame/audit") <= 2
    assert router_of("/api/localities/thame/groups/thame-network", "PATCH") <= 2
