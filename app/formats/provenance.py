"""Where an output came from: locmap's version, its inputs, its settings and its time.

Every output a researcher may cite (audit JSON, reports, charts, CSV,
exports) carries a :class:`Provenance`.  Apart from the time, it is a pure
function of the input: the same file audited with the same settings by the
same version gives the same provenance, so the output is byte-identical
apart from its time line.  Setting ``SOURCE_DATE_EPOCH`` (the reproducible
builds convention) fixes the time too.

An input is named by the SHA-256 of its canonical JSON (keys sorted, no
spaces), so a YAML file, its XLSX and its stored copy hash the same when
they hold the same locality; a stored locality also gives its revision.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime

from analysis.settings import DEFAULT_SETTINGS, AuditSettings
from app import __version__
from models.document import LocalityDocument


@dataclass(frozen=True)
class Source:
    """One input: the locality's id, the hash of its content, and its stored revision or snapshot."""

    locality: str
    sha256: str
    revision: int | None = None
    snapshot: int | None = None

    def words(self) -> str:
        stored = f" revision {self.revision}" if self.revision is not None else ""
        snapshot = f" snapshot {self.snapshot}" if self.snapshot is not None else ""
        return f"{self.locality}{snapshot}{stored} sha256:{self.sha256[:12]}"


@dataclass(frozen=True)
class Provenance:
    """What an output was made by and from.  ``generated_at`` is the only part that varies."""

    sources: tuple[Source, ...]
    settings: dict = field(default_factory=dict)
    version: str = __version__
    generated_at: str = ""

    def as_dict(self) -> dict:
        """The JSON form, for an output's ``provenance`` key."""
        data = asdict(self)
        data["sources"] = [asdict(s) for s in self.sources]
        return {"tool": "locmap", **data}

    def lines(self) -> list[str]:
        """Plain lines for a file's header; the time is always the last line."""
        inputs = "; ".join(s.words() for s in self.sources) or "none"
        return [
            f"made by locmap {self.version}",
            f"input: {inputs}",
            f"settings: {settings_words(self.settings)}",
            f"generated: {self.generated_at}",
        ]

    def footer(self) -> str:
        """One line for the foot of a chart or a page."""
        return " · ".join(self.lines())

    def comment(self, prefix: str = "# ") -> str:
        """The lines as comments (CSV, YAML), each ending in a newline."""
        return "".join(f"{prefix}{line}\n" for line in self.lines())


def content_hash(document: LocalityDocument) -> str:
    """SHA-256 of the document's canonical JSON: keys sorted, compact, UTF-8."""
    canonical = json.dumps(document.to_data(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def source_of(document: LocalityDocument, revision: int | None = None, snapshot: int | None = None) -> Source:
    """The :class:`Source` naming ``document`` (and where it is stored, its revision)."""
    return Source(document.locality.id, content_hash(document), revision, snapshot)


def settings_changes(settings: AuditSettings) -> dict:
    """The thresholds that differ from the defaults, name to value, in declaration order."""
    return {
        f.name: getattr(settings, f.name)
        for f in fields(AuditSettings)
        if getattr(settings, f.name) != getattr(DEFAULT_SETTINGS, f.name)
    }


def settings_words(changes: dict) -> str:
    if not changes:
        return "defaults"
    return ", ".join(f"{name}={value}" for name, value in changes.items())


def now_text() -> str:
    """The time in UTC to the second, or ``SOURCE_DATE_EPOCH``'s when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def provenance(sources: list[Source] | tuple[Source, ...], settings: AuditSettings = DEFAULT_SETTINGS) -> Provenance:
    """The provenance of an output made now from ``sources`` with ``settings``."""
    return Provenance(tuple(sources), settings_changes(settings), __version__, now_text())


def of_documents(documents: list[LocalityDocument], settings: AuditSettings = DEFAULT_SETTINGS) -> Provenance:
    """Provenance of an output made from files (no stored revision)."""
    return provenance([source_of(d) for d in documents], settings)
