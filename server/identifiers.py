"""Identifier hygiene: DOI, ISSN, ISBN and ORCID iD in one canonical form, check digits verified.

Each `normalise_*` function takes an identifier as a person or a service wrote it and returns
its canonical form (the form `data/article.ttl` stores as `literal:hasLiteralValue`), or raises
MalformedIdentifier saying what is wrong. Canonical forms:

- DOI: lower case (DOIs are case-insensitive, ISO 26324), without `doi:` or a resolver
  (`https://doi.org/`, `http://dx.doi.org/`), `10.` + registrant + `/` + suffix;
- ISSN: `NNNN-NNNC` with an upper-case check character (ISO 3297, mod 11);
- ISBN: 13 digits without hyphens (ISBN-10 is converted; ISO 2108 check digits);
- ORCID iD: `NNNN-NNNN-NNNN-NNNC` without `https://orcid.org/` (ISO 7064 MOD 11-2).
"""

from __future__ import annotations

import re
from collections.abc import Callable

DOI_RESOLVER = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
DOI_SYNTAX = re.compile(r"^10\.\d{4,9}/\S+$")
ISSN_SYNTAX = re.compile(r"^(\d{4})-?(\d{3}[\dX])$")
ORCID_RESOLVER = re.compile(r"^https?://orcid\.org/", re.IGNORECASE)
ORCID_SYNTAX = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")


class MalformedIdentifier(ValueError):
    """An identifier that is not well formed or fails its check digit."""


def normalise_doi(value: str) -> str:
    doi = DOI_RESOLVER.sub("", value.strip()).lower()
    if not DOI_SYNTAX.match(doi):
        raise MalformedIdentifier(f"{value!r} is not a DOI (10.NNNN/suffix)")
    return doi


def normalise_issn(value: str) -> str:
    match = ISSN_SYNTAX.match(value.strip().upper())
    if not match:
        raise MalformedIdentifier(f"{value!r} is not an ISSN (NNNN-NNNC)")
    digits = match.group(1) + match.group(2)
    total = sum(int(d) * weight for d, weight in zip(digits[:7], range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    if digits[7] != ("X" if check == 10 else str(check)):
        raise MalformedIdentifier(f"ISSN {value!r} fails its check digit")
    return f"{match.group(1)}-{match.group(2)}"


def normalise_isbn(value: str) -> str:
    """ISBN-13 digits; an ISBN-10 is verified, then converted (978 prefix)."""
    compact = re.sub(r"[\s-]", "", value.strip()).upper()
    if re.fullmatch(r"\d{9}[\dX]", compact):
        total = sum(
            (10 if d == "X" else int(d)) * weight
            for d, weight in zip(compact, range(10, 0, -1), strict=True)
        )
        if total % 11:
            raise MalformedIdentifier(f"ISBN-10 {value!r} fails its check digit")
        compact = "978" + compact[:9]
        return compact + _isbn13_check(compact)
    if re.fullmatch(r"97[89]\d{10}", compact):
        if compact[12] != _isbn13_check(compact[:12]):
            raise MalformedIdentifier(f"ISBN-13 {value!r} fails its check digit")
        return compact
    raise MalformedIdentifier(f"{value!r} is not an ISBN (10 or 13 digits)")


def _isbn13_check(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def normalise_orcid(value: str) -> str:
    match = ORCID_SYNTAX.match(ORCID_RESOLVER.sub("", value.strip()).upper())
    if not match:
        raise MalformedIdentifier(f"{value!r} is not an ORCID iD (NNNN-NNNN-NNNN-NNNC)")
    digits = "".join(match.groups())
    total = 0
    for digit in digits[:15]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if digits[15] != ("X" if check == 10 else str(check)):
        raise MalformedIdentifier(f"ORCID iD {value!r} fails its check digit")
    return "-".join(match.groups())


# Keyed by the local name of the DataCite identifier scheme the data uses (datacite:doi, …).
NORMALISERS: dict[str, Callable[[str], str]] = {
    "doi": normalise_doi,
    "issn": normalise_issn,
    "eissn": normalise_issn,
    "isbn": normalise_isbn,
    "orcid": normalise_orcid,
}
