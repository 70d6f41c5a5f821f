"""Turning a locality into graphs: the one place that reads documents.

A locality's communication system has two modes, like the Davis Southern
Women data (people x events): people sit on groups.  On top of that, groups
are joined by directed links of several kinds.  :func:`build_graphs` makes:

``membership``
    The two-mode (bipartite) graph of people and groups; an edge is a seat,
    with the member's ``role`` and ``attendance``.
``links``
    The directed multigraph of groups; each edge has the link's ``kind``
    as its key (:class:`analysis.links.LinkGraph`, a plain adjacency, so
    an audit never loads NetworkX).
``system``
    The undirected union of both: people, groups, seats and links.  Its
    connected parts are the parts of the communication system.

Node names carry their kind, ``person:ID`` and ``group:ID`` (ids are unique
only within a section), which is also how what-if removals name them.  Every
analysis in this package works on these graphs and the document's plain
attributes; none touches a database or the web.

``membership`` and ``system`` are NetworkX graphs built on first use.  The audit reads the
same structure as integer-indexed sparse matrices, built once per locality
in O(people + groups + seats + links): the people x groups incidence
matrix (:attr:`LocalityGraphs.incidence`), its co-membership product
(:attr:`LocalityGraphs.co_membership`) and the local system's adjacency
(:attr:`LocalityGraphs.local_adjacency`), on which :mod:`analysis.kernels`
runs the heavy computations, so that county and national documents (10^5
people, 4 x 10^5 seats) are audited in seconds.

References
----------
Breiger, R. L. (1974). The duality of persons and groups. *Social Forces*,
53(2), 181-190.
Davis, A., Gardner, B. B., & Gardner, M. R. (1941). *Deep South*. University
of Chicago Press.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from models.document import Agency, Group, LocalityDocument, Member, Person, looks_like_school
from models.vocab import Focus, GroupType, LinkKind, Sector

from .attendance import attendance
from .links import LinkGraph
from .sparse import Adjacency, co_occurrence, undirected_adjacency

if TYPE_CHECKING:
    import networkx as nx

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
#: Sectors of the agencies "normally working at tier 3" (5.3 vii), who can take a case on.
TIER3_SECTORS = frozenset({Sector.social_care.value, Sector.mental_health.value, Sector.health.value})


def node(kind: str, ident: str) -> str:
    """The graph node name of an entity: ``person:ID``, ``group:ID``."""
    return f"{kind}:{ident}"


def ident(node_name: str) -> str:
    """The file id of a node: ``group:sct-a`` -> ``sct-a``."""
    return node_name.split(":", 1)[1]


@dataclass
class LocalityGraphs:
    """A locality's document and its graphs, built once and shared by the analyses.

    The ``links`` graph is built at once; the ``membership`` and ``system``
    graphs are NetworkX graphs built on first use (in bulk), since the audit
    itself works on the integer-indexed arrays below (:attr:`local_adjacency`,
    :attr:`incidence`) and never needs them: at county and national scale
    (10^5 people, 4 x 10^5 seats) building them is the largest fixed cost.
    """

    document: LocalityDocument
    links: LinkGraph
    groups: dict[str, Group] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.document.locality.id

    # ---- the NetworkX graphs, built on first use --------------------------

    @cached_property
    def membership(self) -> nx.Graph:
        """The two-mode graph of people and groups; an edge per seat, with ``role`` and ``attendance``."""
        return _membership_graph(self.document)

    @cached_property
    def system(self) -> nx.Graph:
        """The undirected union of the membership graph and the links (``kinds`` on group-group edges)."""
        return _system_graph(self.document, self.links)

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
    def people_by_agency(self) -> dict[str, list[str]]:
        """Person ids of each agency, in file order (every agency has an entry)."""
        out: dict[str, list[str]] = {a.id: [] for a in self.document.agencies}
        for p in self.document.people:
            if p.agency is not None:
                out.setdefault(p.agency, []).append(p.id)
        return out

    @cached_property
    def agencies(self) -> dict[str, Agency]:
        """Agencies by id."""
        return {a.id: a for a in self.document.agencies}

    @cached_property
    def school_groups(self) -> dict[str, list[str]]:
        """Local groups sitting in each school (their ``school``), in file order."""
        out: dict[str, list[str]] = {}
        for group_id in self.local_groups:
            school = self.groups[group_id].school
            if school is not None:
                out.setdefault(school, []).append(group_id)
        return out

    @cached_property
    def group_index(self) -> dict[str, int]:
        """Each group's position in the file: its column in :attr:`incidence`."""
        return {g.id: j for j, g in enumerate(self.document.groups)}

    @cached_property
    def person_index(self) -> dict[str, int]:
        """Each person's position in the file: their row in :attr:`incidence`."""
        return {p.id: i for i, p in enumerate(self.document.people)}

    def seat(self, person: str, group_id: str) -> Member:
        """The seat of a person on a group (``KeyError`` if they do not sit on it)."""
        seats = self._seats.get(group_id)
        if seats is None:
            seats = self._seats[group_id] = {m.person: m for m in self.groups[group_id].members}
        return seats[person]

    @cached_property
    def _seats(self) -> dict[str, dict[str, Member]]:
        return {}

    @cached_property
    def sector_of_agency(self) -> dict[str, str]:
        return {a.id: a.sector.value for a in self.document.agencies}

    @cached_property
    def schools_inferred(self) -> bool:
        """True when no agency is marked ``school`` and the schools are read from names instead."""
        return not any(a.school for a in self.document.agencies)

    @cached_property
    def schools(self) -> set[str]:
        """School agencies: those marked ``school: true`` or, when none is, those whose
        name reads as a school (:func:`models.document.looks_like_school`)."""
        if not self.schools_inferred:
            return {a.id for a in self.document.agencies if a.school}
        return {a.id for a in self.document.agencies if looks_like_school(a)}

    @cached_property
    def seat_weights(self) -> dict[str, dict[str, float]]:
        """Each group's seats' attendance by person, in the file's order: read once, asked for
        tens of thousands of times in a county's audit."""
        return {g.id: {m.person: attendance(m) for m in g.members} for g in self.document.groups}

    def weight(self, person: str, group_id: str) -> float:
        """How much a person's seat on a group counts: its attendance (:mod:`analysis.attendance`).

        ``KeyError`` if they do not sit on it."""
        return self.seat_weights[group_id][person]

    def sectors_in(self, group_id: str) -> set[str]:
        """Sectors of the agencies whose people sit on a group (a new set; computed once per group)."""
        found = self._sectors.get(group_id)
        if found is None:
            sector_of = self._sector_of_person
            found = frozenset(s for s in (sector_of[p] for p in self.members_of[group_id]) if s is not None)
            self._sectors[group_id] = found
        return set(found)

    @cached_property
    def _sectors(self) -> dict[str, frozenset[str]]:
        return {}

    @cached_property
    def _sector_of_person(self) -> dict[str, str | None]:
        sector = self.sector_of_agency
        return {p.id: (sector[p.agency] if p.agency is not None else None) for p in self.document.people}

    def tier3_attends(self, group_id: str) -> bool:
        """Whether someone from a tier-3 agency (social care, mental health, health) attends a group."""
        sector_of = self._sector_of_person
        return any(sector_of[p] in TIER3_SECTORS and self.weight(p, group_id) > 0 for p in self.members_of[group_id])

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
        import networkx as nx  # views are for callers wanting NetworkX; the audit walks ``links``

        view = nx.DiGraph()
        view.add_nodes_from(self.groups)
        view.add_edges_from((u, v) for u, v, kind in self.links.edges(keys=True) if kind in kinds)
        return view

    @cached_property
    def _seat_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Every seat as (person row, group column), group by group in file order."""
        row_of = self.person_index
        rows = np.fromiter((row_of[m.person] for g in self.document.groups for m in g.members), dtype=np.int64)
        cols = np.repeat(
            np.arange(len(self.document.groups), dtype=np.int64), [len(g.members) for g in self.document.groups]
        )
        return rows, cols

    @cached_property
    def incidence(self) -> tuple[tuple[np.ndarray, np.ndarray], list[str], list[str]]:
        """The people x groups incidence matrix ``B`` as its 1 entries ``(rows, cols)``, with row and column ids."""
        person_ids = [p.id for p in self.document.people]
        group_ids = [g.id for g in self.document.groups]
        return self._seat_arrays, person_ids, group_ids

    @cached_property
    def co_membership(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Pairs of groups sharing members: the upper triangle of ``B.T @ B``.

        Returns ``(first, second, shared, sizes)``: for every pair of group
        columns ``first < second`` with at least one member in common, the
        number shared; and each group's number of members.  Pairs that share
        nobody are never visited (:func:`analysis.sparse.co_occurrence`).
        """
        rows, cols = self._seat_arrays
        n_groups = len(self.document.groups)
        sizes = np.bincount(cols, minlength=n_groups).astype(np.float64)
        first, second, shared = co_occurrence(rows, cols, n_groups)
        return first, second, shared, sizes

    @cached_property
    def local_adjacency(self) -> Adjacency:
        """The local system graph as a symmetric 0/1 CSR adjacency over integer nodes.

        Node ``i < P`` is the ``i``-th person, node ``P + j`` the ``j``-th
        group (file order, as in :attr:`incidence`).  Edges are the seats on,
        and the links (either direction) between, groups of the locality:
        groups outside it keep their node but have no edges, as in
        :func:`analysis.structure.local_system`.
        """
        n_people, n_groups = len(self.document.people), len(self.document.groups)
        external = np.fromiter((g.external for g in self.document.groups), dtype=bool, count=n_groups)
        rows, cols = self._seat_arrays
        keep = ~external[cols]
        u = [rows[keep], n_people + cols[keep]]
        index = self.group_index
        link_ends = [
            (index[a], index[b])
            for a, b in self.links.edges(keys=False)
            if not (external[index[a]] or external[index[b]])
        ]
        if link_ends:
            ends = np.asarray(link_ends, dtype=np.int64) + n_people
            u = [np.concatenate([u[0], ends[:, 0]]), np.concatenate([u[1], ends[:, 1]])]
        return undirected_adjacency(n_people + n_groups, (u[0], u[1]))

    @cached_property
    def local_nodes(self) -> np.ndarray:
        """Boolean mask of the nodes of :attr:`local_adjacency` in the local system (all but external groups)."""
        n_people = len(self.document.people)
        external = np.fromiter((g.external for g in self.document.groups), dtype=bool, count=len(self.document.groups))
        return np.concatenate([np.ones(n_people, dtype=bool), ~external])

    def node_name(self, index: int) -> str:
        """The graph node name (``person:ID`` or ``group:ID``) of an integer node of :attr:`local_adjacency`."""
        n_people = len(self.document.people)
        if index < n_people:
            return node(PERSON, self.document.people[index].id)
        return node(GROUP, self.document.groups[index - n_people].id)

    def without(
        self,
        people: AbstractSet[str] = frozenset(),
        groups: AbstractSet[str] = frozenset(),
        agencies: AbstractSet[str] = frozenset(),
    ) -> LocalityGraphs:
        """The locality with some people, groups or whole agencies taken away (what-if)."""
        return build_graphs(remove_from_document(self.document, people=people, groups=groups, agencies=agencies))


def remove_from_document(
    document: LocalityDocument,
    *,
    people: AbstractSet[str] = frozenset(),
    groups: AbstractSet[str] = frozenset(),
    agencies: AbstractSet[str] = frozenset(),
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
    gone = set(people) | {p.id for p in document.people if p.agency in agencies}
    data = document.model_copy(deep=True)
    data.agencies = [a for a in data.agencies if a.id not in agencies]
    data.people = [p for p in data.people if p.id not in gone]
    data.groups = [g for g in data.groups if g.id not in groups]
    for g in data.groups:
        g.members = [m for m in g.members if m.person not in gone]
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
        ``external``; for people ``agency`` and ``sector``.  The membership
        and system graphs are built on first use.
    """
    links = LinkGraph(document.locality.id, (g.id for g in document.groups))
    for link in document.links:
        links.add_edge(link.from_, link.to, link.kind, id=link.id)
    return LocalityGraphs(
        document=document,
        links=links,
        groups={g.id: g for g in document.groups},
        people={p.id: p for p in document.people},
    )


def _node_entries(document: LocalityDocument):
    """(node, attributes) of every person, then every group, in file order."""
    sector = {a.id: a.sector.value for a in document.agencies}
    for p in document.people:
        yield (
            node(PERSON, p.id),
            {
                "kind": PERSON,
                "label": p.name,
                "agency": p.agency,
                "sector": sector.get(p.agency) if p.agency else None,
                "bipartite": 0,
            },
        )
    for g in document.groups:
        focus = g.effective_focus
        yield (
            node(GROUP, g.id),
            {
                "kind": GROUP,
                "label": g.name,
                "type": g.type.value,
                "focus": focus.value if focus else None,
                "external": g.external,
                "bipartite": 1,
            },
        )


def _seat_edges(document: LocalityDocument):
    for g in document.groups:
        group_node = node(GROUP, g.id)
        for m in g.members:
            yield (
                node(PERSON, m.person),
                group_node,
                {"role": m.role.value, "attendance": attendance(m)},
            )


def _membership_graph(document: LocalityDocument) -> nx.Graph:
    import networkx as nx  # the NetworkX graphs are built on first use, never by the audit

    membership = nx.Graph(name=document.locality.id)
    membership.add_nodes_from(_node_entries(document))
    membership.add_edges_from(_seat_edges(document))
    return membership


def _system_graph(document: LocalityDocument, links: LinkGraph) -> nx.Graph:
    import networkx as nx

    system = nx.Graph(name=document.locality.id)
    system.add_nodes_from(_node_entries(document))
    system.add_edges_from(_seat_edges(document))
    kinds: dict[tuple[str, str], set[str]] = {}
    for u, v, kind in links.edges(keys=True):
        a, b = node(GROUP, u), node(GROUP, v)
        key = (b, a) if (b, a) in kinds else (a, b)
        kinds.setdefault(key, set()).add(kind.value)
    system.add_edges_from((a, b, {"kinds": found}) for (a, b), found in kinds.items())
    return system


def group_projection(graphs: LocalityGraphs) -> nx.Graph:
    """Groups joined by shared members, weighted by how many they share.

    The one-mode projection of the membership graph onto groups (Breiger
    1974), computed as the sparse product ``B.T @ B`` rather than pair by pair.
    """
    (rows, cols), _, group_ids = graphs.incidence
    return _weighted_graph(co_occurrence(rows, cols, len(group_ids)), group_ids)


def person_projection(graphs: LocalityGraphs) -> nx.Graph:
    """People joined by the groups they share (who meets whom), weighted by count.

    Built from ``B @ B.T``; fine for a locality, but at county scale use the
    incidence itself rather than this graph.
    """
    (rows, cols), person_ids, _ = graphs.incidence
    return _weighted_graph(co_occurrence(cols, rows, len(person_ids)), person_ids)


def _weighted_graph(pairs: tuple[np.ndarray, np.ndarray, np.ndarray], ids: list[str]) -> nx.Graph:
    """The graph of co-membership pairs ``(first, second, shared)``: an edge per pair."""
    import networkx as nx

    projection = nx.Graph()
    projection.add_nodes_from(ids)
    projection.add_weighted_edges_from(
        (ids[i], ids[j], int(w)) for i, j, w in zip(*(part.tolist() for part in pairs), strict=True)
    )
    return projection
