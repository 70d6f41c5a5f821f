"""Turning a locality into graphs: the one place that reads documents.

A locality's communication system has two modes, like the Davis Southern
Women data (people x events): people sit on groups.  On top of that, groups
are joined by directed links of several kinds.  :func:`build_graphs` makes:

``membership``
    The two-mode (bipartite) graph of people and groups; an edge is a seat,
    with the member's ``role`` and ``attendance``.
``links``
    The directed multigraph of groups; each edge has the link's ``kind``
    as its key.
``system``
    The undirected union of both: people, groups, seats and links.  Its
    connected parts are the parts of the communication system.

Node names carry their kind, ``person:ID`` and ``group:ID`` (ids are unique
only within a section), which is also how what-if removals name them.  Every
analysis in this package works on these graphs and the document's plain
attributes; none touches a database or the web.

References
----------
Breiger, R. L. (1974). The duality of persons and groups. *Social Forces*,
53(2), 181-190.
Davis, A., Gardner, B. B., & Gardner, M. R. (1941). *Deep South*. University
of Chicago Press.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import scipy.sparse as sp

from models.document import Group, LocalityDocument, Person
from models.vocab import Focus, GroupType, LinkKind

PERSON = "person"
GROUP = "group"
AGENCY = "agency"

#: Link kinds along which a worry about a child can travel towards casework
#: help: referral, commissioning, oversight, escalation and consultation.
CASE_KINDS = frozenset(
    {LinkKind.refers_cases_to, LinkKind.commissions, LinkKind.oversees, LinkKind.feeds_issues_to, LinkKind.consults}
)
#: Link kinds along which issues travel up towards strategy (feedback).
FEEDBACK_KINDS = frozenset({LinkKind.reports_to, LinkKind.feeds_issues_to})
#: Link kinds that join a locality to a strategic group above it.
UPWARD_KINDS = frozenset({LinkKind.reports_to, LinkKind.feeds_issues_to, LinkKind.consults})

CASEWORK_TYPES = frozenset({GroupType.panel, GroupType.multi_agency_support_team})


def node(kind: str, ident: str) -> str:
    """The graph node name of an entity: ``person:ID``, ``group:ID``."""
    return f"{kind}:{ident}"


def ident(node_name: str) -> str:
    """The file id of a node: ``group:sct-a`` -> ``sct-a``."""
    return node_name.split(":", 1)[1]


@dataclass
class LocalityGraphs:
    """A locality's document and its graphs, built once and shared by the analyses."""

    document: LocalityDocument
    membership: nx.Graph
    links: nx.MultiDiGraph
    system: nx.Graph
    groups: dict[str, Group] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.document.locality.id

    # ---- views by meaning -------------------------------------------------

    @cached_property
    def local_groups(self) -> list[str]:
        """Ids of the groups that belong to the locality (not ``external``)."""
        return [g.id for g in self.document.groups if not g.external]

    @cached_property
    def members_of(self) -> dict[str, list[str]]:
        """Person ids seated on each group, in file order."""
        return {g.id: [m.person for m in g.members] for g in self.document.groups}

    @cached_property
    def groups_of(self) -> dict[str, list[str]]:
        """Group ids each person sits on, in file order."""
        out: dict[str, list[str]] = {p.id: [] for p in self.document.people}
        for g in self.document.groups:
            for m in g.members:
                out[m.person].append(g.id)
        return out

    @cached_property
    def agency_of(self) -> dict[str, str | None]:
        return {p.id: p.agency for p in self.document.people}

    @cached_property
    def sector_of_agency(self) -> dict[str, str]:
        return {a.id: a.sector.value for a in self.document.agencies}

    @cached_property
    def schools(self) -> set[str]:
        return {a.id for a in self.document.agencies if a.school}

    def sectors_in(self, group_id: str) -> set[str]:
        """Sectors of the agencies whose people sit on a group."""
        out = set()
        for person in self.members_of[group_id]:
            agency = self.agency_of.get(person)
            if agency is not None:
                out.add(self.sector_of_agency[agency])
        return out

    def focus(self, group_id: str) -> Focus | None:
        return self.groups[group_id].effective_focus

    def is_casework(self, group_id: str) -> bool:
        """A downstream group: one that takes cases (panels, MASTs, downstream focus)."""
        g = self.groups[group_id]
        return g.effective_focus == Focus.downstream or (g.focus is None and g.type in CASEWORK_TYPES)

    def hosts_casework(self, group_id: str) -> bool:
        """A group where a child's case can be discussed: casework groups and
        groups hosting both conversations (networks, forums, hubs; report 3.3)."""
        return self.is_casework(group_id) or self.groups[group_id].effective_focus == Focus.both

    def is_school_facing(self, group_id: str) -> bool:
        """A group sitting in or working with a school: SCTs and groups with a ``school``."""
        g = self.groups[group_id]
        return g.type == GroupType.school_consultation_team or g.school is not None

    def is_centre(self, group_id: str) -> bool:
        """A local-authority-wide strategic group, outside the locality."""
        g = self.groups[group_id]
        return g.external and (g.type == GroupType.strategic_centre or g.effective_focus == Focus.strategic)

    def link_view(self, kinds: frozenset[LinkKind]) -> nx.DiGraph:
        """The group-link graph restricted to some kinds of link, as a simple digraph."""
        view = nx.DiGraph()
        view.add_nodes_from(self.groups)
        view.add_edges_from((u, v) for u, v, kind in self.links.edges(keys=True) if kind in kinds)
        return view

    @cached_property
    def incidence(self) -> tuple[sp.csr_matrix, list[str], list[str]]:
        """The people x groups incidence matrix ``B`` (CSR, 0/1), with row and column ids."""
        person_ids = [p.id for p in self.document.people]
        group_ids = [g.id for g in self.document.groups]
        row_of = {p: i for i, p in enumerate(person_ids)}
        rows, cols = [], []
        for j, g in enumerate(self.document.groups):
            for m in g.members:
                rows.append(row_of[m.person])
                cols.append(j)
        data = np.ones(len(rows), dtype=np.float64)
        matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(person_ids), len(group_ids)))
        return matrix, person_ids, group_ids

    def without(self, people: set[str] = frozenset(), groups: set[str] = frozenset(), agencies: set[str] = frozenset()) -> "LocalityGraphs":
        """The locality with some people, groups or whole agencies taken away (what-if)."""
        return build_graphs(remove_from_document(self.document, people=people, groups=groups, agencies=agencies))


def remove_from_document(
    document: LocalityDocument,
    *,
    people: set[str] = frozenset(),
    groups: set[str] = frozenset(),
    agencies: set[str] = frozenset(),
) -> LocalityDocument:
    """A copy of ``document`` without the given people, groups and agencies.

    Removing an agency removes its people; removing a person removes their
    seats; removing a group removes its links.  Unknown ids raise ``KeyError``
    naming them, so a mistyped what-if is not silently a no-op.
    """
    for kind, wanted, present in (
        ("person", people, {p.id for p in document.people}),
        ("group", groups, {g.id for g in document.groups}),
        ("agency", agencies, {a.id for a in document.agencies}),
    ):
        missing = sorted(set(wanted) - present)
        if missing:
            raise KeyError(f"unknown {kind} {', '.join(repr(m) for m in missing)} in locality {document.locality.id!r}")
    people = set(people) | {p.id for p in document.people if p.agency in agencies}
    data = document.model_copy(deep=True)
    data.agencies = [a for a in data.agencies if a.id not in agencies]
    data.people = [p for p in data.people if p.id not in people]
    data.groups = [g for g in data.groups if g.id not in groups]
    for g in data.groups:
        g.members = [m for m in g.members if m.person not in people]
        if g.school in agencies:
            g.school = None
    data.links = [link for link in data.links if link.from_ not in groups and link.to not in groups]
    return data


def build_graphs(document: LocalityDocument) -> LocalityGraphs:
    """Build the membership, link and system graphs of a locality.

    Parameters
    ----------
    document : LocalityDocument
        A validated ``locmap/1`` document (references are known to resolve).

    Returns
    -------
    LocalityGraphs
        The graphs, with node attributes ``kind`` (``person`` or ``group``),
        ``label`` (the name), and for groups ``type``, ``focus`` and
        ``external``; for people ``agency`` and ``sector``.
    """
    sector = {a.id: a.sector.value for a in document.agencies}
    membership = nx.Graph(name=document.locality.id)
    for p in document.people:
        membership.add_node(
            node(PERSON, p.id),
            kind=PERSON,
            label=p.name,
            agency=p.agency,
            sector=sector.get(p.agency) if p.agency else None,
            bipartite=0,
        )
    for g in document.groups:
        focus = g.effective_focus
        membership.add_node(
            node(GROUP, g.id),
            kind=GROUP,
            label=g.name,
            type=g.type.value,
            focus=focus.value if focus else None,
            external=g.external,
            bipartite=1,
        )
    for g in document.groups:
        for m in g.members:
            membership.add_edge(
                node(PERSON, m.person),
                node(GROUP, g.id),
                role=m.role.value,
                attendance=1.0 if m.attendance is None else m.attendance,
            )

    links = nx.MultiDiGraph(name=document.locality.id)
    links.add_nodes_from(g.id for g in document.groups)
    for link in document.links:
        links.add_edge(link.from_, link.to, key=link.kind, id=link.id)

    system = nx.Graph(membership)
    for u, v, kind in links.edges(keys=True):
        a, b = node(GROUP, u), node(GROUP, v)
        if system.has_edge(a, b):
            system.edges[a, b]["kinds"].add(kind.value)
        else:
            system.add_edge(a, b, kinds={kind.value})

    return LocalityGraphs(
        document=document,
        membership=membership,
        links=links,
        system=system,
        groups={g.id: g for g in document.groups},
        people={p.id: p for p in document.people},
    )


def group_projection(graphs: LocalityGraphs) -> nx.Graph:
    """Groups joined by shared members, weighted by how many they share.

    The one-mode projection of the membership graph onto groups (Breiger
    1974), computed as the sparse product ``B.T @ B`` rather than pair by pair.
    """
    matrix, _, group_ids = graphs.incidence
    return _weighted_graph(matrix.T @ matrix, group_ids)


def person_projection(graphs: LocalityGraphs) -> nx.Graph:
    """People joined by the groups they share (who meets whom), weighted by count.

    Built from ``B @ B.T``; fine for a locality, but at county scale use the
    sparse matrix itself rather than this graph.
    """
    matrix, person_ids, _ = graphs.incidence
    return _weighted_graph(matrix @ matrix.T, person_ids)


def _weighted_graph(product: sp.spmatrix, ids: list[str]) -> nx.Graph:
    """The graph of a symmetric co-membership product: an edge per non-zero off-diagonal entry."""
    shared = sp.triu(product, k=1).tocoo()
    projection = nx.Graph()
    projection.add_nodes_from(ids)
    projection.add_weighted_edges_from((ids[i], ids[j], int(w)) for i, j, w in zip(shared.row, shared.col, shared.data))
    return projection
