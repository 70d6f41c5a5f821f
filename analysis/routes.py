"""Concern routes: where a worry about a child at a school, of one kind, goes.

The audit's downstream analysis (:mod:`analysis.pathways`) turned round for
the person who has to use it (report 3.2: "new members of the locality need
to be actively initiated into the communication system").  From a school, a
worry enters the groups sitting in it and the groups its staff sit on; from
a group, that group.  It travels along case-carrying links
(:data:`analysis.graphs.CASE_KINDS`) to the groups that can take a case
(:func:`analysis.pathways.case_hosts`), and among those to the ones whose
``handles`` include its kind.  One breadth-first search over the link graph,
O(V + E).  The answer names roles, never people.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from models.vocab import CONCERN_LABELS, CONCERN_WORDS, GROUP_TYPE_LABELS, MEETINGS_PER_YEAR, Concern, LinkKind

from .attendance import is_regular
from .findings import Finding
from .graphs import CASE_KINDS, LocalityGraphs
from .pathways import case_hosts

#: When two groups are joined by several case-carrying links, the one a worry travels by, best first.
LINK_PREFERENCE = (
    LinkKind.refers_cases_to,
    LinkKind.commissions,
    LinkKind.consults,
    LinkKind.feeds_issues_to,
    LinkKind.oversees,
)

#: Words of job-role codes that are acronyms (``senco`` reads "SENCO").
ROLE_ACRONYMS = frozenset({"senco", "hsclw", "gp", "camhs", "yot", "la", "iss", "esw", "sebd", "pa", "sen"})
#: Plurals that are not the word with an "s".
PLURALS = {"person": "people", "child": "children", "staff": "staff", "sebd": "SEBD"}

#: How many close matches an unknown school, group or concern is answered with.
SUGGESTIONS = 5


class RouteQuestionError(ValueError):
    """A route asked about something the locality does not have, in plain words.

    ``field`` is ``from`` or ``concern`` (the form field or option it concerns);
    ``suggestions`` are the closest choices, as people would type them.
    """

    def __init__(self, field: str, message: str, suggestions: Sequence[str] = ()):
        super().__init__(message)
        self.field = field
        self.message = message
        self.suggestions = tuple(suggestions)


@dataclass(frozen=True)
class RouteStep:
    """One group a worry passes through, described for someone who has to go there."""

    group: str
    name: str
    type_words: str
    purpose: str | None
    #: How the worry reaches it: "sits in School A", "SCT refers cases to it".
    arrives: str
    #: Job roles of its members, counted, most first: (("social worker", 2), ...).
    roles: tuple[tuple[str, int], ...]
    meets_in_words: str
    meeting_pattern: str | None
    next_meeting: str | None
    contact: str | None
    handles: tuple[str, ...]
    #: Whether it takes casework (a panel, a MAST, or a network where tier-3 agencies attend).
    takes_cases: bool
    #: Whether it takes this concern: True, False, or None when it does not say what it handles.
    takes: bool | None

    @property
    def members_in_words(self) -> str:
        """``2 SENCOs, 1 social worker``: roles only, never names."""
        return ", ".join(f"{n} {plural(role) if n != 1 else role}" for role, n in self.roles) or "no members recorded"

    @property
    def takes_in_words(self) -> str:
        if self.takes is None:
            return "does not say what it handles: a possible route (inferred)"
        if not self.handles:
            return "takes no concerns of this kind"
        said = ", ".join(CONCERN_LABELS[h].lower() for h in self.handles)
        return ("takes this concern" if self.takes else "does not take this concern") + f" (it handles {said})"


@dataclass(frozen=True)
class Route:
    """A path of groups from where the worry is raised to a group that can take it."""

    steps: tuple[RouteStep, ...]
    #: True when the last group does not say what it handles.
    inferred: bool


@dataclass(frozen=True)
class RouteGap:
    """No route, or none to a group that takes cases as its business, with the finding it corresponds to."""

    message: str
    #: What to record so that the answer can be given.
    fact: str
    finding_code: str | None = None
    finding_message: str | None = None
    finding_subjects: tuple[str, ...] = ()
    finding_anchor: str | None = None


@dataclass(frozen=True)
class ConcernRoute:
    """The answer to "a worry of this kind, raised here: where does it go?"."""

    locality: str
    start: str
    #: ``school`` or ``group``.
    start_kind: str
    start_name: str
    concern: Concern
    routes: tuple[Route, ...]
    gap: RouteGap | None
    #: Set when no group of the locality says it takes this concern: "cannot tell", and the fact to record.
    cannot_tell: str | None
    #: Groups taking cases that the worry reaches but that say they do not take it.
    passed: tuple[RouteStep, ...]
    #: Groups that take this concern but that no recorded route from here reaches.
    elsewhere: tuple[str, ...]

    @property
    def concern_words(self) -> str:
        return CONCERN_LABELS[self.concern.value]

    def as_dict(self) -> dict:
        """The JSON shape of ``locmap route --json``."""

        def step(s: RouteStep) -> dict:
            out = asdict(s)
            out["roles"] = [{"role": role, "count": n} for role, n in s.roles]
            out.update(members_in_words=s.members_in_words, takes_in_words=s.takes_in_words)
            return out

        return {
            "locality": self.locality,
            "from": {"id": self.start, "kind": self.start_kind, "name": self.start_name},
            "concern": self.concern.value,
            "concern_words": self.concern_words,
            "routes": [{"inferred": r.inferred, "steps": [step(s) for s in r.steps]} for r in self.routes],
            "gap": asdict(self.gap) if self.gap else None,
            "cannot_tell": self.cannot_tell,
            "passed": [step(s) for s in self.passed],
            "elsewhere": list(self.elsewhere),
        }


# ---------------------------------------------------------------- the question


def _plain(text: str) -> str:
    """Lower case, curly apostrophes straightened, spaces collapsed: how names are compared."""
    return " ".join(text.replace("\u2019", "'").lower().split())


def parse_concern(text: str) -> Concern:
    """The concern a person's words name.

    Parameters
    ----------
    text : str
        A concern's value (``emotional_mental_health``), its label, or words
        that contain one of :data:`models.vocab.CONCERN_WORDS` as whole
        words ("emotional difficulties").

    Returns
    -------
    Concern

    Raises
    ------
    RouteQuestionError
        When the words name no concern, or two equally well, listing the choices.
    """
    asked = _plain(text)
    for concern in Concern:
        if asked in (concern.value, concern.value.replace("_", " "), CONCERN_LABELS[concern.value].lower()):
            return concern
    # The longest phrase found wins: "youth offending" is offending, not youth and community.
    found: dict[Concern, int] = {}
    for value, phrases in CONCERN_WORDS.items():
        for phrase in phrases:
            if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", asked):
                found[Concern(value)] = max(found.get(Concern(value), 0), len(phrase))
    best = max(found.values(), default=0)
    winners = [c for c, n in found.items() if n == best]
    if len(winners) == 1:
        return winners[0]
    labels = [CONCERN_LABELS[c.value] for c in (winners or Concern)]
    if winners:
        raise RouteQuestionError("concern", f"'{text}' could be {' or '.join(labels)}: say which.", labels)
    close = _close(asked, {CONCERN_LABELS[c.value]: c.value for c in Concern}, CONCERN_WORDS)
    raise RouteQuestionError(
        "concern", f"'{text}' is not a kind of concern. The kinds are: {', '.join(labels)}.", close or labels
    )


def _close(asked: str, labels: dict[str, str], words: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Labels close to what was asked, by their label, id or (for concerns) their words."""
    keys: dict[str, str] = {}
    for label, ident in labels.items():
        keys.setdefault(_plain(label), label)
        keys.setdefault(_plain(ident), label)
        for phrase in (words or {}).get(ident, ()):
            keys.setdefault(phrase, label)
    near = difflib.get_close_matches(asked, list(keys), n=SUGGESTIONS * 2, cutoff=0.6)
    return list(dict.fromkeys(keys[k] for k in near))[:SUGGESTIONS]


def start_choices(graphs: LocalityGraphs) -> list[tuple[str, str, str]]:
    """Where a worry can be raised, as ``(value, name, kind)``: the schools, then the school-facing groups.

    A group whose id is also a school's is given as ``group:ID``.
    """
    schools = [a for a in graphs.document.agencies if a.id in graphs.schools]
    out = [(a.id, a.name, "school") for a in schools]
    school_ids = {a.id for a in schools}
    for g in graphs.local_groups:
        if graphs.is_school_facing(g):
            out.append((f"group:{g}" if g in school_ids else g, graphs.groups[g].name, "group"))
    return out


def resolve_start(graphs: LocalityGraphs, text: str) -> tuple[str, str]:
    """The school or local group ``text`` names, by id or name, as ``("school" | "group", id)``.

    ``group:ID`` and ``school:ID`` say which when a school and a group share an
    id; a bare id shared by both is the school.

    Raises
    ------
    RouteQuestionError
        Naming the closest schools and groups.
    """
    asked = _plain(text)
    kind, _, rest = asked.partition(":")
    wanted = {"school": rest, "group": rest} if kind in ("school", "group") and rest else {}
    schools = [a for a in graphs.document.agencies if a.id in graphs.schools]
    for a in schools:
        if wanted.get("school", asked) in (a.id, _plain(a.name)) and kind != "group":
            return "school", a.id
    for g in graphs.local_groups:
        if wanted.get("group", asked) in (g, _plain(graphs.groups[g].name)):
            return "group", g
    labels = {a.name: a.id for a in schools} | {graphs.groups[g].name: g for g in graphs.local_groups}
    close = _close(asked, labels)
    hint = f" Did you mean: {'; '.join(close)}?" if close else ""
    some = [name for _, name, _ in start_choices(graphs)][:10]
    raise RouteQuestionError(
        "from",
        f"'{text}' is not a school or group of {graphs.document.locality.name}.{hint} "
        f"Schools and school-facing groups: {'; '.join(some) or 'none recorded'}.",
        close or some,
    )


# ---------------------------------------------------------------- words for a step


def role_words(role: str | None) -> str:
    """A job-role code in words, acronyms kept: ``senco`` reads "SENCO", ``head_teacher`` "head teacher"."""
    if not role:
        return "person (role not recorded)"
    if not re.fullmatch(r"[a-z0-9_]+", role):
        return role
    return " ".join(w.upper() if w in ROLE_ACRONYMS else w for w in role.split("_"))


def plural(words: str) -> str:
    """The plural of a role in words: "social workers", "SENCOs", "young people"."""
    head, _, last = words.rpartition(" ")
    if words.endswith(")"):
        return words.replace("person", "people", 1)
    if last.lower() in PLURALS:
        return f"{head} {PLURALS[last.lower()]}".strip()
    return f"{words}s" if not last.endswith("s") else words


def meets_in_words(graphs: LocalityGraphs, group_id: str) -> str:
    """How often a group meets, in words: "3 times a year (termly)", "monthly (about 11 a year)"."""
    g = graphs.groups[group_id]
    said = g.meets.value.replace("_", " ") if g.meets else None
    if g.meetings_per_year is not None:
        times = {1.0: "once", 2.0: "twice"}.get(g.meetings_per_year, f"{g.meetings_per_year:g} times")
        return f"{times} a year" + (f" ({said})" if said else "")
    if g.meets is not None:
        count = MEETINGS_PER_YEAR[g.meets]
        return f"{said} (about {count:g} a year)" if count else "as needed"
    return "not recorded"


def _step(graphs: LocalityGraphs, group_id: str, arrives: str, concern: Concern, hosts: set[str]) -> RouteStep:
    g = graphs.groups[group_id]
    counted = Counter(role_words(graphs.people[p].role) for p in graphs.members_of[group_id])
    handles = tuple(h.value for h in g.handles)
    return RouteStep(
        group=group_id,
        name=g.name,
        type_words=GROUP_TYPE_LABELS[g.type.value],
        purpose=g.purpose,
        arrives=arrives,
        roles=tuple(sorted(counted.items(), key=lambda item: -item[1])),
        meets_in_words=meets_in_words(graphs, group_id),
        meeting_pattern=g.meeting_pattern,
        next_meeting=g.next_meeting,
        contact=g.contact,
        handles=handles,
        takes_cases=group_id in hosts,
        takes=(concern.value in handles) if handles else None,
    )


# ---------------------------------------------------------------- the search


def _entries(graphs: LocalityGraphs, kind: str, start: str) -> dict[str, str]:
    """The groups a worry is first raised in, each with how it gets there, in file order."""
    if kind == "group":
        return {start: "where the worry is raised"}
    name = graphs.agencies[start].name
    out = {g: f"sits in {name}" for g in graphs.school_groups.get(start, [])}
    staff = graphs.people_by_agency.get(start, [])
    local = set(graphs.local_groups)
    for g in graphs.local_groups:
        seated = [p for p in graphs.members_of[g] if p in staff]
        if seated and g not in out and g in local:
            counted = Counter(role_words(graphs.people[p].role) for p in seated)
            roles = ", ".join(f"{n} {plural(r) if n != 1 else r}" for r, n in counted.items())
            out[g] = f"staff of {name} sit on it ({roles})"
    return out


def _member_entries(graphs: LocalityGraphs, start: str) -> dict[str, str]:
    """Groups a start group's members regularly sit on as well: the informal route the audit counts."""
    out: dict[str, str] = {}
    name = graphs.groups[start].name
    local = set(graphs.local_groups)
    for p in graphs.members_of[start]:
        for h in graphs.groups_of[p]:
            if h != start and h in local and h not in out:
                if is_regular(min(graphs.weight(p, start), graphs.weight(p, h))):
                    out[h] = f"a {role_words(graphs.people[p].role)} from {name} also sits on it"
    return out


def _search(graphs: LocalityGraphs, entries: dict[str, str], concern: Concern, hosts: set[str]):
    """Breadth-first along case-carrying links from the entries: the paths to groups that may take the worry.

    A host that takes the concern ends its path; one that does not say what it
    handles is a possible end and the search goes on past it; one that says it
    does not take the concern is passed through.
    """
    parent: dict[str, tuple[str | None, str]] = {g: (None, how) for g, how in entries.items()}
    queue = deque(entries)
    ends: list[str] = []
    passed: list[str] = []
    local = set(graphs.local_groups)
    while queue:
        g = queue.popleft()
        handles = graphs.groups[g].handles
        if g in hosts:
            if not handles or concern in handles:
                ends.append(g)
            else:
                passed.append(g)
            if concern in handles:
                continue
        best: dict[str, LinkKind] = {}
        for _, target, link_kind in graphs.links.out_edges(g, keys=True):
            if link_kind in CASE_KINDS and target in local and target not in parent:
                now = best.get(target)
                if now is None or LINK_PREFERENCE.index(link_kind) < LINK_PREFERENCE.index(now):
                    best[target] = link_kind
        for target, link_kind in best.items():
            parent[target] = (g, f"{graphs.groups[g].name} {link_kind.value.replace('_', ' ')} it")
            queue.append(target)
    return parent, ends, passed


def _path(parent: dict[str, tuple[str | None, str]], end: str) -> list[tuple[str, str]]:
    out = []
    node: str | None = end
    while node is not None:
        prev, how = parent[node]
        out.append((node, how))
        node = prev
    return out[::-1]


# ---------------------------------------------------------------- the answer


def concern_route(
    graphs: LocalityGraphs, start: str, concern: str | Concern, findings: Sequence[Finding] | None = None
) -> ConcernRoute:
    """Where a worry of one kind, raised at a school or in a group, goes.

    Parameters
    ----------
    graphs : LocalityGraphs
        The locality.
    start : str
        A school agency or a local group, by id or name (:func:`resolve_start`).
    concern : str or Concern
        The kind of worry, as a value or in words (:func:`parse_concern`).
    findings : sequence of Finding, optional
        The locality's audit findings, to cite for a gap; audited here if not given.

    Returns
    -------
    ConcernRoute
        The paths of groups (declared ones first, then those ending at a group
        that does not say what it handles, marked as inferred; shortest first),
        or a gap with the finding it corresponds to and the fact to record.

    Raises
    ------
    RouteQuestionError
        When ``start`` or ``concern`` names nothing in the locality.

    Notes
    -----
    From a school, the worry enters the groups sitting in it (``school``) and
    the groups its staff sit on: in the pilots "over 95% of referrals are from
    schools" (4.2 iii), made by their own staff.  It travels along
    case-carrying links to a group that can take a case
    (:func:`analysis.pathways.case_hosts`).  From a group with no such link,
    a member regularly sitting on both counts, as in the audit
    (:func:`analysis.pathways.routes_to`).  Where every route ends at a group
    that only hears cases (a network where tier-3 agencies attend), the
    answer carries the audit's finding that who takes a case on is not
    recorded.
    """
    kind, start_id = resolve_start(graphs, start)
    wanted = concern if isinstance(concern, Concern) else parse_concern(concern)
    hosts = case_hosts(graphs)
    entries = _entries(graphs, kind, start_id)
    parent, ends, passed = _search(graphs, entries, wanted, hosts)
    if not ends and kind == "group":
        more = _member_entries(graphs, start_id)
        wider = _search(graphs, {**more, **entries}, wanted, hosts)
        if wider[1]:
            parent, ends, passed = wider
    routes = _routes(graphs, parent, ends, wanted, hosts)
    if findings is None:
        from .audit import audit

        findings = audit(graphs).findings
    takers = [g for g in graphs.local_groups if wanted in graphs.groups[g].handles]
    name = graphs.agencies[start_id].name if kind == "school" else graphs.groups[start_id].name
    answer = ConcernRoute(
        locality=graphs.slug,
        start=start_id,
        start_kind=kind,
        start_name=name,
        concern=wanted,
        routes=tuple(routes),
        gap=None,
        cannot_tell=None if takers else _cannot_tell(graphs, wanted),
        passed=tuple(_step(graphs, g, parent[g][1], wanted, hosts) for g in passed),
        elsewhere=tuple(g for g in takers if g in hosts and g not in ends),
    )
    return _with_gap(graphs, answer, list(entries), hosts, findings)


def _routes(graphs: LocalityGraphs, parent, ends: list[str], concern: Concern, hosts: set[str]) -> list[Route]:
    """The route to each end, declared before inferred, a group taking cases as its business first, shortest first."""
    order = graphs.group_index
    found = [
        Route(
            tuple(_step(graphs, g, how, concern, hosts) for g, how in _path(parent, end)),
            not graphs.groups[end].handles,
        )
        for end in ends
    ]
    return sorted(
        found,
        key=lambda r: (r.inferred, not graphs.is_casework(r.steps[-1].group), len(r.steps), order[r.steps[-1].group]),
    )


def _cannot_tell(graphs: LocalityGraphs, concern: Concern) -> str:
    label = CONCERN_LABELS[concern.value].lower()
    return (
        f"No group of {graphs.document.locality.name} says it takes concerns of {label}: cannot tell which "
        "group takes them. Record what each group takes (its handles) to know."
    )


def finding_anchor(finding: Finding) -> str:
    """The id of a finding on the locality page: ``finding-CODE`` and, with subjects, ``-KIND-ID-ID``."""
    anchor = f"finding-{finding.code.lower()}"
    return anchor + (f"-{finding.subject_kind}-{'-'.join(finding.subjects)}" if finding.subjects else "")


def _cite(finding: Finding | None) -> dict:
    if finding is None:
        return {}
    return {
        "finding_code": finding.code,
        "finding_message": finding.message,
        "finding_subjects": finding.subjects,
        "finding_anchor": finding_anchor(finding),
    }


def _finding_for(findings: Sequence[Finding], kind: str, start: str) -> Finding | None:
    """The audit's finding that a worry raised here has nowhere to go, most particular first."""
    subject_kind = "agency" if kind == "school" else "group"
    isolated = "ISOLATED_AGENCY" if kind == "school" else "ISOLATED_GROUP"
    for code, subjects in (
        ("MISSING_DOWNSTREAM_PATH", (start,)),
        ("MISSING_DOWNSTREAM_PATH", ()),
        (isolated, (start,)),
    ):
        for f in findings:
            if f.code == code and f.subjects == subjects and (not subjects or f.subject_kind == subject_kind):
                return f
    return None


def _names(graphs: LocalityGraphs, groups: Sequence[str]) -> str:
    return ", ".join(f"'{graphs.groups[g].name}'" for g in groups)


def _with_gap(
    graphs: LocalityGraphs, answer: ConcernRoute, entries: list[str], hosts: set[str], findings: Sequence[Finding]
) -> ConcernRoute:
    """The answer with its gap, if it has one: no route, or none to a group taking cases as its business."""
    label = answer.concern_words.lower()
    elsewhere = f" ({_names(graphs, answer.elsewhere)} takes it)" if answer.elsewhere else ""
    if answer.routes:
        ends = [r.steps[-1].group for r in answer.routes]
        if any(graphs.is_casework(g) for g in ends):
            return answer
        gap = RouteGap(
            f"No group here takes cases as its business: raise it at {_names(graphs, list(dict.fromkeys(ends)))}, "
            "where social care, mental health or health workers attend; who takes a case on there is not "
            "recorded. This is a gap.",
            "Record how a case raised there is taken on (a lead professional, a consultation slot, a referral "
            "route), or a link (refers_cases_to) from it to a panel or MAST.",
            **_cite(_finding_for(findings, "locality", "")),
        )
    elif answer.passed:
        said = "; ".join(f"'{s.name}', which {s.takes_in_words}" for s in answer.passed)
        gap = RouteGap(
            f"No route for {label}: this is a gap. The worry reaches {said}.",
            f"Record which group takes {label}: add it to that group's handles, or record a link "
            f"(refers_cases_to) to a group that takes it{elsewhere}.",
        )
    else:
        gap = RouteGap(
            f"No route: this is a gap. Nothing recorded leads from {answer.start_name} to a group that can take "
            "a case.",
            _missing_fact(graphs, answer, entries, hosts) + elsewhere,
            **_cite(_finding_for(findings, answer.start_kind, answer.start)),
        )
    return ConcernRoute(**{**answer.__dict__, "gap": gap})


def _missing_fact(graphs: LocalityGraphs, answer: ConcernRoute, entries: list[str], hosts: set[str]) -> str:
    """Which fact to record so that a worry raised here has somewhere to go."""
    if not hosts:
        return (
            "Record where a child of concern is taken up: a panel or MAST, or a social care, mental health or "
            "health worker attending the forum or network where concerns are raised."
        )
    if not entries:
        return f"Record the groups {answer.start_name} takes part in: a seat for its staff, or the group's school."
    takers = [g for g in graphs.local_groups if g in hosts]
    return (
        f"Record a link (refers_cases_to) from {_names(graphs, entries[:3])} to a group that takes cases "
        f"({_names(graphs, takers[:3])}), or a seat for its staff there."
    )
