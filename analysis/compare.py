"""Comparing localities side by side: metrics, profiles and findings.

The wide form, one column per locality, for reading; the long form, one row
per locality and measure, for R and pandas, is :mod:`analysis.tidy`.
"""

from __future__ import annotations

import csv
import io

from .audit import Audit
from .findings import Severity
from .profile import DIMENSIONS
from .tidy import CENSUS_MEASURES, Commented, census_measures, number_text

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
    """Metrics, profile levels, finding counts and census figures of several localities, keyed by locality.

    ``census`` holds :data:`analysis.tidy.CENSUS_MEASURES`, each by locality:
    None for a locality with no census, and for a figure held back (fewer
    than the census's ``min_respondents``).
    """
    slugs = [a.locality for a in audits]
    return {
        "localities": slugs,
        "metrics": {m: {a.locality: a.metrics.get(m) for a in audits} for m in KEY_METRICS},
        "profile": {d: {a.locality: a.profile[d]["level"] for a in audits} for d in DIMENSIONS},
        "findings": {
            a.locality: {s.value: sum(1 for f in a.findings if f.severity == s) for s in Severity} for a in audits
        },
        "codes": {a.locality: sorted(a.codes()) for a in audits},
        "census": _census_columns(audits),
    }


def _census_columns(audits: list[Audit]) -> dict[str, dict[str, object]]:
    """Each census measure by locality (None where there is no census or the figure is held back)."""
    values = {a.locality: {m.name: m.value for m in census_measures(a.census)} for a in audits}
    return {name: {slug: values[slug].get(name) for slug in values} for name in CENSUS_MEASURES}


def comparison_csv(audits: list[Audit], provenance: Commented | None = None) -> str:
    """The comparison as CSV: one row per measure, one column per locality.

    Parameters
    ----------
    audits : list of Audit
        The localities compared, in column order.
    provenance : Provenance, optional
        Where it came from (:mod:`app.formats.provenance`); its lines head
        the file as ``# `` comments, so ``pandas.read_csv(path, comment="#")``
        reads the table.

    Returns
    -------
    str
        Numbers as :func:`analysis.tidy.number_text` writes them (``18``
        beside ``67``, never ``18.0``); a missing value is empty.  The
        ``census`` rows come only when a locality has a census; a figure
        held back (fewer than ``min_respondents``) is empty.
    """
    data = comparison(audits)
    out = io.StringIO()
    if provenance is not None:
        out.write(provenance.comment())
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "measure", *data["localities"]])
    for metric, values in data["metrics"].items():
        writer.writerow(["metric", metric, *(number_text(values[s]) for s in data["localities"])])
    for dim, values in data["profile"].items():
        writer.writerow(["profile", dim, *(number_text(values[s]) for s in data["localities"])])
    for severity in Severity:
        writer.writerow(
            ["findings", severity.value, *(data["findings"][s][severity.value] for s in data["localities"])]
        )
    if any(a.census is not None for a in audits):
        for name, values in data["census"].items():
            writer.writerow(["census", name, *(number_text(values[s]) for s in data["localities"])])
    return out.getvalue()


#: A clip path's id in matplotlib's SVG, where it is defined (``id="p…"``) and used (``url(#p…)``).
