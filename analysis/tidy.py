"""The comparison as a tidy (long) table: one row per locality version and measure.

A wide comparison (:mod:`analysis.compare`) puts localities in columns,
which suits reading; R and pandas want one observation per row.  Each
:class:`Column` of a comparison (a locality as stored or in a file, or a
snapshot of it) gives rows of three kinds:

``metric``
    every entry of the audit's metrics.  A number is the ``value``; a
    mapping (``focus``) gives one row per key, named ``metric.key``; a
    list (``brokers``) one row per item, named ``metric.N`` from 1 in the
    audit's order, an item that is a mapping flattened again
    (``brokers.1.person``).  A boolean is ``1``/``0`` with ``yes``/``no``
    in ``level_words``; text (a group id, as ``key_group``) has no value
    and the text in ``level_words``; ``None`` (a figure the locality
    cannot give, as a balance with no focused groups) leaves both empty.
    Metrics are figures computed from the file by the documented rules,
    so ``declared_or_inferred`` is empty.
``profile``
    every dimension of the collaborative-advantage profile: ``value`` the
    level on the report's scale (0, 0.5, 1, 2; empty for "cannot tell"),
    ``level_words`` its words, ``evidence`` its evidence and
    ``declared_or_inferred`` its basis.
``finding_count``
    for every finding code raised in any column (zeros included), the
    number of findings with that code, and ``total``; ``evidence`` counts
    them by severity, ``declared_or_inferred`` is their basis when they
    share one, ``mixed`` when not, and empty when there are none.
``census``
    only for a column whose audit read a member census: the
    :data:`CENSUS_MEASURES` (``census.response_rate``,
    ``census.holds.purpose``, ``census.advantage``, ...), aggregates only,
    held back exactly as the census summary holds them back: a figure drawn
    from fewer than ``min_respondents`` has no value and the words "fewer
    than K respondents" in ``level_words``.  A statement's share holding
    ("mostly" or "yes, clearly") sums only the groups whose scores are
    shown.  ``declared_or_inferred`` is ``census``.

References
----------
Wickham, H. (2014). Tidy data. *Journal of Statistical Software*, 59(10).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from models.vocab import STATEMENTS

from .audit import CODES, Audit
from .findings import Finding, Severity
from .profile import DIMENSIONS, LEVEL_WORDS

#: The tidy table's columns, in order.
COLUMNS = (
    "locality",
    "snapshot",
    "taken_at",
    "measure",
    "kind",
    "value",
    "level_words",
    "evidence",
    "declared_or_inferred",
)

Number = int | float


@dataclass(frozen=True)
class Column:
    """One column of a comparison: a locality's audit, now or at a snapshot.

    ``locality`` is the locality's id (never ``slug@N``); ``snapshot`` the
    snapshot's number and ``taken_at`` its time as ISO 8601 text, both
    ``None`` for the locality as it is now (or as a file holds it).
    """

    locality: str
    name: str
    audit: Audit
    snapshot: int | None = None
    taken_at: str | None = None


def taken_at_text(moment: datetime) -> str:
    """A snapshot's time as ISO 8601 text in UTC to the second (``2026-01-31T09:30:00Z``); naive times are UTC."""
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Row(NamedTuple):
    """One row of the tidy table (fields as :data:`COLUMNS`)."""

    locality: str
    snapshot: int | None
    taken_at: str | None
    measure: str
    kind: str
    value: Number | None
    level_words: str
    evidence: str
    declared_or_inferred: str


class Commented(Protocol):
    """What a CSV header is made from: :class:`app.formats.provenance.Provenance`."""

    def comment(self, prefix: str = "# ") -> str: ...


def tidy_rows(columns: Iterable[Column]) -> list[Row]:
    """The comparison of ``columns`` as long rows: metrics, profile levels and finding counts.

    Parameters
    ----------
    columns : iterable of Column
        The localities and snapshots compared, in the order they are shown.

    Returns
    -------
    list of Row
        For each column in turn: its metrics (in the audit's order), its
        profile (in :data:`analysis.profile.DIMENSIONS` order), its
        finding counts (codes in :data:`analysis.audit.CODES` order, then
        ``total``), then, with a census, its :data:`CENSUS_MEASURES`.

    Notes
    -----
    Tidy data: each row one observation (a locality version and a measure),
    each column one variable.  The rules for booleans, text, ``None``,
    mappings and lists are in the module's docstring.
    """
    columns = list(columns)
    codes = _codes_present(c.audit for c in columns)
    rows: list[Row] = []
    for column in columns:
        rows += _metric_rows(column)
        rows += _profile_rows(column)
        rows += _finding_rows(column, codes)
        rows += _census_rows(column)
    return rows


def _row(column: Column, measure: str, kind: str, value: Number | None, words="", evidence="", basis="") -> Row:
    return Row(column.locality, column.snapshot, column.taken_at, measure, kind, value, words, evidence, basis)


def _metric_rows(column: Column) -> list[Row]:
    return [
        _row(column, name, "metric", *_metric_value(value)) for name, value in _flatten(column.audit.metrics.items())
    ]


def _flatten(items: Iterable[tuple[str, object]]) -> Iterator[tuple[str, object]]:
    """(name, value) pairs with mappings and lists opened into ``name.key`` and ``name.N``."""
    for name, value in items:
        if isinstance(value, Mapping):
            yield from _flatten((f"{name}.{key}", v) for key, v in value.items())
        elif isinstance(value, list | tuple):
            yield from _flatten((f"{name}.{n}", v) for n, v in enumerate(value, start=1))
        else:
            yield name, value


def _metric_value(value: object) -> tuple[Number | None, str]:
    """(value, level_words) of one metric: booleans as 1/0 with yes/no, text in words, None as missing."""
    if isinstance(value, bool):
        return int(value), "yes" if value else "no"
    if isinstance(value, int | float):
        return value, ""
    if value is None:
        return None, ""
    return None, str(value)


def _profile_rows(column: Column) -> list[Row]:
    rows = []
    for dimension in DIMENSIONS:
        entry = column.audit.profile[dimension]
        level = entry["level"]
        rows.append(_row(column, dimension, "profile", level, LEVEL_WORDS[level], entry["evidence"], entry["basis"]))
    return rows


def _codes_present(audits: Iterable[Audit]) -> list[str]:
    """Every finding code raised in any of ``audits``: the audit's codes in order, then any other sorted."""
    present = set().union(*(a.codes() for a in audits))
    return [c for c in CODES if c in present] + sorted(present - set(CODES))


def _finding_rows(column: Column, codes: list[str]) -> list[Row]:
    findings = column.audit.findings
    rows = [_finding_count(column, code, [f for f in findings if f.code == code]) for code in codes]
    rows.append(_finding_count(column, "total", findings))
    return rows


def _finding_count(column: Column, measure: str, findings: list[Finding]) -> Row:
    by_severity = [(s.value, sum(1 for f in findings if f.severity == s)) for s in Severity]
    evidence = "; ".join(f"{count} {severity}" for severity, count in by_severity if count)
    bases = {f.basis.value for f in findings}
    basis = bases.pop() if len(bases) == 1 else ("mixed" if bases else "")
    return _row(column, measure, "finding_count", len(findings), "", evidence, basis)


# ---------------------------------------------------------------- the member census

#: The census's figures in a comparison, in order; in the tidy table each is ``census.<name>``.
CENSUS_MEASURES = (
    "number",
    "invited",
    "answered",
    "response_rate",
    "raters",
    "groups_shown",
    *(f"holds.{statement}" for statement in STATEMENTS),
    "advantage",
    "inertia",
)


@dataclass(frozen=True)
class CensusMeasure:
    """One census figure of a locality: its value (None when held back or not known), words and evidence."""

    name: str
    value: Number | None
    words: str = ""
    evidence: str = ""


def census_measures(census: Mapping | None) -> list[CensusMeasure]:
    """The :data:`CENSUS_MEASURES` of an audit's census (``Audit.census``), or none without one.

    Parameters
    ----------
    census : mapping, optional
        :func:`analysis.census_findings.census_dict` of the census the
        audit read: small numbers already held back.

    Returns
    -------
    list of CensusMeasure
        Counts and shares, each held back figure with no value and the
        words "fewer than K respondents"; empty for no census.
    """
    if census is None:
        return []
    k, invited, answered = census["min_respondents"], census["invited"], census["answered"]
    held = f"fewer than {k} respondents"
    groups = census["groups"]
    shown = [g for g in groups.values() if g.get("scores")]
    out = [
        CensusMeasure("number", census["number"], "closed" if census.get("closed_at") else "open"),
        CensusMeasure("invited", invited),
        CensusMeasure("answered", answered),
        CensusMeasure("response_rate", answered / invited if invited else None, evidence=f"{answered} of {invited}"),
        CensusMeasure("raters", census["raters"]),
        CensusMeasure(
            "groups_shown", len(shown), evidence=f"{len(shown)} of {len(groups)} groups rated by {k} or more"
        ),
    ]
    out += [_holding(statement, shown, held) for statement in STATEMENTS]
    balance = census.get("balance")
    for side in ("advantage", "inertia"):
        if balance is None:
            out.append(CensusMeasure(side, None, held))
        else:
            out.append(CensusMeasure(side, balance[side], evidence=f"{balance['answers']} answers"))
    return out


def _holding(statement: str, shown: list[Mapping], held: str) -> CensusMeasure:
    """A statement's share holding over the groups shown (their counts rebuilt from share and answers)."""
    answers = holding = groups = 0
    for g in shown:
        score = g["scores"].get(statement)
        if score and score["answers"]:
            groups += 1
            answers += score["answers"]
            holding += round(score["holds"] * score["answers"])
    if not answers:
        return CensusMeasure(f"holds.{statement}", None, held)
    evidence = f"{holding} of {answers} answers, over {groups} group(s) shown"
    return CensusMeasure(f"holds.{statement}", holding / answers, evidence=evidence)


def _census_rows(column: Column) -> list[Row]:
    return [
        _row(column, f"census.{m.name}", "census", m.value, m.words, m.evidence, "census")
        for m in census_measures(column.audit.census)
    ]


# ---------------------------------------------------------------- CSV


def long_csv(rows: Iterable[Row], provenance: Commented | None = None) -> str:
    """The tidy table as CSV text, after the provenance's ``# `` comment lines.

    Parameters
    ----------
    rows : iterable of Row
        From :func:`tidy_rows`.
    provenance : Provenance, optional
        Where the table came from (:mod:`app.formats.provenance`); its
        lines head the file as ``# `` comments.

    Returns
    -------
    str
        A header and one line per row (``\\n`` line ends).  Numbers are
        written as :func:`number_text` writes them and never quoted; text
        is always quoted, so a ``#`` in it is never read as a comment
        (``pandas.read_csv(path, comment="#")``); a missing value is empty.
    """
    lines = [",".join(COLUMNS)]
    lines += [",".join(_field(value) for value in row) for row in rows]
    return (provenance.comment() if provenance is not None else "") + "\n".join(lines) + "\n"


def _field(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_text(value)
    return '"' + str(value).replace('"', '""') + '"'


def number_text(value: Number | None) -> str:
    """A number as CSV text: whole values without a decimal point, others in Python's shortest round-trip form.

    ``18.0`` and ``18`` are both ``18``; ``0.125`` is ``0.125``; ``None`` and
    NaN are empty (missing), infinities ``inf`` and ``-inf``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))
