"""locmap from Python: read localities, audit and compare them, ask what-if and route questions.

The stable surface for researchers working in notebooks and scripts::

    from app import library as locmap

    thame = locmap.read("sample_localities/thame.yaml")
    result = locmap.audit(thame, overlap_threshold=0.6)

Every function here is a few lines over :mod:`analysis` (the analyses) and
:mod:`app.formats` (the files); their answers are the objects the command
line and the web service print, so a notebook sees exactly what
``locmap audit`` says.  Names listed in ``__all__`` keep their meaning
between versions; anything else may change.  NetworkX and pandas are
loaded only by the functions that return them.

A walk through a session on the six Oxfordshire pilot localities is in
``docs/python.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from analysis.audit import Audit
from analysis.audit import audit as run_audit
from analysis.routes import ConcernRoute
from analysis.settings import DEFAULT_SETTINGS, AuditSettings
from analysis.whatif import WhatIf
from app import __version__ as __version__  # the package's version, re-exported
from models.document import LocalityDocument
from models.validation import DocumentError

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

__all__ = [
    "LocalityError",
    "Networks",
    "audit",
    "compare",
    "compare_frame",
    "from_dict",
    "graphs",
    "measures",
    "read",
    "route",
    "samples",
    "tidy_frame",
    "what_if",
]

#: The type of each threshold of :class:`analysis.settings.AuditSettings`, by name.
_THRESHOLD_TYPES = {f.name: f.type for f in fields(AuditSettings)}


class LocalityError(DocumentError):
    """A locality (or a what-if patch) that cannot be read, with every problem in its message.

    A :class:`models.validation.DocumentError` whose ``str()`` lists each
    problem with its place (line, or sheet, row and column) and the offending
    value, so a notebook shows what is wrong and where.

    Parameters
    ----------
    problems : list of models.validation.Problem
        Every problem found: ``loc`` (where), ``msg`` (what), ``line``.
    source : str, optional
        The file the problems are in.
    """

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *self.lines()])


def _plain(exc: DocumentError) -> LocalityError:
    return LocalityError(exc.problems, exc.source)


def read(path_or_bytes: str | Path | bytes, suffix: str | None = None) -> LocalityDocument:
    """Read a locality from a file or its bytes: ``locmap/1`` YAML or JSON, XLSX, or a zip of CSVs.

    Parameters
    ----------
    path_or_bytes : str, Path or bytes
        A file's path, or its content.
    suffix : str, optional
        The format: ``.yaml``, ``.yml``, ``.json``, ``.xlsx`` or ``.zip``.
        Needed for bytes; for a path, its extension unless given.

    Returns
    -------
    LocalityDocument
        The validated locality.

    Raises
    ------
    LocalityError
        When the file cannot be read or is not a valid locality: every
        problem, with its line (or sheet, row and column).
    app.errors.UserError
        When the format is not one of those above.

    Examples
    --------
    >>> thame = read("sample_localities/thame.yaml")
    >>> thame.locality.name
    'Thame'
    """
    from app.formats.exchange import read as read_content
    from models.validation import read_document_bytes

    try:
        if isinstance(path_or_bytes, bytes | bytearray):
            return read_content(bytes(path_or_bytes), suffix or "")
        path = Path(path_or_bytes)
        return read_content(read_document_bytes(path), suffix or path.suffix, source=str(path))
    except DocumentError as exc:
        raise _plain(exc) from None


def from_dict(data: Mapping[str, Any]) -> LocalityDocument:
    """Check a locality built in Python (the ``locmap/1`` shape, as parsed YAML or JSON gives it).

    Parameters
    ----------
    data : mapping
        ``format``, ``locality``, ``agencies``, ``people``, ``groups`` and
        ``links``, as in ``docs/format.md``.

    Returns
    -------
    LocalityDocument
        The validated locality.

    Raises
    ------
    LocalityError
        Every problem, each with its place (``groups[1].members[0].person``).

    Examples
    --------
    >>> tiny = from_dict({"format": "locmap/1", "locality": {"id": "t", "name": "T", "authority": "A", "boundary": "clear"}})
    >>> tiny.locality.id
    't'
    """
    from models.validation import validate_data

    try:
        return validate_data(dict(data))
    except DocumentError as exc:
        raise _plain(exc) from None


def samples() -> dict[str, LocalityDocument]:
    """The six Oxfordshire pilot localities that ship with locmap (Glenny, 2005), by id.

    Returns
    -------
    dict of str to LocalityDocument
        ``abingdon``, ``banbury``, ``bicester``, ``city``, ``kidlington`` and
        ``thame``, in the report's order.

    Examples
    --------
    >>> list(samples())
    ['abingdon', 'banbury', 'bicester', 'city', 'kidlington', 'thame']
    """
    from app.samples import SAMPLE_SLUGS, samples_dir

    folder = samples_dir()
    return {slug: read(folder / f"{slug}.yaml") for slug in SAMPLE_SLUGS}


def _settings(thresholds: Mapping[str, object]) -> AuditSettings:
    """The audit's settings with some thresholds changed, refusing unknown names and non-numbers."""
    for name, value in thresholds.items():
        if name not in _THRESHOLD_TYPES:
            raise ValueError(f"unknown threshold {name!r}; known: {', '.join(_THRESHOLD_TYPES)}")
        whole = _THRESHOLD_TYPES[name] in (int, "int")
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            raise ValueError(f"threshold {name} needs {'a whole number' if whole else 'a number'}, got {value!r}")
    return DEFAULT_SETTINGS.with_values(**thresholds)


def audit(doc: LocalityDocument, **thresholds: float) -> Audit:
    """Audit a locality: its findings, metrics and collaborative-advantage profile.

    Parameters
    ----------
    doc : LocalityDocument
        The locality.
    **thresholds : float
        Thresholds to change, by name (those of
        :class:`analysis.settings.AuditSettings`, documented in
        ``docs/analysis.md``), as ``locmap audit --set NAME=VALUE`` does.

    Returns
    -------
    analysis.audit.Audit
        ``findings`` (most severe first; each with ``code``, ``severity``,
        ``subjects``, ``message``, ``basis`` (declared or inferred),
        ``principle``, ``suggestion`` and ``evidence``), ``metrics`` and
        ``profile`` (each dimension's ``level``, ``basis`` and ``evidence``);
        ``as_dict()`` is the JSON of ``locmap audit --json``.

    Raises
    ------
    ValueError
        When a threshold is unknown (naming it) or not a number.

    Examples
    --------
    >>> result = audit(read("sample_localities/thame.yaml"))
    >>> [f.code for f in result.findings]
    ['NO_LINK_TO_CENTRE', 'MISSING_DOWNSTREAM_PATH', 'CROSS_BOUNDARY_GROUP']
    """
    return run_audit(doc, _settings(thresholds))


def _documents(docs: Iterable[LocalityDocument] | Mapping[str, LocalityDocument]) -> list[LocalityDocument]:
    return list(docs.values() if isinstance(docs, Mapping) else docs)


def compare(docs: Iterable[LocalityDocument] | Mapping[str, LocalityDocument], **thresholds: float) -> dict:
    """Localities side by side: key metrics, profile levels and finding counts.

    Parameters
    ----------
    docs : iterable of LocalityDocument, or a mapping of them (as :func:`samples` gives)
        The localities, in the order to show them.
    **thresholds : float
        Thresholds to change, as for :func:`audit`.

    Returns
    -------
    dict
        ``localities`` (their ids), ``metrics`` and ``profile`` (each
        measure by locality), ``findings`` (counts by severity) and
        ``codes``: the JSON of ``locmap compare --json``.

    Examples
    --------
    >>> compare(samples())["profile"]["links_to_centre"]["thame"]
    0
    """
    from analysis.compare import comparison

    settings = _settings(thresholds)
    return comparison([run_audit(doc, settings) for doc in _documents(docs)])


def _pandas(needed: str):
    """pandas, imported only for the functions that give DataFrames; ``needed`` says why if it is missing."""
    try:
        import pandas
    except ImportError:
        raise ImportError(needed) from None
    return pandas


def compare_frame(
    docs: Iterable[LocalityDocument] | Mapping[str, LocalityDocument], **thresholds: float
) -> pd.DataFrame:
    """The comparison of :func:`compare` as a pandas DataFrame: a row per locality.

    Parameters
    ----------
    docs : iterable of LocalityDocument, or a mapping of them
        The localities.
    **thresholds : float
        Thresholds to change, as for :func:`audit`.

    Returns
    -------
    pandas.DataFrame
        Indexed by locality id; columns ``(section, measure)``, the sections
        as in ``locmap compare --csv``: ``metric``, ``profile`` (levels 0,
        0.5, 1, 2; NaN where the data cannot tell) and ``findings`` (counts
        by severity).  ``frame["profile"]`` is the profile matrix.

    Raises
    ------
    ImportError
        When pandas is not installed (:func:`compare` gives the same as a dict).

    Examples
    --------
    >>> compare_frame(samples())["findings"].loc["thame"].tolist()
    [1, 0, 2, 0]
    """
    pd = _pandas("compare_frame needs pandas (pip install pandas); compare() gives the same as a dict")
    from analysis.findings import Severity

    data = compare(docs, **thresholds)
    columns = {("metric", m): v for m, v in data["metrics"].items()}
    columns |= {("profile", d): v for d, v in data["profile"].items()}
    columns |= {("findings", s.value): {loc: n[s.value] for loc, n in data["findings"].items()} for s in Severity}
    frame = pd.DataFrame(columns, index=pd.Index(data["localities"], name="locality"))
    frame.columns = frame.columns.set_names(["section", "measure"])
    return frame


def tidy_frame(docs: Iterable[LocalityDocument] | Mapping[str, LocalityDocument], **thresholds: float) -> pd.DataFrame:
    """The comparison as a tidy table: one row per locality and measure, as ``locmap compare --long-csv``.

    Parameters
    ----------
    docs : iterable of LocalityDocument, or a mapping of them
        The localities.
    **thresholds : float
        Thresholds to change, as for :func:`audit`.

    Returns
    -------
    pandas.DataFrame
        Columns ``locality, snapshot, taken_at, measure, kind, value,
        level_words, evidence, declared_or_inferred`` (docs/research.md);
        ``kind`` is ``metric``, ``profile`` or ``finding_count``; ``value``
        is a float (NaN where there is no number).

    Raises
    ------
    ImportError
        When pandas is not installed.

    Examples
    --------
    >>> frame = tidy_frame(samples())
    >>> totals = frame.query("measure == 'total' and kind == 'finding_count'").set_index("locality")["value"]
    >>> float(totals["thame"])
    3.0
    """
    pd = _pandas("tidy_frame needs pandas (pip install pandas)")
    from analysis.tidy import Column, tidy_rows

    settings = _settings(thresholds)
    columns = [Column(d.locality.id, d.locality.name, run_audit(d, settings)) for d in _documents(docs)]
    frame = pd.DataFrame([row._asdict() for row in tidy_rows(columns)])
    return frame.astype({"value": "float64"})


def measures(doc: LocalityDocument) -> dict:
    """Two-mode degree and betweenness of people and groups, and the clusters of meetings that share people.

    Parameters
    ----------
    doc : LocalityDocument
        The locality.

    Returns
    -------
    dict
        ``people`` (by id, never by name), ``groups`` (by id and name),
        ``clusters``, ``method`` and ``basis``: as ``locmap audit --json
        --measures`` gives them (docs/measures.md).

    Examples
    --------
    >>> [c["groups"][:2] for c in measures(samples()["thame"])["clusters"]]
    [['thame-network', 'thame-network-steering-group']]
    """
    from analysis.audit import audit_measures

    return audit_measures(doc)


def _patched(doc: LocalityDocument, add: Mapping[str, Any] | str | Path) -> LocalityDocument:
    """The locality with a patch (a mapping, or a YAML or JSON file) applied, as ``--with`` does."""
    from analysis.whatif import apply_patch
    from models.validation import parse_text, read_document_bytes

    try:
        if isinstance(add, Mapping):
            return apply_patch(doc, dict(add), "add")
        path = Path(add)
        parsed = parse_text(read_document_bytes(path), suffix=path.suffix.lower())
        return apply_patch(doc, parsed.data, str(path))
    except DocumentError as exc:
        raise _plain(exc) from None


def what_if(
    doc: LocalityDocument,
    without: Sequence[str] | str = (),
    add: Mapping[str, Any] | str | Path | None = None,
    **thresholds: float,
) -> WhatIf:
    """Audit a locality as changed: which findings appear, which are resolved, what moves.

    Parameters
    ----------
    doc : LocalityDocument
        The locality as it is.
    without : sequence of str, or str
        What to take away: ``person:ID``, ``group:ID`` or ``agency:ID``
        (an agency takes its people with it), as ``locmap audit --without``.
    add : mapping, str or Path, optional
        Agencies, people, groups and links to add (an entry with an existing
        id replaces it): a mapping in the ``locmap/1`` shape, or a YAML or
        JSON file of one, as ``locmap audit --with``.
    **thresholds : float
        Thresholds to change, as for :func:`audit`.

    Returns
    -------
    analysis.whatif.WhatIf
        ``appeared`` and ``resolved`` findings; ``profile_words()`` and
        ``metric_words()``, each change in the audit's words; ``before`` and
        ``after`` (the two audits); ``changed`` (the locality as changed);
        ``as_dict()``, the JSON of ``locmap audit --without ... --json``.

    Raises
    ------
    ValueError
        When a removal is malformed or names nothing in the locality, or a
        threshold is unknown.
    LocalityError
        When the patch cannot be read or leaves an invalid locality.

    Examples
    --------
    >>> change = what_if(read("sample_localities/thame.yaml"), without=["person:senco-lws", "person:counsellor-lws"])
    >>> [f.code for f in change.appeared]
    ['NO_SYSTEMS_MINDER']
    """
    from analysis.whatif import what_if as run_what_if

    removals = [without] if isinstance(without, str) else list(without)
    settings = _settings(thresholds)
    patched = None if add is None else _patched(doc, add)
    try:
        return run_what_if(doc, without=removals, patch=patched, settings=settings)
    except KeyError as exc:  # an unknown id: a wrong argument, said as the CLI says it
        raise ValueError(exc.args[0]) from None


class Networks(NamedTuple):
    """A locality's NetworkX graphs (:func:`graphs`).

    Attributes
    ----------
    membership : networkx.Graph
        Two-mode: people and groups, an edge per seat.  Nodes are named
        ``person:ID`` and ``group:ID``, with ``bipartite`` 0 (people) or 1
        (groups), as :mod:`networkx.algorithms.bipartite` expects; ``kind``
        and ``label`` (the name); people have ``agency`` and ``sector``,
        groups ``type``, ``focus`` and ``external``.  Edges have ``role``
        (the seat's role) and ``attendance`` (0 to 1).
    groups : networkx.Graph
        The projection onto groups: nodes are group ids, with the group
        attributes above; an edge joins two groups sharing members, its
        ``weight`` how many they share.
    links : networkx.MultiDiGraph
        The groups' directed links: nodes are group ids, with the group
        attributes above; an edge per link, from the group that passes
        issues or cases to the one receiving them, keyed by its kind
        (``refers_cases_to``, ``feeds_issues_to``, ``reports_to``, ...),
        with the link's ``id``.
    """

    membership: nx.Graph
    groups: nx.Graph
    links: nx.MultiDiGraph


def graphs(doc: LocalityDocument) -> Networks:
    """The locality as NetworkX graphs: membership (two-mode), its group projection, and the links.

    Parameters
    ----------
    doc : LocalityDocument
        The locality.

    Returns
    -------
    Networks
        ``(membership, groups, links)``; see :class:`Networks` for the
        nodes' and edges' attributes.  Fresh graphs, yours to change.

    Notes
    -----
    The graphs the audit reads (:mod:`analysis.graphs`): the two-mode
    membership graph, as in Davis's Southern Women data (people x events),
    and its one-mode projection onto groups (Breiger, 1974).

    References
    ----------
    Breiger, R. L. (1974). The duality of persons and groups. *Social Forces*, 53(2), 181-190.

    Examples
    --------
    >>> membership, groups, links = graphs(read("sample_localities/thame.yaml"))
    >>> membership.nodes["group:thame-network"]["bipartite"], groups.nodes["thame-network"]["label"]
    (1, 'Thame Network')
    """
    import networkx as nx

    from analysis.graphs import GROUP, build_graphs, group_projection, ident

    built = build_graphs(doc)
    membership = built.membership.copy()  # the cached graph stays the audit's own
    about_groups = {
        ident(n): {k: v for k, v in data.items() if k != "bipartite"}
        for n, data in membership.nodes(data=True)
        if data["kind"] == GROUP
    }
    projection, links = group_projection(built), built.links.to_networkx()
    nx.set_node_attributes(projection, about_groups)
    nx.set_node_attributes(links, about_groups)
    return Networks(membership, projection, links)


def route(doc: LocalityDocument, school: str, concern: str) -> ConcernRoute:
    """Where a worry about a child, raised at a school (or in a group), goes.

    Parameters
    ----------
    doc : LocalityDocument
        The locality.
    school : str
        Where the worry is raised: a school agency or a local group, by id or name.
    concern : str
        The kind of worry, as a value (``emotional_mental_health``) or in
        words ("emotional difficulties").

    Returns
    -------
    analysis.routes.ConcernRoute
        ``routes`` (each a path of ``steps``: the group's ``name``, how the
        worry ``arrives``, ``members_in_words`` by role, never by name,
        ``meets_in_words``, ``contact``; ``inferred`` when the last group does
        not say what it handles), or ``gap`` with the audit's finding it
        corresponds to and the fact to record; ``as_dict()``, the JSON of
        ``locmap route --json``.

    Raises
    ------
    analysis.routes.RouteQuestionError
        A ``ValueError`` when the school or concern names nothing in the
        locality, with the closest choices in ``suggestions``.

    Examples
    --------
    >>> answer = route(read("sample_localities/thame.yaml"), "lord-williams", "emotional")
    >>> [step.name for step in answer.routes[0].steps]
    ['Thame Network']
    """
    from analysis.graphs import build_graphs
    from analysis.routes import concern_route

    return concern_route(build_graphs(doc), school, concern)
