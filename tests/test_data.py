"""Faithfulness of data/article.ttl to its sources: the seed page and facts.md.

Every expected value is read from ../shared/seed/article-page.txt or ../shared/facts.md at test
time, never copied into the test, so a wrong edit of the data (or of a source) is caught.
"""

import re
from pathlib import Path

import pytest
from rdflib import RDF
from rdflib import XSD
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import PROV
from rdflib.namespace import RDFS
from rdflib.namespace import SKOS

from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import CITO
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import LITERAL
from lodpub.vocab import OCO
from lodpub.vocab import PRISM
from lodpub.vocab import PRO

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = ROOT / "data" / "article.ttl"
BASE = "http://127.0.0.1:8080/"

CHINESE = URIRef("http://id.loc.gov/vocabulary/iso639-2/chi")
ENGLISH = URIRef("http://id.loc.gov/vocabulary/iso639-2/eng")

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared (seed page and facts.md) is absent in this checkout"
)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph().parse(DATA, format="turtle", publicID=BASE)


@pytest.fixture(scope="module")
def seed() -> str:
    return (SHARED / "seed" / "article-page.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_refs(seed: str) -> dict[int, str]:
    return {int(n): text for n, text in re.findall(r"^(\d+)\. (.*)$", seed, re.M)}


@pytest.fixture(scope="module")
def facts() -> str:
    return (SHARED / "facts.md").read_text(encoding="utf-8")


def seed_field(seed: str, heading: str) -> str:
    """The paragraph that follows a heading line of the seed page."""
    return re.search(rf"^{re.escape(heading)}\n\n(.+)$", seed, re.M).group(1)


def article(graph: Graph) -> URIRef:
    return URIRef(BASE + "br/1")


def references(graph: Graph) -> dict[int, URIRef]:
    return {
        int(graph.value(be, FABIO.hasSequenceIdentifier)): be
        for be in graph.objects(article(graph), FRBR.part)
    }


def cited_work(graph: Graph, number: int) -> URIRef:
    return graph.value(references(graph)[number], BIRO.references)


def author_chain(graph: Graph, work: URIRef, role: URIRef = PRO.author) -> list[URIRef]:
    """The holders of a work's roles of one kind, walked along oco:hasNext from the head."""
    roles = [
        ar
        for ar in graph.objects(work, PRO.isDocumentContextFor)
        if graph.value(ar, PRO.withRole) == role
    ]
    successors = {graph.value(ar, OCO.hasNext) for ar in roles}
    heads = [ar for ar in roles if ar not in successors]
    assert len(heads) == 1, f"{work} has {len(heads)} heads in its {role} chain"
    chain, current = [], heads[0]
    while current is not None:
        assert current not in chain, f"cycle in the chain of {work}"
        chain.append(current)
        current = graph.value(current, OCO.hasNext)
    assert len(chain) == len(roles), f"{work}: roles outside the chain"
    return [graph.value(ar, PRO.isHeldBy) for ar in chain]


def names(graph: Graph, agents: list[URIRef], lang: str | None) -> list[str]:
    return [next(str(n) for n in graph.objects(a, FOAF.name) if n.language == lang) for a in agents]


def year_of(graph: Graph, work: URIRef) -> str:
    return str(graph.value(work, PRISM.publicationDate))[:4]


# ------------------------------------------------------------------ the file itself


def test_data_has_no_host_name_of_its_own():
    text = DATA.read_text(encoding="utf-8")
    one = Graph().parse(data=text, format="turtle", publicID="http://one.example/")
    other = Graph().parse(data=text, format="turtle", publicID="https://two.example/x/")
    own = {str(t) for triple in one for t in triple if str(t).startswith("http://one.example/")}
    assert len(own) > 100
    moved = {
        str(t) for triple in other for t in triple if str(t).startswith("https://two.example/x/")
    }
    assert {iri.replace("http://one.example/", "https://two.example/x/") for iri in own} == moved
    assert "127.0.0.1" not in text and "localhost" not in text


def test_every_publication_iri_follows_ocdm_short_names(graph: Graph):
    allowed = re.compile(
        r"^(br|be|re|ar|ra|id|ci)/[0-9]+(-[0-9]+)?$|^dataset(#[a-z-]+)?$|^ontology#\w+$"
    )
    own = {str(t)[len(BASE) :] for triple in graph for t in triple if str(t).startswith(BASE)}
    assert own and all(allowed.match(path) for path in own), sorted(
        p for p in own if not allowed.match(p)
    )


# ------------------------------------------------------------------ the references


@needs_shared
def test_each_reference_content_is_the_seed_line_byte_for_byte(graph, seed_refs):
    refs = references(graph)
    assert sorted(refs) == sorted(seed_refs) == list(range(1, 26))
    for number, be in refs.items():
        content = graph.value(be, C4O.hasContent)
        assert content.datatype in (None, XSD.string) and content.language is None
        assert str(content).encode("utf-8") == seed_refs[number].encode("utf-8"), number


@needs_shared
def test_reference_languages_follow_the_in_chinese_marker(graph, seed_refs):
    for number, line in seed_refs.items():
        work = cited_work(graph, number)
        expected = CHINESE if line.endswith("(in Chinese)") else ENGLISH
        assert graph.value(work, DCTERMS.language) == expected, number
        title = graph.value(work, DCTERMS.title)
        assert title.language == ("zh-Hans" if expected == CHINESE else "en"), number
        assert str(title) in line, number
        translated = graph.value(work, FABIO.hasTranslatedTitle)
        if expected == CHINESE:
            assert translated is not None and str(translated) in line, number
        else:
            assert translated is None, number


@needs_shared
def test_reference_types_dates_and_pages_match_the_printed_line(graph, seed_refs):
    types = {}
    for number, line in seed_refs.items():
        work = cited_work(graph, number)
        kinds = set(graph.objects(work, RDF.type)) - {FABIO.Expression}
        assert len(kinds) == 1, number
        types[number] = kinds.pop()
        assert year_of(graph, work) in line, number
        embodiment = graph.value(work, FRBR.embodiment)
        start = graph.value(embodiment, PRISM.startingPage) if embodiment else None
        end = graph.value(embodiment, PRISM.endingPage) if embodiment else None
        printed_range = re.search(r": (\d+)-(\d+)\.", line)
        if printed_range:
            assert (str(start), str(end)) == printed_range.groups(), number
        printed_page = re.search(r", \d{4}-\d\d-\d\d\((\d+)\)", line)
        if printed_page:
            assert str(start) == printed_page.group(1) and end is None, number
        article_number = re.search(r"\): (\d{5,})\.", line)
        if article_number:
            assert str(graph.value(work, FABIO.hasSequenceIdentifier)) == article_number.group(1)
    counts = {kind: list(types.values()).count(kind) for kind in set(types.values())}
    assert counts == {
        FABIO.JournalArticle: 19,
        FABIO.Book: 1,
        FABIO.NewspaperArticle: 3,
        FABIO.WebContent: 2,
    }


@needs_shared
def test_journal_articles_sit_in_the_printed_issue_volume_and_journal(graph, seed_refs):
    for number, line in seed_refs.items():
        work = cited_work(graph, number)
        if (work, RDF.type, FABIO.JournalArticle) not in graph:
            continue
        issue = graph.value(work, FRBR.partOf)
        assert (issue, RDF.type, FABIO.JournalIssue) in graph, number
        parent = graph.value(issue, FRBR.partOf)
        volume = parent if (parent, RDF.type, FABIO.JournalVolume) in graph else None
        journal = graph.value(volume, FRBR.partOf) if volume else parent
        assert (journal, RDF.type, FABIO.Journal) in graph, number
        printed = f"{graph.value(volume, FABIO.hasSequenceIdentifier) or ''}"
        printed += f"({graph.value(issue, FABIO.hasSequenceIdentifier)})"
        assert printed in line, number
        titles = [
            graph.value(journal, DCTERMS.title),
            graph.value(journal, FABIO.hasTranslatedTitle),
        ]
        assert all(f"{t}, " in line for t in titles if t is not None), number


@needs_shared
def test_shared_containers_are_one_node_each(graph, seed_refs):
    journals = {}
    for number in seed_refs:
        node = cited_work(graph, number)
        while graph.value(node, FRBR.partOf) is not None:
            node = graph.value(node, FRBR.partOf)
        journals.setdefault(str(graph.value(node, DCTERMS.title)), set()).add(node)
    assert all(len(nodes) == 1 for nodes in journals.values()), journals
    # 管理世界 (refs 3, 9) share volume 39; 院刊 38(9) (refs 11, 12) is one issue
    assert graph.value(graph.value(cited_work(graph, 3), FRBR.partOf), FRBR.partOf) == graph.value(
        graph.value(cited_work(graph, 9), FRBR.partOf), FRBR.partOf
    )
    assert graph.value(cited_work(graph, 11), FRBR.partOf) == graph.value(
        cited_work(graph, 12), FRBR.partOf
    )


@needs_shared
def test_authors_round_trip_in_printed_order(graph, seed_refs):
    for number, line in seed_refs.items():
        work = cited_work(graph, number)
        agents = author_chain(graph, work)
        printed = [n for n in line.split(". ", 1)[0].split(", ") if n not in ("等", "et al")]
        if line.endswith("(in Chinese)"):
            assert names(graph, agents, "zh-Hans") == printed, number
        else:
            assert names(graph, agents, None) == printed, number


@needs_shared
def test_chinese_authors_carry_the_printed_romanisation(graph, seed_refs):
    for number, line in seed_refs.items():
        if not line.endswith("(in Chinese)"):
            continue
        agents = author_chain(graph, cited_work(graph, number))
        persons = [a for a in agents if (a, RDF.type, FOAF.Person) in graph]
        for agent in persons:
            pinyin = names(graph, [agent], "zh-Latn-pinyin")[0]
            assert f" {pinyin}, " in f" {line}" or f" {pinyin}. " in f" {line}", (number, pinyin)


@needs_shared
def test_article_authors_follow_facts_in_order_with_affiliations(graph, facts):
    table = facts.split("Authors, in order", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d) \| (.+?)(?: \(corresponding author\))? \| (.+) \|$", table, re.M)
    assert len(rows) == 5
    agents = author_chain(graph, article(graph))
    assert names(graph, agents, "zh-Hans") == [name for _, name, _ in rows]
    roles = author_chain_roles(graph, article(graph))
    for (_, _, printed), role in zip(rows, roles, strict=True):
        labels = sorted(
            str(graph.value(org, RDFS.label))
            for org in graph.objects(role, PRO.relatesToOrganization)
        )
        assert labels == sorted(part.strip() for part in printed.split(";"))
    corresponding = [
        r for r in roles if graph.value(r, URIRef(BASE + "ontology#isCorrespondingAuthor"))
    ]
    assert corresponding == [roles[4]]


def author_chain_roles(graph: Graph, work: URIRef) -> list[URIRef]:
    holders = author_chain(graph, work)
    by_holder = {
        graph.value(ar, PRO.isHeldBy): ar for ar in graph.objects(work, PRO.isDocumentContextFor)
    }
    return [by_holder[h] for h in holders]


def test_citations_mirror_the_references(graph):
    refs = references(graph)
    cited = set(graph.objects(article(graph), CITO.cites))
    assert cited == {graph.value(be, BIRO.references) for be in refs.values()}
    assert len(cited) == 25
    citations = list(graph.subjects(RDF.type, CITO.Citation))
    assert len(citations) == 25
    assert {graph.value(c, CITO.hasCitedEntity) for c in citations} == cited
    assert {graph.value(c, CITO.hasCitingEntity) for c in citations} == {article(graph)}
    for c in citations:
        span = str(graph.value(c, CITO.hasCitationTimeSpan))
        cited_year = int(year_of(graph, graph.value(c, CITO.hasCitedEntity)))
        assert span == f"P{2026 - cited_year}Y"


def test_journal_self_citations_are_exactly_those_of_the_articles_journal(graph):
    def journal_of(work):
        node = work
        while graph.value(node, FRBR.partOf) is not None:
            node = graph.value(node, FRBR.partOf)
        return node

    own = journal_of(article(graph))
    for c in graph.subjects(RDF.type, CITO.Citation):
        same = journal_of(graph.value(c, CITO.hasCitedEntity)) == own
        assert ((c, RDF.type, CITO.JournalSelfCitation) in graph) == same
    assert len(list(graph.subjects(RDF.type, CITO.JournalSelfCitation))) == 4


# ------------------------------------------------------------------ the article


@needs_shared
def test_article_fields_match_the_seed(graph, seed):
    work = article(graph)
    embodiment = graph.value(work, FRBR.embodiment)
    assert str(graph.value(embodiment, PRISM.startingPage)) == seed_field(seed, "First page")
    assert str(graph.value(embodiment, PRISM.endingPage)) == seed_field(seed, "Last Page")
    assert str(graph.value(work, DCTERMS.abstract)) == seed_field(seed, "Abstract")
    assert graph.value(work, DCTERMS.abstract).language == "en"
    assert str(graph.value(work, PRISM.section)) == seed_field(seed, "Document Type")
    keywords_en = [str(k) for k in graph.objects(work, PRISM.keyword) if k.language == "en"]
    assert sorted(keywords_en) == sorted(seed_field(seed, "Keywords").split(", "))
    assert (
        graph.value(work, DCTERMS.language) == CHINESE and seed_field(seed, "Language") == "Chinese"
    )
    publisher = author_chain(graph, work, PRO.publisher)
    assert names(graph, publisher, "en") == [seed_field(seed, "Publisher")]


@needs_shared
def test_article_title_keywords_volume_issue_and_year_match_facts(graph, facts):
    def fact(field):
        return re.search(rf"^\| {re.escape(field)} \| (.+?) \| (\w+)", facts, re.M).groups()

    work = article(graph)
    title_zh, status = fact("title (zh)")
    assert status == "SEEN" and graph.value(work, DCTERMS.title) == Literal(
        title_zh, lang="zh-Hans"
    )
    title_en, _ = fact("title (en)")
    assert graph.value(work, FABIO.hasTranslatedTitle) == Literal(title_en, lang="en")
    keywords_zh, _ = fact("keywords (zh)")
    assert sorted(
        str(k) for k in graph.objects(work, PRISM.keyword) if k.language == "zh-Hans"
    ) == (sorted(keywords_zh.split("; ")))
    volume_issue, _ = fact("volume / issue")
    issue = graph.value(work, FRBR.partOf)
    volume = graph.value(issue, FRBR.partOf)
    numbers = [graph.value(node, FABIO.hasSequenceIdentifier) for node in (volume, issue)]
    assert " / ".join(map(str, numbers)) == volume_issue
    year, status = fact("year")
    assert status == "DERIVED" and year_of(graph, work) == year
    notes = " ".join(str(n) for n in graph.objects(work, SKOS.note))
    assert "derived" in notes and year in notes


# ------------------------------------------------------------------ identifiers


def identifiers(graph: Graph) -> set[tuple[str, str]]:
    return {
        (
            str(graph.value(i, DATACITE.usesIdentifierScheme))
            .rsplit("/", 1)[-1]
            .rsplit("#", 1)[-1],
            str(graph.value(i, LITERAL.hasLiteralValue)),
        )
        for i in graph.subjects(RDF.type, DATACITE.Identifier)
    }


@needs_shared
def test_published_identifiers_are_exactly_the_seen_ones_of_facts(graph, facts):
    published = identifiers(graph)
    seen_dois = set(re.findall(r"\| DOI (10\.\S+) \| SEEN", facts))
    low_dois = set(re.findall(r"\| DOI (10\.\S+) \| LOW", facts))
    assert seen_dois and low_dois
    assert {v for s, v in published if s == "doi"} == seen_dois
    assert not low_dois & {v for _, v in published}
    issn_rows = re.findall(
        r"^\| [^|]+ \| [\d, ]+ \| (\d{4}-\d{3}[\dX]) \| ([\d\-X—]+) \| ([^|]+) \|$", facts, re.M
    )
    assert len(issn_rows) == 14
    assert {v for s, v in published if s == "issn"} == {issn for issn, _, _ in issn_rows}
    assert {v for s, v in published if s == "eissn"} == {e for _, e, _ in issn_rows if e != "—"}
    assert {v for s, v in published if s == "cn"} == {
        cn.strip() for _, _, cn in issn_rows if cn.strip() != "—"
    }
    orcids = set(re.findall(r"ORCID (\d{4}-\d{4}-\d{4}-\d{3}[\dX]) \| SEEN", facts))
    assert {v for s, v in published if s == "orcid"} == orcids


def test_every_identifier_links_to_its_resolver_and_has_a_source(graph):
    resolvers = {
        "doi": "https://doi.org/",
        "issn": "https://portal.issn.org/resource/ISSN/",
        "eissn": "https://portal.issn.org/resource/ISSN/",
        "orcid": "https://orcid.org/",
        "handle": "https://hdl.handle.net/",
        "url": "",
    }
    for node in graph.subjects(RDF.type, DATACITE.Identifier):
        owner = graph.value(predicate=DATACITE.hasIdentifier, object=node)
        scheme = str(graph.value(node, DATACITE.usesIdentifierScheme)).rsplit("/", 1)[-1]
        value = str(graph.value(node, LITERAL.hasLiteralValue))
        if scheme in resolvers:
            assert (owner, DCTERMS.relation, URIRef(resolvers[scheme] + value)) in graph
        source = graph.value(node, PROV.hadPrimarySource) or graph.value(node, PROV.wasDerivedFrom)
        assert source is not None and (source, DCTERMS.description, None) in graph, node


# ------------------------------------------------------------------ round trip


@pytest.mark.parametrize("fmt", ["turtle", "nt", "xml", "json-ld"])
def test_round_trip_keeps_the_graph_and_its_chinese(graph, fmt):
    text = graph.serialize(format=fmt, encoding="utf-8")
    back = Graph().parse(data=text, format=fmt)
    assert to_isomorphic(back) == to_isomorphic(graph)
    assert "推动“一带一路”数字标准共建".encode() in text
    assert Literal("中国科学院院刊", lang="zh-Hans") in set(back.objects())


def test_sources_are_described_never_titled(graph):
    """A source page's title is its publisher's to give: what this data says about a source is
    a description written here."""
    sources = set(graph.objects(None, PROV.hadPrimarySource))
    assert sources
    for source in sources:
        assert (source, DCTERMS.title, None) not in graph, source
        assert graph.value(source, DCTERMS.description).language == "en", source


# ------------------------------------------------------------------ provenance


def identifier_node(graph: Graph, scheme: URIRef, value: str) -> URIRef:
    (node,) = [
        n
        for n in graph.subjects(LITERAL.hasLiteralValue, Literal(value))
        if graph.value(n, DATACITE.usesIdentifierScheme) == scheme
    ]
    return node


@needs_shared
def test_identifiers_read_on_copies_are_derived_from_them_not_primary(graph, facts):
    """facts.md marks the DOIs seen only on copies of the publisher's page: the copy is what
    the identifier was derived from, never its primary source, and a note says so."""
    copies = re.findall(
        r"^\| (\d+) \| DOI (10\.\S+) \| SEEN \(cop[^)]*\) \| (\S+) \|$", facts, re.M
    )
    assert len(copies) == 3
    for number, doi, page in copies:
        node, copy = identifier_node(graph, DATACITE.doi, doi), URIRef(page)
        assert (node, PROV.wasDerivedFrom, copy) in graph, number
        assert copy not in set(graph.objects(None, PROV.hadPrimarySource)), number
        assert "copy" in str(graph.value(node, SKOS.note)), number
        assert "not the publisher's own page" in str(graph.value(copy, DCTERMS.description))
        assert (cited_work(graph, int(number)), PROV.wasDerivedFrom, copy) in graph


def test_the_dataset_says_who_made_it_and_when(graph):
    dataset = URIRef(BASE + "dataset")
    editors = graph.value(dataset, PROV.wasAttributedTo)
    assert (editors, RDF.type, PROV.Agent) in graph
    assert (editors, RDF.type, FOAF.Person) not in graph  # no person is invented
    assert {label.language for label in graph.objects(editors, RDFS.label)} == {"en", "zh-Hans"}
    generated = graph.value(dataset, PROV.generatedAtTime)
    issued, modified = graph.value(dataset, DCTERMS.issued), graph.value(dataset, DCTERMS.modified)
    assert generated.datatype == XSD.dateTime
    assert issued.datatype == modified.datatype == XSD.date
    assert str(generated)[:10] == str(issued) <= str(modified)
    assert str(issued) in str(graph.value(dataset, SKOS.note))


@needs_shared
def test_places_of_publication_are_the_printed_and_seen_ones(graph, seed_refs, facts):
    """Reference 5 prints 北京 (and Beijing in its English version); facts.md gives Beijing as
    the journal's place. Both are one place node."""
    book = cited_work(graph, 5)
    place = graph.value(book, FABIO.hasPlaceOfPublication)
    assert (place, RDF.type, FRBR.Place) in graph
    labels = {label.language: str(label) for label in graph.objects(place, RDFS.label)}
    assert f"{labels['zh-Hans']}: " in seed_refs[5] and f"{labels['en']}: " in seed_refs[5]
    frequency, where, founded = re.search(
        r"^\| frequency, place, founded \| (\w+), (\w+), (\d+) \| SEEN", facts, re.M
    ).groups()
    journal = URIRef(BASE + "br/4")
    assert graph.value(journal, FABIO.hasPlaceOfPublication) == place
    assert labels["en"] == where
    assert str(graph.value(journal, DCTERMS.created)) == founded


@needs_shared
def test_co_author_given_name_is_the_seen_one_beside_the_printed_initials(graph, facts, seed_refs):
    given, family = re.search(r"co-author (\w+) (\w+), ORCID \S+ \| SEEN", facts).groups()
    (person,) = [p for p in graph.subjects(FOAF.familyName, Literal(family))]
    names = set(graph.objects(person, FOAF.givenName))
    printed = {n for n in names if n.language is None}
    assert len(printed) == 1 and f"{family} {printed.pop()}" in seed_refs[10]
    assert Literal(given, lang="en") in names
    assert given in str(graph.value(person, SKOS.note))


def test_no_value_that_no_source_states(graph):
    """No source says an embodiment is printed or which media type a web page has."""
    assert not list(graph.subjects(RDF.type, FABIO.PrintObject))
    assert not list(graph.objects(None, DCTERMS.format))


@needs_shared
def test_inferred_languages_say_so(graph, seed_refs):
    for number, line in seed_refs.items():
        if not line.endswith("(in Chinese)"):
            notes = " ".join(map(str, graph.objects(cited_work(graph, number), SKOS.note)))
            assert "inferred" in notes, number
