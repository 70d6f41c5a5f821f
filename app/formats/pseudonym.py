"""The pseudonymised research export of a locality.

Researchers comparing localities need the structure of a communication
system (who sits where, which groups link, how often they meet) but not who
the people are.  :func:`pseudonymise` keeps the structure and replaces each
person by a keyed pseudonym:

- a person's ``id`` and ``name`` both become :func:`pseudonym` of the id, an
  HMAC-SHA256 under a secret key; every seat (``members[].person``) is
  rewritten to match.  The name is the pseudonym alone: a role in the name
  ("SENCO, Larkrise School") can identify the one person in that post;
- free text, which may name people, is dropped: every ``note`` (locality,
  agencies, people, groups, seats, links), the locality's ``description``,
  and a group's ``purpose`` and ``venue``;
- everything else is kept: the locality's id, name, authority, boundary,
  funding and ``sources`` (citations); agencies (names, sectors, schools);
  people's ``role`` (job-role vocabulary), ``agency``, flags
  (``systems_minder``, ``service_user_rep``, ``local``) and
  ``hours_per_week``; groups with their names, kinds, rules, frequencies,
  areas and seats (roles, attendance); links.

Group and agency names are kept: they are organisational.  A file that puts
a person's name in a group name, a role, a link id or a citation keeps it
there: check those fields before publishing.

The pseudonym depends only on the key and the person's id, so with one key
the same person id maps to the same pseudonym in every locality (researchers
can follow a post across localities) and a new key gives unlinkable
pseudonyms.  Without the key the mapping cannot be reversed or recomputed
from guessed ids.  Keep the key secret and apart from the export.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from models.document import LocalityDocument
from models.validation import validate_data

#: Shortest key accepted, in bytes (128 bits).
MIN_KEY_BYTES = 16
#: Length of a new key, in bytes (256 bits).
KEY_BYTES = 32
#: Base32 characters of the HMAC kept in a pseudonym (60 bits).
PSEUDONYM_CHARS = 12
PREFIX = "p-"

#: Fields of free text dropped from the export, by section.
DROPPED = {
    "locality": ("description", "note"),
    "agencies": ("note",),
    "people": ("note",),
    "groups": ("purpose", "venue", "note"),
    "members": ("note",),
    "links": ("note",),
}


def new_key() -> bytes:
    """A new random key of :data:`KEY_BYTES` bytes."""
    return secrets.token_bytes(KEY_BYTES)


def _check_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"a pseudonym key must be bytes, not {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"a pseudonym key needs at least {MIN_KEY_BYTES} bytes, this one has {len(key)}")


def load_key(path: str | Path) -> bytes:
    """Read a key file: its raw bytes, at least :data:`MIN_KEY_BYTES` of them.

    Raises ``ValueError`` saying what is wrong when the file is missing,
    unreadable, a directory or too short.
    """
    path = Path(path)
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"key file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ValueError(f"key file {str(path)!r} is a directory, not a file") from None
    except PermissionError:
        raise ValueError(f"key file {str(path)!r} cannot be read: permission denied") from None
    except OSError as exc:
        raise ValueError(f"key file {str(path)!r} cannot be read: {exc.strerror}") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"key file {str(path)!r} holds {len(key)} byte(s); a key needs at least {MIN_KEY_BYTES} "
            f"(make one of {KEY_BYTES} random bytes, e.g. with 'head -c {KEY_BYTES} /dev/urandom')"
        )
    return key


def pseudonym(key: bytes, person_id: str) -> str:
    """The stable keyed pseudonym of a person id, itself a valid locmap id.

    ``"p-"`` and the first :data:`PSEUDONYM_CHARS` characters of the
    lower-case base32 HMAC-SHA256 of ``"person:" + person_id`` under ``key``.
    """
    _check_key(key)
    digest = hmac.new(bytes(key), f"person:{person_id}".encode(), hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest).decode("ascii")[:PSEUDONYM_CHARS].lower()


def pseudonym_map(document: LocalityDocument, key: bytes) -> dict[str, str]:
    """Each person id of ``document`` to its pseudonym."""
    mapping = {p.id: pseudonym(key, p.id) for p in document.people}
    if len(set(mapping.values())) != len(mapping):  # 60 bits: not expected in practice
        raise ValueError("two people received the same pseudonym; use another key")
    return mapping


def pseudonymise(document: LocalityDocument, key: bytes) -> LocalityDocument:
    """A copy of ``document`` with people pseudonymised and free text dropped.

    See the module docstring for what is kept and what is dropped.  The
    result is a valid ``locmap/1`` document (checked on the way out), so it
    loads, audits and exports like any other.
    """
    mapping = pseudonym_map(document, key)
    data = document.model_dump(mode="json", by_alias=True, exclude_none=True)
    for field in DROPPED["locality"]:
        data["locality"].pop(field, None)
    for section in ("agencies", "people", "groups", "links"):
        for item in data[section]:
            for field in DROPPED[section]:
                item.pop(field, None)
    for person in data["people"]:
        person["id"] = person["name"] = mapping[person["id"]]
    for group in data["groups"]:
        for member in group["members"]:
            for field in DROPPED["members"]:
                member.pop(field, None)
            member["person"] = mapping[member["person"]]
    return validate_data(data)
