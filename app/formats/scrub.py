"""Take a locality's people's names out of free text, by whole words.

Group names, purposes, venues, notes and citations may name people
("Yvonne Bright's forum", "chaired by Ms Bright").  :class:`NameScrubber`
replaces, in any text, every person's full name and every *name part* (a
first name, a surname) by :data:`PLACEHOLDER`:

- whole words only, so "Ann" is taken out of "Ann's group" and "ann-lee"
  but never out of "Annual" or "Anne"; letters and digits make words, so
  ``-``, ``_``, ``.`` and ``'`` separate them;
- in any case, and with or without accents ("Zoë" finds "ZOE" and "zoe"),
  after Unicode normalisation (NFC) of both the names and the text;
- a text that still holds a name run together ("yvonnebright@example.org",
  "YvonneBright") cannot be scrubbed by words: :meth:`NameScrubber.scrub`
  returns None for it, and the caller drops the text.

Many people are recorded by their post ("SENCO, Larkrise School"), not by
name, and a post is made of the locality's ordinary words.  A word of a
name is therefore a name part only if it reads as a proper noun (it starts
with a capital, or the whole name is in one case) and is not one of the
locality's organisational words: the words of its name, its authority, its
agencies' names, its people's roles, the format's vocabularies and the
common words of job titles (:data:`POST_WORDS`).  A person called "Rose
Hill" in a locality with a "Rose Hill primary school" has the full name
taken out everywhere, but "Hill" alone is left where it stands: it cannot
be told from the school's name.  Acronyms ("SENCO", "CAMHS") are not name
parts unless the whole name is in capitals.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from models.document import LocalityDocument
from models.vocab import GROUP_TYPE_LABELS, VOCABULARIES

#: What a name is replaced by.
PLACEHOLDER = "[name]"

#: Common words of job titles and post descriptions, never taken for name parts.
POST_WORDS = frozenset(
    """
    a an and the of for in on at to with by from area areas covering patch includes including
    senior junior deputy assistant acting interim head chief principal lead leader leads team manager
    managers management coordinator co ordinator coordinating officer officers worker workers adviser advisor
    representative representatives rep member members chair secretary consultant director service services
    teacher teachers school schools primary secondary infant junior nursery college academy high pupil pupils
    parent parents community voluntary sector locality county city district council borough local authority
    social health care educational education psychologist psychology clinician nurse visitor visiting
    practitioner therapist midwife officer family families children childrens child young youth person people
    centre center project pilot outreach support link home mental trust primary group groups network forum
    panel hub board partnership cluster initiative programme unit office department new former formerly
    full time part fte one two three four five first second third
    """.split()
)

#: Letters and digits make words; an apostrophe inside one joins it ("O'Neill").
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_APOSTROPHES = "['\u2019]"


#: Letters with no decomposition to a base letter and a mark, written as plain letters.
_PLAIN = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"}
)


def _fold(text: str) -> str:
    """Case-folded, accents removed: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text))


def _pieces(word: str) -> list[str]:
    """A word and, if an apostrophe joins it, its pieces ("Children's": also "Children" and "s")."""
    pieces = re.split(_APOSTROPHES, word)
    return [word, *pieces] if len(pieces) > 1 else [word]


def organisational_words(document: LocalityDocument) -> set[str]:
    """The folded words a locality uses for itself, its agencies, roles and vocabularies."""
    texts = [document.locality.name, document.locality.authority, document.locality.id]
    texts += [a.name for a in document.agencies]
    texts += [w for vocab in VOCABULARIES.values() for w in vocab] + list(GROUP_TYPE_LABELS.values())
    # Roles are free text too ("assistant to Ms Ng"): only their lower-case words are vocabulary.
    texts += [w for p in document.people if p.role for w in _words(p.role) if w == w.lower()]
    words = {_fold(piece) for text in texts for w in _words(text) for piece in _pieces(w)}
    return words | POST_WORDS


def name_parts(name: str, organisational: set[str]) -> list[str]:
    """The words of a person's name that may be a first name or a surname.

    See the module docstring: proper nouns that are not organisational
    words; single letters (initials) are left, they name nobody.
    """
    one_case = name == name.lower() or name == name.upper()
    parts: list[str] = []
    for word in _words(name):
        letters = [ch for ch in word if ch.isalpha()]
        if len(letters) < 2 or _fold(word) in organisational:
            continue
        if not one_case and (not letters[0].isupper() or all(ch.isupper() for ch in letters)):
            continue  # lower-case words and acronyms of a mixed-case name
        # "O'Neill" is also written "O-Neill" or "Neill": its pieces are parts too.
        parts += [p for p in _pieces(word) if len(p) >= 2 and (p == word or _fold(p) not in organisational)]
    return parts


def _pattern(phrase: str) -> str:
    """A regular expression for a phrase: any run of spacing between its words, either apostrophe."""
    words = [re.sub(_APOSTROPHES, _APOSTROPHES, re.escape(w)) for w in _words(phrase)]
    return r"[\W_]+".join(words)


def _compile(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for all the phrases, as written and folded, whole words, longest first."""
    variants = {v for p in phrases for v in (unicodedata.normalize("NFC", p), _fold(p))}
    alternatives = sorted({_pattern(v) for v in variants if _words(v)}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})(?![^\W_])", re.IGNORECASE)


def _replace(pattern: re.Pattern[str] | None, text: str) -> str:
    if pattern is None:
        return text
    text = pattern.sub(PLACEHOLDER, text)
    if _fold(text) == text.casefold():
        return text
    # Accents in the text that the name lacks ("Zoë" for "Zoe"): try each word's folded form.
    out, last = [], 0
    for match in _WORD.finditer(text):
        if pattern.fullmatch(_fold(match.group())):
            out += [text[last : match.start()], PLACEHOLDER]
            last = match.end()
    return "".join(out) + text[last:]


@dataclass(frozen=True)
class NameScrubber:
    """Takes the given names out of any text (see the module docstring)."""

    #: Full names and name parts.
    names: re.Pattern[str] | None
    #: Name parts alone, for texts such as roles that a post's name would wipe out.
    parts: re.Pattern[str] | None
    run_together: frozenset[str]

    @classmethod
    def for_names(cls, names: Iterable[str], organisational: set[str] | None = None) -> NameScrubber:
        """A scrubber for these people's names, with ``organisational`` words never taken alone."""
        organisational = set() if organisational is None else organisational
        whole: set[str] = set()
        parts: set[str] = set()
        glued: set[str] = set()
        for name in names:
            found = name_parts(name, organisational)
            if _fold(name) not in organisational:
                whole.add(name)
            parts.update(found)
            if len(found) >= 2:
                folded = [_fold(p) for p in found if "'" not in p and "\u2019" not in p] or [_fold(found[0])]
                glued |= {"".join(folded), "".join(reversed(folded)), folded[0][0] + folded[-1]}
        run_together = frozenset(g for g in glued if len(g) >= 5)
        return cls(_compile(whole | parts), _compile(parts), run_together)

    @classmethod
    def for_document(cls, document: LocalityDocument) -> NameScrubber:
        """A scrubber for the names of a locality's people.

        A name that is also the name of an agency or of the locality is an
        organisation's name and is not taken out as a whole.
        """
        organisational = organisational_words(document)
        official = {_fold(n) for n in [a.name for a in document.agencies] + [document.locality.name]}
        names = [p.name for p in document.people if _fold(p.name) not in official]
        return cls.for_names(names, organisational)

    def scrub(self, text: str, *, whole_names: bool = True) -> str | None:
        """The text with every name replaced by :data:`PLACEHOLDER`, or None if it cannot be scrubbed.

        Parameters
        ----------
        text : str
        whole_names : bool, default True
            Take out full names as well as name parts.  A role is scrubbed
            of name parts only: a post recorded as a name ("Police liaison
            officer") would otherwise take out the role it describes.

        Returns
        -------
        str or None
            None when a name is still there run together with other letters
            after the whole-word pass, which no word boundary can take out.
        """
        text = _replace(self.names if whole_names else self.parts, unicodedata.normalize("NFC", text))
        folded = _fold(text)
        if any(g in folded for g in self.run_together):
            return None
        return text
