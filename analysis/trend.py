"""Change over time: how a locality's figures, findings and profile moved across its snapshots.

:func:`trend` takes the audits of one locality at several points in time
(its snapshots, oldest first, then the locality as it is now) and returns a
:class:`Trend`: one :class:`Series` per measure, and for each pair of
adjacent points a :class:`Step` saying in words what moved.  A measure that
an audit does not hold (an older snapshot, another version of locmap) is
*missing* at that point, never zero; a profile level of ``None`` is the
audit's own "cannot tell", which is not missing.

References
----------
Glenny, G. (2005), section 3.2: communication systems "need to be
continually monitored and tweaked, to ensure they remain as efficient and
functional as possible"; recommendation iv: the system "needs to be
scrupulously minded, so that the services it oversees can be tweaked to meet
changing conditions".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .audit import CODES, Audit
from .findings import Severity
from .profile import DIMENSION_LABELS, DIMENSIONS, LEVEL_WORDS
from .whatif_words import METRIC_WORDS, SHARES, key_group_line, metric_line, profile_line

#: The kinds of series, in the order they are listed.
KINDS = ("findings", "severity", "profile", "metric")
#: What a measure an audit does not hold reads as.
MISSING_WORDS = "missing"
#: The series of the total number of findings.
TOTAL = "total"

Value = float | None


@dataclass(frozen=True)
class TrendPoint:
    """One point in time: a snapshot, or the locality as it is now (the last point).

    ``key`` is how the caller refers to the point (a snapshot's number, or
    ``current``): the trend keeps it for links and tables, and never reads it.
    """

    label: str
    taken_at: datetime | None
    audit: Audit
    key: str = ""

    def when(self) -> str:
        """When the point stands for, in words: a snapshot's time, or when the locality now last changed."""
        if self.taken_at is None:
            return ""
        stamp = f"{self.taken_at:%Y-%m-%d %H:%M}"
        return f"last changed {stamp}" if self.key == "current" else stamp


@dataclass(frozen=True)
class Series:
    """One measure at every point: ``values[i]`` at point ``i``, unless ``present[i]`` is False (missing)."""

    kind: str
    measure: str
    label: str
    values: tuple[Value, ...]
    present: tuple[bool, ...]
    #: Profile series only: "declared" or "inferred" at each point (None where missing).
    basis: tuple[str | None, ...] = ()

    def words(self, index: int) -> str:
        """The value at a point as a reader reads it: "strongly evident", "62%", "5", or "missing"."""
        if not self.present[index]:
            return MISSING_WORDS
        value = self.values[index]
        if self.kind == "profile":
            return LEVEL_WORDS.get(value, str(value))
        return figure_words(self.measure, value)

    def changed(self) -> bool:
        """Whether the measure differs (or goes missing) anywhere along the trend."""
        pairs = set(zip(self.values, self.present, strict=True))
        return len(pairs) > 1

    def as_dict(self) -> dict:
        data = {
            "kind": self.kind,
            "measure": self.measure,
            "label": self.label,
            "values": list(self.values),
            "missing": [not p for p in self.present],
        }
        if self.kind == "profile":
            data["words"] = [self.words(i) for i in range(len(self.values))]
            data["basis"] = list(self.basis)
        return data


@dataclass(frozen=True)
class Step:
    """What changed from point ``before`` to the next point ``after`` (indices into the trend's points)."""

    before: int
    after: int
    #: "Findings: 7 → 5; Systems minding: evident → strongly evident", or that nothing changed.
    summary: str
    #: Every change, one a line: findings, then the profile, then the figures.
    lines: tuple[str, ...]

    def as_dict(self, points: Sequence[TrendPoint]) -> dict:
        return {
            "from": points[self.before].key,
            "to": points[self.after].key,
            "summary": self.summary,
            "lines": list(self.lines),
        }


@dataclass(frozen=True)
class Trend:
    """A locality's points in time, its series and the steps between adjacent points."""

    locality: str
    points: tuple[TrendPoint, ...]
    series: tuple[Series, ...]
    steps: tuple[Step, ...]

    def of_kind(self, kind: str) -> list[Series]:
        return [s for s in self.series if s.kind == kind]

    def get(self, kind: str, measure: str) -> Series:
        """The series of one measure; raises KeyError when the trend has none."""
        for s in self.series:
            if s.kind == kind and s.measure == measure:
                return s
        raise KeyError(f"no {kind} series {measure!r}")

    def as_dict(self) -> dict:
        return {
            "locality": self.locality,
            "points": [
                {
                    "key": p.key,
                    "label": p.label,
                    "taken_at": p.taken_at.isoformat(timespec="seconds") if p.taken_at else None,
                }
                for p in self.points
            ],
            "series": [s.as_dict() for s in self.series],
            "changes": [step.as_dict(self.points) for step in self.steps],
        }


def figure_words(measure: str, value: Value) -> str:
    """A figure as the audit prints it: shares as percentages, None as "none"."""
    if value is None:
        return "none"
    if measure in SHARES:
        return f"{round(value * 100, 1):g}%"
    return f"{value:g}"


def trend(points: Sequence[TrendPoint], names: Mapping[str, str] | None = None) -> Trend:
    """The series of a locality's figures, findings and profile over time, and each step in words.

    Parameters
    ----------
    points : sequence of TrendPoint
        The locality at each point, oldest first, the locality as it is now
        last; all of one locality.
    names : mapping, optional
        Group ids to names, to name the key communication group when it changes.

    Returns
    -------
    Trend
        Findings (in total, by severity and by code: only codes raised at
        some point), every profile dimension and every numeric metric, each
        as a :class:`Series`; and one :class:`Step` per adjacent pair.

    Raises
    ------
    ValueError
        With no points, or points of more than one locality.

    Notes
    -----
    Change over time is read as a sequence of audits, one per stored
    version, not as a time series: points are equally spaced whatever time
    lies between them, and a step compares two adjacent versions only (the
    diff of any two is :func:`analysis.diff.diff_localities`).  A finding
    count is never missing (an audit lists every finding it raises); a
    metric or profile dimension an audit does not hold is.
    """
    if not points:
        raise ValueError("a trend needs at least one point")
    localities = {p.audit.locality for p in points}
    if len(localities) > 1:
        raise ValueError(f"a trend is of one locality, not {', '.join(sorted(localities))}")
    audits = [p.audit for p in points]
    series = (*finding_series(audits), *profile_series(audits), *metric_series(audits))
    steps = tuple(_step(series, audits, i - 1, i, names or {}) for i in range(1, len(points)))
    return Trend(points[0].audit.locality, tuple(points), series, steps)


def finding_series(audits: Sequence[Audit]) -> list[Series]:
    """The number of findings at each point: in total, by severity, and by each code raised at some point."""
    every = (True,) * len(audits)

    def counting(kind: str, measure: str, label: str, keep) -> Series:
        counts = tuple(sum(1 for f in a.findings if keep(f)) for a in audits)
        return Series(kind, measure, label, counts, every)

    raised = {f.code for a in audits for f in a.findings}
    codes = [c for c in CODES if c in raised] + sorted(raised - set(CODES))
    return [
        counting("findings", TOTAL, "Findings", lambda f: True),
        *(
            counting("severity", s.value, f"{s.value.capitalize()} findings", lambda f, s=s: f.severity == s)
            for s in Severity
        ),
        *(counting("findings", code, code, lambda f, code=code: f.code == code) for code in codes),
    ]


def profile_series(audits: Sequence[Audit]) -> list[Series]:
    """Each profile dimension's level at each point (None: cannot tell; missing: not in that audit)."""
    names = _in_order(DIMENSIONS, (name for a in audits for name in a.profile))
    out = []
    for name in names:
        entries = [a.profile.get(name) for a in audits]
        out.append(
            Series(
                "profile",
                name,
                DIMENSION_LABELS.get(name, _words(name)),
                tuple(e.get("level") if e else None for e in entries),
                tuple(e is not None for e in entries),
                tuple(str(e.get("basis")) if e else None for e in entries),
            )
        )
    return out


def metric_series(audits: Sequence[Audit]) -> list[Series]:
    """Every numeric metric at each point, in the audit's order of figures (a name an audit lacks is missing)."""
    numeric = {name for a in audits for name, value in a.metrics.items() if _is_figure(value)}
    names = _in_order(METRIC_WORDS, (name for a in audits for name in a.metrics if name in numeric))
    out = []
    for name in names:
        present = tuple(name in a.metrics and (a.metrics[name] is None or _is_figure(a.metrics[name])) for a in audits)
        values = tuple(a.metrics[name] if here else None for a, here in zip(audits, present, strict=True))
        out.append(Series("metric", name, METRIC_WORDS.get(name, _words(name).capitalize()), values, present))
    return out


def _is_figure(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _in_order(known: Iterable[str], found: Iterable[str]) -> list[str]:
    """The names found, those ``known`` first in its order, then the others as first found."""
    seen, first = dict.fromkeys(found), tuple(known)
    return [n for n in first if n in seen] + [n for n in seen if n not in first]


def _words(name: str) -> str:
    return name.replace("_", " ")


def _step(series: Sequence[Series], audits: Sequence[Audit], before: int, after: int, names) -> Step:
    """What moved between two adjacent points, in words."""
    moved = [s for s in series if (s.values[before], s.present[before]) != (s.values[after], s.present[after])]
    findings = [_count_line(s, before, after) for s in moved if s.kind in ("findings", "severity")]
    turnover = _turnover(audits[before], audits[after])
    profile = [_level_line(s, before, after) for s in moved if s.kind == "profile"]
    key = key_group_line(audits[before].metrics.get("key_group"), audits[after].metrics.get("key_group"), names)
    figures = [_figure_line(s, before, after) for s in moved if s.kind == "metric"]
    summary = [_findings_summary(series[0], before, after, bool(findings), turnover)]
    summary += [f"{s.label}: {s.words(before)} → {s.words(after)}" for s in moved if s.kind == "profile"]
    if figures or key:
        count = len(figures) + bool(key)
        summary.append(f"{count} figure{'s' if count != 1 else ''} changed")
    lines = (*findings, *([turnover] if turnover else []), *profile, *([key] if key else []), *figures)
    text = "; ".join(part for part in summary if part)
    return Step(before, after, text or "No change in findings, profile or figures", lines)


def _turnover(before: Audit, after: Audit) -> str:
    """How many findings appeared and were resolved (told apart by code and subjects), or '' if none."""
    old, new = {f.key for f in before.findings}, {f.key for f in after.findings}
    appeared, resolved = len(new - old), len(old - new)
    if not (appeared or resolved):
        return ""
    return f"Findings that appeared: {appeared}; resolved: {resolved} (the diff names them)"


def _findings_summary(total: Series, before: int, after: int, counts_moved: bool, turnover: str) -> str:
    """The findings part of a step's summary: the total's move, or that they changed at the same total."""
    if total.values[before] != total.values[after]:
        return f"{total.label}: {total.words(before)} → {total.words(after)}"
    if turnover:
        return f"{total.label}: {total.words(after)}, not the same ones"
    if counts_moved:
        return f"{total.label}: {total.words(after)}, of other severities"
    return ""


def _count_line(s: Series, before: int, after: int) -> str:
    a, b = int(s.values[before] or 0), int(s.values[after] or 0)
    return f"{s.label}: {a} → {b} ({abs(b - a)} {'more' if b > a else 'fewer'})"


def _level_line(s: Series, before: int, after: int) -> str:
    """A level's move in the profile's words, saying when the later level rests on an inference."""
    if s.measure in DIMENSION_LABELS and s.present[before] and s.present[after]:
        line = profile_line(s.measure, s.values[before], s.values[after])
    else:
        line = f"{s.label}: {s.words(before)} → {s.words(after)}"
        if not s.present[before]:
            line += " (not rated in that version)"
    if s.present[after] and s.basis[after] == "inferred":
        line += "; rests on what locmap inferred, not on what the file declares"
    return line


def _figure_line(s: Series, before: int, after: int) -> str:
    if s.present[before] and s.present[after]:
        return metric_line(s.measure, s.values[before], s.values[after])
    return f"{s.label}: {s.words(before)} → {s.words(after)}"


#: The columns of :func:`trend_csv`.
CSV_COLUMNS = ("locality", "snapshot", "taken_at", "measure", "kind", "value", "level_words")


def trend_rows(result: Trend) -> list[dict[str, str]]:
    """The trend as a tidy long table: one row per measure per point (a missing one says so).

    ``snapshot`` is each point's key (a snapshot's number, or ``current``),
    never its label; ``level_words`` is a profile level in words, or
    ``missing`` where a measure is not held at that point.
    """
    rows = []
    for i, point in enumerate(result.points):
        for s in result.series:
            words = s.words(i) if s.kind == "profile" or not s.present[i] else ""
            value = s.values[i]
            rows.append(
                {
                    "locality": result.locality,
                    "snapshot": point.key,
                    "taken_at": point.taken_at.isoformat(timespec="seconds") if point.taken_at else "",
                    "measure": s.measure,
                    "kind": s.kind,
                    "value": "" if value is None else f"{value:g}",
                    "level_words": words,
                }
            )
    return rows


def trend_csv(result: Trend) -> str:
    """:func:`trend_rows` as CSV text, with a header row of :data:`CSV_COLUMNS`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(trend_rows(result))
    return out.getvalue()
