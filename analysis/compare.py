"""Comparing localities side by side: metrics, profiles and findings."""

from __future__ import annotations

import csv
import io

from .audit import Audit
from .findings import Severity
from .profile import DIMENSIONS

#: Metrics shown when localities are compared, in this order.
KEY_METRICS = (
    "local_groups",
    "people_in_groups",
    "agencies_in_groups",
    "links",
    "memberships",
    "meetings_per_year",
    "meeting_hours_per_year",
    "person_hours_per_year_median",
    "person_hours_per_year_max",
    "membership_density",
    "components",
    "overlap_index",
    "agencies_in_principal_group_share",
    "upstream_downstream_balance",
    "systems_minders",
    "systems_minder_reach",
    "service_user_reps",
    "single_points_of_failure",
)


def comparison(audits: list[Audit]) -> dict:
    """Metrics, profile levels and finding counts of several localities, keyed by locality."""
    slugs = [a.locality for a in audits]
    return {
        "localities": slugs,
        "metrics": {m: {a.locality: a.metrics.get(m) for a in audits} for m in KEY_METRICS},
        "profile": {d: {a.locality: a.profile[d]["level"] for a in audits} for d in DIMENSIONS},
        "findings": {
            a.locality: {s.value: sum(1 for f in a.findings if f.severity == s) for s in Severity} for a in audits
        },
        "codes": {a.locality: sorted(a.codes()) for a in audits},
    }


def comparison_csv(audits: list[Audit]) -> str:
    """The comparison as CSV: one row per measure, one column per locality."""
    data = comparison(audits)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "measure", *data["localities"]])
    for metric, values in data["metrics"].items():
        writer.writerow(["metric", metric, *(_cell(values[s]) for s in data["localities"])])
    for dim, values in data["profile"].items():
        writer.writerow(["profile", dim, *(_cell(values[s]) for s in data["localities"])])
    for severity in Severity:
        writer.writerow(
            ["findings", severity.value, *(data["findings"][s][severity.value] for s in data["localities"])]
        )
    return out.getvalue()


def _cell(value) -> str:
    return "" if value is None else str(value)
