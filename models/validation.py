"""Reading and checking ``locmap/1`` documents, reporting every problem.

A locality file is checked in three passes, and all problems of all passes
are reported together so a co-ordinator can fix a file in one go:

1. parsing: the text must be YAML or JSON holding a mapping (duplicate keys
   are errors, as are YAML's implicit conversions of ``no``/``on`` to booleans
   and of dates to timestamps, which this reader does not perform).  The
   parser is bounded before anything is built: YAML anchors, aliases, merge
   keys and tags beyond the plain kinds are refused (the format never needs
   them, and aliases let a few hundred bytes expand to billions of values),
   as are integers of 2**63 or more, strings over :data:`MAX_STRING_CHARS`
   and nesting deeper than :data:`MAX_NESTING`;
2. fields: types, vocabularies, id syntax, lengths, hidden characters
   (through the pydantic models of :mod:`models.document`);
3. references: duplicate ids, unknown agencies, people, groups and schools,
   repeated members and links, links from a group to itself.

Each problem names its place as a path such as ``groups[3].members[1].person``
(indices from 0) and, for YAML, the line it is on.  JSON is parsed here;
YAML in :mod:`models.yaml_text`, loaded only for YAML text; problems and
bounds are those of :mod:`models.problems`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .document import CONTACT_WORDS, OFFICE_WORDS, LocalityDocument, default_link_id, looks_like_school
from .problems import (
    MAX_DOCUMENT_BYTES,
    MAX_NESTING,
    MAX_STRING_CHARS,
    DocumentError,
    DuplicateKey,
    Parsed,
    Problem,
    Refused,
    bounded_integer,
    too_long,
)
from .vocab import FORMAT_VERSION

# ---------------------------------------------------------------- parsing


def _json_line(text: str, literal: str) -> int | None:
    """The line of a literal's first appearance as a JSON token (the JSON parser's hooks know no position)."""
    found = re.search(rf"(?<![\w.\"]){re.escape(literal)}(?![\w.])", text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _json_object(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) == len(pairs):  # no key twice: the usual case, checked in C
        return out
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            # The JSON parser's hooks know no position: name the mapping by its first keys instead.
            others = ", ".join(repr(k) for k in list(seen)[:4])
            raise DuplicateKey(key, None, f" (in the mapping with keys {others})")
        seen[key] = value
    return out


def _json_constant(name: str) -> Any:
    raise Refused(f"{name} is not a number JSON allows: write a finite number")


def _check_shape(data: Any) -> None:
    """Refuse parsed JSON nested deeper than MAX_NESTING or holding strings over MAX_STRING_CHARS.

    The walk keeps only each value's depth; the path to a refused value is
    found afterwards (:func:`_path_to`), so a good file builds no paths.
    """
    stack: list[tuple[int, Any]] = [(0, data)]
    while stack:
        depth, value = stack.pop()
        if isinstance(value, str):
            if len(value) > MAX_STRING_CHARS:
                raise Refused(too_long(len(value)), loc=_format_path(_path_to(data, value)))
            continue
        if isinstance(value, list):
            children: Iterable[Any] = value
        elif isinstance(value, dict):
            long_key = next((k for k in value if len(k) > MAX_STRING_CHARS), None)
            if long_key is not None:
                raise Refused(too_long(len(long_key)), loc=_format_path(_path_to(data, value)))
            children = value.values()
        else:
            continue
        if depth >= MAX_NESTING:
            raise Refused(f"nested more than {MAX_NESTING} levels deep", loc=_format_path(_path_to(data, value)))
        stack.extend((depth + 1, child) for child in children)


def _path_to(data: Any, target: Any) -> tuple:
    """The path of keys and indexes from ``data`` to the object ``target`` (found by identity)."""
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if value is target:
            return path
        if isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
    return ()


def _parse_json(text: str) -> Any:
    try:
        data = json.loads(
            text,
            object_pairs_hook=_json_object,
            parse_int=lambda literal: bounded_integer(literal, lambda: _json_line(text, literal)),
            parse_constant=_json_constant,
        )
    except json.JSONDecodeError as exc:
        raise DocumentError([Problem("", f"invalid JSON: {exc.msg}", exc.lineno)]) from None
    except RecursionError:
        raise DocumentError([Problem("", f"nested more than {MAX_NESTING} levels deep")]) from None
    _check_shape(data)
    return data


def _format_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_text(text: str | bytes, *, suffix: str | None = None) -> Parsed:
    """Parse YAML or JSON text into plain data, or raise :class:`DocumentError`.

    JSON is tried when the suffix says so or the text starts with ``{``;
    otherwise YAML (of which JSON is nearly a subset).
    """
    if isinstance(text, bytes):
        if len(text) > MAX_DOCUMENT_BYTES:
            raise DocumentError([Problem("", f"file is larger than {MAX_DOCUMENT_BYTES // 2**20} MB")])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError(
                [Problem("", f"not UTF-8 text (byte {exc.start} is 0x{text[exc.start]:02x})")]
            ) from None
    if "\x00" in text:
        raise DocumentError([Problem("", "not a text file (contains NUL bytes)")])
    if not text.strip():
        raise DocumentError([Problem("", "empty document: expected a locmap/1 locality in YAML or JSON")])

    try:
        if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip().startswith("{")):
            return Parsed(_parse_json(text), {})
        from .yaml_text import parse_yaml  # PyYAML only for YAML text

        return parse_yaml(text)
    except Refused as exc:
        raise DocumentError([Problem(exc.loc, exc.msg, exc.line)]) from None
    except DuplicateKey as exc:
        raise DocumentError([Problem("", f"duplicate key {exc.key!r}{exc.context}", exc.line)]) from None


# ---------------------------------------------------------------- checking


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_problems(exc: ValidationError, data: Any) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        path = tuple("from" if p == "from_" else p for p in err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = "unknown field"
        elif kind == "missing" and path == ("format",):
            msg = f"required field is missing: a locality file starts with 'format: {FORMAT_VERSION}'"
        elif kind == "missing":
            msg = "required field is missing"
        elif kind == "enum":
            allowed = err.get("ctx", {}).get("expected", "")
            msg = f"{_show(err['input'])} is not one of {allowed}"
        elif kind == "literal_error" and path == ("format",):
            msg = f"{_show(err['input'])} is not a supported format version; expected '{FORMAT_VERSION}'"
        elif kind == "string_pattern_mismatch":
            msg = (
                f"{_show(err['input'])} is not a valid id: use 1-64 lower-case letters, digits, "
                "'-' or '_', starting and ending with a letter or digit"
            )
        elif kind == "value_error":
            msg = f"{_show(err['input'])} {err['msg'].removeprefix('Value error, ')}"
        else:
            msg = f"{err['msg'][0].lower()}{err['msg'][1:]} (got {_show(err['input'])})"
        problems.append(Problem(_format_path(path), msg))
    return problems


def _items(data: dict, section: str) -> list[tuple[int, dict]]:
    value = data.get(section)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _section_ids(data: dict, problems: list[Problem]) -> dict[str, set[str]]:
    """The ids of agencies, people and groups, noting each repeated one.

    Only string ids count: one that is a mapping or a list is the models'
    problem ("input should be a valid string"), and cannot even be hashed.
    """
    ids: dict[str, set[str]] = {}
    for section in ("agencies", "people", "groups"):
        seen: dict[str, int] = {}
        for i, item in _items(data, section):
            key = item.get("id")
            if not isinstance(key, str):
                continue
            if key in seen:
                problems.append(
                    Problem(f"{section}[{i}].id", f"duplicate id {key!r} (first used at {section}[{seen[key]}])")
                )
            else:
                seen[key] = i
        ids[section] = set(seen)
    return ids


#: One word of a personal name: "Smith", "O'Brien", "Smith-Jones".
_NAME_WORD = re.compile(r"[A-Z][a-z]+(?:['’-][A-Za-z][a-z]*)*")
#: Words that make a name a role or an office ("Network Co-ordinator", "Thame Team"), not a person's own.
_ROLE_WORDS = OFFICE_WORDS | frozenset(
    "worker officer coordinator co-ordinator head teacher senco nurse counsellor lead manager adviser advisor "
    "representative rep chair secretary clinician psychologist visitor mentor deputy director principal "
    "group centre center partnership project trust board unit clinic practice police".split()
)


def reads_as_personal_name(name: str) -> bool:
    """Whether a person's ``name`` is a name ("Jane Smith") rather than a role description.

    Two to four capitalised words, none of them a role or office word: "SENCO,
    Lord Williams's School" and "County ISS lead officer" read as roles, as
    the format asks people to be named.
    """
    words = name.split()
    if not 2 <= len(words) <= 4 or not all(_NAME_WORD.fullmatch(word) for word in words):
        return False
    return _ROLE_WORDS.isdisjoint(word.lower() for word in words)


def contact_problem(contact: str, names: Iterable[str]) -> str | None:
    """What is wrong with a group's ``contact`` given the locality's people's names, or None.

    Parameters
    ----------
    contact : str
        How to bring an item to the group.
    names : iterable of str
        The names of the locality's people; only those that read as
        personal names (:func:`reads_as_personal_name`) are looked for, as
        whole words in any case.

    Returns
    -------
    str or None
        A plain-words refusal naming the person found, or None.
    """
    folded = contact.casefold()
    for name in names:
        if name.casefold() in folded and reads_as_personal_name(name):
            if re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", folded):
                return f"{_show(contact)} names {name!r}, one of the locality's people: {CONTACT_WORDS}"
    return None


def _contact_problems(data: dict) -> list[Problem]:
    """Groups whose contact names one of the document's people (checked only when a group has a contact)."""
    contacts = [(i, group["contact"]) for i, group in _items(data, "groups") if isinstance(group.get("contact"), str)]
    if not contacts:
        return []
    names = {p["name"].strip() for _, p in _items(data, "people") if isinstance(p.get("name"), str)}
    problems = []
    for i, contact in contacts:
        problem = contact_problem(contact, names)
        if problem:
            problems.append(Problem(f"groups[{i}].contact", problem))
    return problems


def _reference_problems(data: dict) -> list[Problem]:
    """Checks across sections, run on the raw data so they report even when fields fail."""
    problems: list[Problem] = []
    ids = _section_ids(data, problems)
    agencies, people, groups = ids["agencies"], ids["people"], ids["groups"]
    schools = {
        item["id"]
        for _, item in _items(data, "agencies")
        if item.get("school") is True and isinstance(item.get("id"), str)
    }

    for i, person in _items(data, "people"):
        agency = person.get("agency")
        if isinstance(agency, str) and agency not in agencies:
            problems.append(Problem(f"people[{i}].agency", f"unknown agency {agency!r}"))

    for i, group in _items(data, "groups"):
        school = group.get("school")
        if isinstance(school, str):
            if school not in agencies:
                problems.append(Problem(f"groups[{i}].school", f"unknown agency {school!r}"))
            elif school not in schools:
                problems.append(
                    Problem(f"groups[{i}].school", f"agency {school!r} is not marked as a school (school: true)")
                )
        members = group.get("members")
        if not isinstance(members, list):
            continue
        seen_members: dict[str, int] = {}
        for j, member in enumerate(members):
            if not isinstance(member, dict):
                continue
            member_id = member.get("person")
            if not isinstance(member_id, str):
                continue
            if member_id not in people:
                problems.append(Problem(f"groups[{i}].members[{j}].person", f"unknown person {member_id!r}"))
            elif member_id in seen_members:
                problems.append(
                    Problem(
                        f"groups[{i}].members[{j}].person",
                        f"person {member_id!r} is already a member (members[{seen_members[member_id]}])",
                    )
                )
            else:
                seen_members[member_id] = j

    seen_links: dict[tuple, int] = {}
    seen_link_ids: dict[str, int] = {}
    for i, link in _items(data, "links"):
        ends = []
        for end in ("from", "to"):
            value = link.get(end)
            if isinstance(value, str):
                ends.append(value)
                if value not in groups:
                    problems.append(Problem(f"links[{i}].{end}", f"unknown group {value!r}"))
        if len(ends) == 2 and ends[0] == ends[1]:
            problems.append(Problem(f"links[{i}].to", f"a link cannot go from group {ends[0]!r} to itself"))
        kind = link.get("kind")
        if len(ends) != 2 or not isinstance(kind, str):
            continue
        key = (ends[0], ends[1], kind)
        if key in seen_links:
            problems.append(
                Problem(f"links[{i}]", f"duplicate link {ends[0]!r} {kind} {ends[1]!r} (links[{seen_links[key]}])")
            )
            continue
        seen_links[key] = i
        link_id = link.get("id")
        if not isinstance(link_id, str):
            link_id = default_link_id(ends[0], kind, ends[1])
        if link_id in seen_link_ids:
            problems.append(
                Problem(f"links[{i}].id", f"duplicate id {link_id!r} (first used at links[{seen_link_ids[link_id]}])")
            )
        else:
            seen_link_ids[link_id] = i
    problems.extend(_contact_problems(data))
    return problems


def validate_data(data: Any, lines: dict[tuple, int] | None = None) -> LocalityDocument:
    """Check parsed data as a ``locmap/1`` document.

    Returns the document, or raises :class:`DocumentError` listing every
    problem found, each located by path (and line, when ``lines`` is given).
    """
    lines = lines or {}
    if data is None:
        raise DocumentError([Problem("", "empty document: expected a locmap/1 locality in YAML or JSON")])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {_show(data)}"
        raise DocumentError(
            [Problem("", f"expected a locmap/1 document (a mapping with 'format' and 'locality'), got {kind}")]
        )
    if isinstance(data.get("provenance"), dict):  # an export's record of where it came from, not the locality
        data = {key: value for key, value in data.items() if key != "provenance"}
    problems: list[Problem] = []
    fmt = data.get("format")
    if fmt is not None and fmt != FORMAT_VERSION:
        # A different version means the rest cannot be read reliably: say only that.
        raise DocumentError(
            [
                Problem(
                    "format",
                    f"{_show(fmt)} is not a supported format version; expected '{FORMAT_VERSION}'",
                    lines.get(("format",)),
                )
            ]
        )
    document = None
    try:
        document = LocalityDocument.model_validate(data)
    except ValidationError as exc:
        problems.extend(_field_problems(exc, data))
    except RecursionError:
        problems.append(Problem("", "document is nested too deeply"))
    problems.extend(_reference_problems(data))
    if problems:
        located = [Problem(p.loc, p.msg, p.line or _line_for(p.loc, lines)) for p in problems]
        located.sort(key=lambda p: (p.line or 0, p.loc))
        raise DocumentError(located)
    assert document is not None
    return document


def school_warnings(document: LocalityDocument, lines: dict[tuple, int] | None = None) -> list[Problem]:
    """Warnings, not errors: education agencies that look like schools but are not marked ``school: true``.

    Parameters
    ----------
    document : LocalityDocument
        A valid document.
    lines : dict, optional
        Line numbers by path, as :func:`parse_text` returns them, to locate
        each warning.

    Returns
    -------
    list of Problem
        One per unmarked agency whose name reads as a school (see
        :func:`models.document.looks_like_school`), at ``agencies[i].school``.
        The audit's school checks use only marked schools when any agency is
        marked, so such a school is left out of them; when none is marked the
        audit infers schools by the same test and says so.
    """
    lines = lines or {}
    out = []
    for i, agency in enumerate(document.agencies):
        if agency.school or not looks_like_school(agency):
            continue
        loc = f"agencies[{i}].school"
        out.append(
            Problem(
                loc,
                f"'{agency.name}' is an education agency whose name reads as a school, but it is not marked "
                "'school: true': the audit's school checks leave it out unless no agency is marked",
                _line_for(loc, lines),
            )
        )
    return out


def _line_for(loc: str, lines: dict[tuple, int]) -> int | None:
    if not lines or not loc:
        return None
    path: list[Any] = []
    for part in loc.replace("]", "").replace("[", ".").split("."):
        if part:
            path.append(int(part) if part.isdigit() else part)
    while path:
        if tuple(path) in lines:
            return lines[tuple(path)]
        path.pop()
    return None


def load_text(text: str | bytes, *, suffix: str | None = None, source: str | None = None) -> LocalityDocument:
    """Parse and check a document held in memory."""
    try:
        parsed = parse_text(text, suffix=suffix)
        return validate_data(parsed.data, parsed.lines)
    except DocumentError as exc:
        exc.source = source
        raise


def read_document_bytes(path: str | Path) -> bytes:
    """The bytes of a locality file, or :class:`DocumentError` saying plainly why it cannot be read."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise DocumentError([Problem("", f"file is larger than {MAX_DOCUMENT_BYTES // 2**20} MB")], str(path))
        return path.read_bytes()
    except IsADirectoryError:
        raise DocumentError([Problem("", "is a directory, not a locality file")], str(path)) from None
    except FileNotFoundError:
        raise DocumentError([Problem("", "no such file")], str(path)) from None
    except PermissionError:
        raise DocumentError([Problem("", "permission denied")], str(path)) from None
    except OSError as exc:
        raise DocumentError([Problem("", f"cannot read: {exc.strerror}")], str(path)) from None


def load_path(path: str | Path) -> LocalityDocument:
    """Read, parse and check a ``locmap/1`` file (``.yaml``, ``.yml`` or ``.json``)."""
    path = Path(path)
    return load_text(read_document_bytes(path), suffix=path.suffix.lower(), source=str(path))


def dump_document(document: LocalityDocument, suffix: str, provenance: dict | None = None) -> str:
    """Serialise a document as YAML (``.yaml``/``.yml``) or JSON (``.json``).

    JSON has no comments, so an export's ``provenance`` goes in a key of its
    own after ``format``, which reading leaves out (:func:`validate_data`).
    """
    data = document.to_data()
    if suffix == ".json":
        if provenance is not None:
            data = {"format": data.pop("format"), "provenance": provenance, **data}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if suffix in (".yaml", ".yml"):
        import yaml  # only for YAML: a JSON command never loads it

        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    raise ValueError(f"unsupported extension {suffix!r}: use .yaml, .yml or .json")


def canonical(document: LocalityDocument) -> dict:
    """An order-insensitive form of a document, for comparing round trips."""
    data = document.model_dump(mode="json", by_alias=True)
    for section in ("agencies", "people", "groups", "links"):
        data[section] = sorted(data[section], key=lambda item: item["id"])
    for group in data["groups"]:
        group["members"] = sorted(group["members"], key=lambda m: m["person"])
        group["area"] = sorted(group["area"])
    return data


def counts(document: LocalityDocument) -> Counter:
    return Counter(
        agencies=len(document.agencies),
        people=len(document.people),
        groups=len(document.groups),
        links=len(document.links),
        memberships=sum(len(g.members) for g in document.groups),
    )
