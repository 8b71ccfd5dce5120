"""The one bibliographic record of a work (lodpub.record), read from the document the site
serves about it (describe.py) and compared with the data as the tests read it themselves."""

from __future__ import annotations

import pytest
from conftest import byline
from flask import Flask
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import RDF

from lodpub.record import Record
from lodpub.record import record
from lodpub.urls import UriSpace
from lodpub.views.state import description
from lodpub.views.state import ontology
from lodpub.vocab import BIRO
from lodpub.vocab import CITO
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR

pytest_plugins = ["site_fixtures"]

GENRE_OF = {
    FABIO.JournalArticle: "article-journal",
    FABIO.Book: "book",
    FABIO.NewspaperArticle: "article-newspaper",
    FABIO.WebContent: "webpage",
}


@pytest.fixture(scope="module")
def records(app: Flask, data: Graph, article: URIRef, space: UriSpace) -> dict[URIRef, Record]:
    """The record of the article and of every cited work, each from its own document."""
    works = [article, *data.objects(article, CITO.cites)]
    with app.app_context():
        return {w: record(description(w).triples, ontology(), w) for w in works}


def test_every_work_has_its_genre_title_and_authors_in_order(records, data) -> None:
    assert len(records) == 26
    for work, rec in records.items():
        kinds = {GENRE_OF[t] for t in data.objects(work, RDF.type) if t in GENRE_OF}
        assert {rec.genre} == kinds, work
        titles = {str(t) for t in data.objects(work, DCTERMS.title)}
        assert rec.title is not None and rec.title.value in titles
        assert [a.iri for a in rec.authors] == [str(h) for h in byline(data, work)], work


def test_names_split_as_the_data_splits_them(records, data) -> None:
    """Family and given names come from foaf:familyName / foaf:givenName of the byline's
    language; a Chinese name is family + given without a space, a Western name with initials
    is "Family Given"."""
    people = 0
    for rec in records.values():
        for author in rec.authors:
            if not author.is_person:
                assert author.name.family is None
                continue
            people += 1
            name = author.name
            families = {str(f) for f in data.objects(URIRef(author.iri), FOAF.familyName)}
            assert name.family in families
            separator = " " if name.language is None else ""
            assert name.family + separator + name.given == name.text
            assert name.inverted == f"{name.family}, {name.given}"
    assert people > 40


def by_name(records: dict[URIRef, Record], text: str):
    return next(a for r in records.values() for a in r.authors if a.name.text == text)


@pytest.mark.parametrize(
    ("printed", "family", "given"),
    [("Maggi G", "Maggi", "G"), ("Grossman G M", "Grossman", "G M"), ("孙晓蕾", "孙", "晓蕾")],
)
def test_names_of_the_seed(records, printed, family, given) -> None:
    author = by_name(records, printed)
    assert (author.name.family, author.name.given) == (family, given)


def test_a_chinese_name_has_its_pinyin_form(records) -> None:
    author = by_name(records, "薛澜")
    assert author.latin is not None
    assert (author.latin.family, author.latin.given, author.latin.text) == ("Xue", "L", "Xue L")
    assert by_name(records, "Maggi G").latin is None


def test_the_article(records, article) -> None:
    rec = records[article]
    assert rec.genre == "article-journal" and rec.schema_type == "ScholarlyArticle"
    assert rec.title.language.lower() == "zh-hans"
    assert rec.translated_title.language == "en"
    assert rec.container_title.value == "中国科学院院刊"
    assert rec.container_translated_title.value == "Bulletin of Chinese Academy of Sciences"
    assert rec.issn == ("1000-3045",)
    assert (rec.volume, rec.issue, rec.pages, rec.date) == ("41", "2", "381-392", "2026")
    assert rec.language == "zh"
    assert rec.abstract is not None and rec.abstract.language == "en"
    assert len(rec.keywords) == 8
    assert rec.publisher.value == "Bulletin of Chinese Academy of Sciences"
    assert [a.affiliations[0].value for a in rec.authors][:1] == ["北京航空航天大学 经济管理学院"]
    # The data dedicates the metadata (the dataset) to the public domain, not the article.
    assert rec.licence is None
    assert rec.doi is None


def cited(records, data, article, number: int) -> Record:
    """The record of the work reference `number` of the article points to."""
    for ref in data.objects(article, FRBR.part):
        if str(data.value(ref, FABIO.hasSequenceIdentifier)) == str(number):
            return records[data.value(ref, BIRO.references)]
    raise LookupError(number)


def test_the_cited_book(records, data, article) -> None:
    rec = cited(records, data, article, 5)
    assert rec.genre == "book" and rec.schema_type == "Book"
    assert rec.publisher.value == "北京科学技术出版社"
    assert rec.container_title is None and rec.pages is None
    assert [(a.name.family, a.name.given, a.latin.inverted) for a in rec.authors] == [
        ("伍", "建民", "Wu, J M")
    ]


def test_a_web_page_by_an_organisation(records, data, article) -> None:
    rec = cited(records, data, article, 4)
    assert rec.genre == "webpage"
    assert rec.url == "https://www.gov.cn/xinwen/2021-11/19/content_5652067.htm"
    assert rec.accessed == "2025-10-21"
    (agency,) = rec.authors
    assert not agency.is_person and agency.latin.text == "Xinhua News Agency"


def test_a_newspaper_article(records, data, article) -> None:
    rec = cited(records, data, article, 19)
    assert rec.genre == "article-newspaper"
    assert rec.container_title.value == "北京日报"
    assert rec.date == "2024-11-03"


def test_doi_and_orcid(records, data, article) -> None:
    assert cited(records, data, article, 2).doi_url == (
        "https://doi.org/10.16619/j.cnki.rmltxsqy.2023.19.002"
    )
    schaefer = by_name(records, "Schaefer K J")
    assert schaefer.orcid == "https://orcid.org/0000-0003-0549-492X"
    assert by_name(records, "Maggi G").identifier == by_name(records, "Maggi G").iri
