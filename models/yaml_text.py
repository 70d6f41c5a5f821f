"""Reading a locality file's YAML: strictly, and bounded before anything is built.

Imported only for YAML text (a JSON file never loads PyYAML, a tenth of a
JSON command's start-up).  Booleans are YAML 1.2's (``no`` stays a string),
dates stay strings, a key twice is an error, and anchors, aliases, merge
keys and tags beyond the plain kinds are refused at the event that carries
them, as are strings over :data:`models.problems.MAX_STRING_CHARS` and
nesting deeper than :data:`models.problems.MAX_NESTING`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .problems import (
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

_NO_ALIASES = (
    "YAML anchors (&name) and aliases (*name) are not allowed in a locality file: "
    "write each value out in full (the locmap/1 format never needs them)"
)
_NO_MERGE = (
    "a YAML merge key ('<<') is not allowed in a locality file: "
    "write each field out in full (the locmap/1 format never needs them)"
)
#: The tags a value may carry: the plain kinds of YAML's core schema.
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "map", "seq"))


def _refusal(event: yaml.Event, depth: int) -> Refused | None:
    """Why an event may not appear in a locality file at this nesting ``depth``, or None.

    Anchors, aliases and unusual tags are refused at the event that carries
    them, so nothing shared is ever built; nesting stops at
    :data:`MAX_NESTING` levels and strings at :data:`MAX_STRING_CHARS`.
    """
    line = event.start_mark.line + 1 if event.start_mark else None
    if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
        return Refused(_NO_ALIASES, line)
    tag = getattr(event, "tag", None)
    if tag not in (None, "!") and tag not in _PLAIN_TAGS:
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        return Refused(f"the YAML tag {shown} is not allowed in a locality file: write the plain value", line)
    if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_STRING_CHARS:
        return Refused(too_long(len(event.value)), line)
    if isinstance(event, yaml.CollectionStartEvent) and depth > MAX_NESTING:
        return Refused(f"nested more than {MAX_NESTING} levels deep", line)
    return None


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML loader with YAML 1.2 booleans, no timestamps, no duplicate keys, and bounded composing.

    Composing checks each event (:func:`_refusal`) before it builds a node.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        nested = isinstance(event, yaml.CollectionStartEvent)
        refused = _refusal(event, self.depth + nested)
        if refused is not None:
            raise refused
        self.depth += nested
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= nested


def _refuse_events(text: str) -> None:
    """Check every event of ``text`` with libyaml's parser before anything is composed (:func:`_refusal`)."""
    parser = _CPARSER(text)
    depth = 0
    try:
        while not isinstance(event := parser.get_event(), yaml.StreamEndEvent):
            depth += isinstance(event, yaml.CollectionStartEvent)
            refused = _refusal(event, depth)
            if refused is not None:
                raise refused
            depth -= isinstance(event, yaml.CollectionEndEvent)
    finally:
        parser.dispose()


# Keep only true/false as booleans: "no" is Norway's code and a plausible id.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


#: libyaml's parser, when PyYAML was built with it (typed loosely: it is a C extension type).
_CPARSER: Any = getattr(yaml.cyaml, "CParser", None) if yaml.__with_libyaml__ else None


def _fast_loader() -> Any:
    """:class:`_StrictLoader` composing in C (libyaml), five times faster, or None without libyaml.

    libyaml composes in C, so :meth:`_StrictLoader.compose_node` cannot
    check each event there; :func:`_refuse_events` checks them all first.
    """
    if _CPARSER is None:  # pragma: no cover - PyYAML built without libyaml
        return None

    def __init__(self, stream):
        _CPARSER.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    bases = (_CPARSER, yaml.constructor.SafeConstructor, yaml.resolver.Resolver)
    resolvers = _StrictLoader.yaml_implicit_resolvers
    return type("_FastStrictLoader", bases, {"__init__": __init__, "yaml_implicit_resolvers": resolvers})


_FastStrictLoader: Any = _fast_loader()


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise Refused(_NO_MERGE, key_node.start_mark.line + 1)
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in seen:
            raise DuplicateKey(key, key_node.start_mark.line + 1)
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    return bounded_integer(node.value, lambda: node.start_mark.line + 1, lambda _: loader.construct_yaml_int(node))


for _loader in (_StrictLoader, _FastStrictLoader):
    if _loader is not None:
        _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
        _loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _line_map(root: yaml.Node | None) -> dict[tuple, int]:
    """Map each path in a composed YAML tree to its 1-based line number.

    Walks each node once, without recursion: were a node ever shared (an
    alias), its paths would be mapped once, never expanded.
    """
    out: dict[tuple, int] = {}
    walked: set[int] = set()
    stack: list[tuple[tuple, yaml.Node | None]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if node is None or id(node) in walked:
            continue
        walked.add(id(node))
        out[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):
                if isinstance(key_node, yaml.ScalarNode):
                    out[path + (key_node.value,)] = key_node.start_mark.line + 1
                    stack.append((path + (key_node.value,), value_node))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((path + (i,), item) for i, item in reversed(list(enumerate(node.value))))
    return out


def parse_yaml(text: str) -> Parsed:
    try:
        if _FastStrictLoader is not None:
            _refuse_events(text)
        loader = (_FastStrictLoader or _StrictLoader)(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (Refused, DuplicateKey):
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DocumentError([Problem("", f"invalid YAML: {exc.problem or exc.context}", line)]) from None
    except yaml.YAMLError as exc:
        raise DocumentError([Problem("", f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise DocumentError([Problem("", f"nested more than {MAX_NESTING} levels deep")]) from None
    return Parsed(data, _line_map(node))
