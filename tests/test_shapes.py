"""The SHACL shapes can fail: each shape and each SHACL-SPARQL constraint rejects a small
invalid graph with the expected severity and message, a small valid graph passes untouched, and
the real data has no violation.

Each invalid graph is the valid BASELINE below with one change (a SPARQL Update), so a case
reads as "what is wrong" and the baseline test shows nothing else is. Every test runs on both
engines (lodpub's SPARQL compiler and pyshacl, the reference), and for every case the two must
report exactly the same findings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib import Node
from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.namespace import RDFS
from rdflib.namespace import SH

from lodpub.config import DEFAULT_BASE_URL
from lodpub.dataset import load
from lodpub.dataset import load_ontology
from lodpub.dataset import load_shapes
from lodpub.validate import ENGINES
from lodpub.validate import Engine
from lodpub.validate import Report
from lodpub.validate import validate

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "article.ttl"
BASE = DEFAULT_BASE_URL  # the shapes and ontology fixtures (conftest.py) load on it
WARNING, INFO = SH.Warning, SH.Info

PREFIXES = """
PREFIX biro: <http://purl.org/spar/biro/>
PREFIX c4o: <http://purl.org/spar/c4o/>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX datacite: <http://purl.org/spar/datacite/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX frbr: <http://purl.org/vocab/frbr/core#>
PREFIX literal: <http://www.essepuntato.it/2010/06/literalreification/>
PREFIX lodpub: <ontology#>
PREFIX oco: <https://w3id.org/oc/ontology/>
PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
PREFIX pro: <http://purl.org/spar/pro/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# A small publication that satisfies every shape, Info included: an article (br/1) in issue
# br/2, volume br/3, journal br/4, with three authors and a publisher; three references to a
# journal article (br/101, another journal), a newspaper article and a web page.
BASELINE = """
<br/1> a fabio:Expression, fabio:JournalArticle ; dcterms:title "标题"@zh-Hans ;
    fabio:hasTranslatedTitle "Title"@en ; dcterms:abstract "Abstract."@en ;
    prism:keyword "标准"@zh-Hans, "standards"@en ; prism:section "Research"@en ;
    dcterms:language <http://id.loc.gov/vocabulary/iso639-2/chi> ;
    prism:publicationDate "2026"^^xsd:gYear ; frbr:partOf <br/2> ; frbr:embodiment <re/1> ;
    pro:isDocumentContextFor <ar/1>, <ar/2>, <ar/3>, <ar/4> ; datacite:hasIdentifier <id/1> ;
    dcterms:relation <https://doi.org/10.1234/abc.1> ; frbr:part <be/1>, <be/2>, <be/3> ;
    cito:cites <br/101>, <br/102>, <br/103> ; prov:hadPrimarySource <https://example.org/seed> .
<br/2> a fabio:Expression, fabio:JournalIssue ; fabio:hasSequenceIdentifier "2" ;
    frbr:partOf <br/3> ; prov:hadPrimarySource <https://example.org/seed> .
<br/3> a fabio:Expression, fabio:JournalVolume ; fabio:hasSequenceIdentifier "41" ;
    frbr:partOf <br/4> ; prov:hadPrimarySource <https://example.org/seed> .
<br/4> a fabio:Expression, fabio:Journal ; dcterms:title "院刊"@zh-Hans ;
    datacite:hasIdentifier <id/2>, <id/3> ;
    dcterms:relation <https://portal.issn.org/resource/ISSN/1000-3045> ;
    prov:hadPrimarySource <https://example.org/seed> .
<re/1> a fabio:Manifestation, fabio:PrintObject ; prism:startingPage "381" ;
    prism:endingPage "392" ; prov:hadPrimarySource <https://example.org/seed> .
<id/1> a datacite:Identifier ; datacite:usesIdentifierScheme datacite:doi ;
    literal:hasLiteralValue "10.1234/abc.1" ; prov:hadPrimarySource <https://example.org/seed> .
<id/2> a datacite:Identifier ; datacite:usesIdentifierScheme datacite:issn ;
    literal:hasLiteralValue "1000-3045" ; prov:hadPrimarySource <https://example.org/seed> .
<id/3> a datacite:Identifier ; datacite:usesIdentifierScheme lodpub:cn ;
    literal:hasLiteralValue "11-1806/N" ; prov:hadPrimarySource <https://example.org/seed> .
<ar/1> a pro:RoleInTime ; pro:withRole pro:author ; pro:isHeldBy <ra/1> ; oco:hasNext <ar/2> ;
    pro:relatesToOrganization <ra/4> ; prov:hadPrimarySource <https://example.org/seed> .
<ar/2> a pro:RoleInTime ; pro:withRole pro:author ; pro:isHeldBy <ra/2> ; oco:hasNext <ar/3> ;
    lodpub:isCorrespondingAuthor true ; prov:hadPrimarySource <https://example.org/seed> .
<ar/3> a pro:RoleInTime ; pro:withRole pro:author ; pro:isHeldBy <ra/3> ;
    prov:hadPrimarySource <https://example.org/seed> .
<ar/4> a pro:RoleInTime ; pro:withRole pro:publisher ; pro:isHeldBy <ra/4> ;
    prov:hadPrimarySource <https://example.org/seed> .
<ra/1> a foaf:Agent, foaf:Person ; foaf:name "孙晓蕾"@zh-Hans ; foaf:familyName "孙"@zh-Hans ;
    foaf:givenName "晓蕾"@zh-Hans ; datacite:hasIdentifier <id/4> ;
    dcterms:relation <https://orcid.org/0000-0002-1825-0097> ;
    prov:hadPrimarySource <https://example.org/seed> .
<ra/2> a foaf:Agent, foaf:Person ; foaf:name "薛澜"@zh-Hans, "Xue L"@zh-Latn-pinyin ;
    foaf:familyName "薛"@zh-Hans, "Xue"@zh-Latn-pinyin ; datacite:hasIdentifier <id/5> ;
    dcterms:relation <https://orcid.org/0000-0002-1694-233X> ;
    prov:hadPrimarySource <https://example.org/seed> .
<ra/3> a foaf:Agent, foaf:Person ; foaf:name "Rolf S" ; foaf:familyName "Rolf" ;
    foaf:givenName "S" ; datacite:hasIdentifier <id/6> ;
    dcterms:relation <https://orcid.org/0000-0001-5109-3700> ;
    prov:hadPrimarySource <https://example.org/seed> .
<ra/4> a foaf:Agent, foaf:Organization ; foaf:name "院刊"@zh-Hans, "Bulletin"@en ;
    rdfs:label "某院, 北京 100190"@zh-Hans ; prov:hadPrimarySource <https://example.org/seed> .
<id/4> a datacite:Identifier ; datacite:usesIdentifierScheme datacite:orcid ;
    literal:hasLiteralValue "0000-0002-1825-0097" ;
    prov:hadPrimarySource <https://example.org/seed> .
<id/5> a datacite:Identifier ; datacite:usesIdentifierScheme datacite:orcid ;
    literal:hasLiteralValue "0000-0002-1694-233X" ;
    prov:hadPrimarySource <https://example.org/seed> .
<id/6> a datacite:Identifier ; datacite:usesIdentifierScheme datacite:orcid ;
    literal:hasLiteralValue "0000-0001-5109-3700" ;
    prov:hadPrimarySource <https://example.org/seed> .
<be/1> a biro:BibliographicReference ; fabio:hasSequenceIdentifier "1" ;
    c4o:hasContent "Rolf S. A title. Journal, 2023, 1(1): 1-2." ; biro:references <br/101> ;
    prov:hadPrimarySource <https://example.org/seed> .
<be/2> a biro:BibliographicReference ; fabio:hasSequenceIdentifier "2" ;
    c4o:hasContent "陈荒拓. 标题. 北京日报, 2024-11-03." ; biro:references <br/102> ;
    prov:hadPrimarySource <https://example.org/seed> .
<be/3> a biro:BibliographicReference ; fabio:hasSequenceIdentifier "3" ;
    c4o:hasContent "新华社. 标题. [2025-10-21]. https://www.example.org/page.htm." ;
    biro:references <br/103> ; prov:hadPrimarySource <https://example.org/seed> .
<br/101> a fabio:Expression, fabio:JournalArticle ; dcterms:title "A title"@en ;
    prism:publicationDate "2023"^^xsd:gYear ; frbr:partOf <br/201> ;
    pro:isDocumentContextFor <ar/5> ; datacite:hasIdentifier <id/7> ;
    dcterms:relation <https://doi.org/10.1257/aer.1> ;
    prov:hadPrimarySource <https://example.org/seed> .
<id/7> a datacite:Identifier ; datacite:usesIdentifierScheme datacite:doi ;
    literal:hasLiteralValue "10.1257/aer.1" ; prov:hadPrimarySource <https://example.org/seed> .
<ar/5> a pro:RoleInTime ; pro:withRole pro:author ; pro:isHeldBy <ra/3> ;
    prov:hadPrimarySource <https://example.org/seed> .
<br/201> a fabio:Expression, fabio:Journal ; dcterms:title "Journal"@en ;
    prov:hadPrimarySource <https://example.org/seed> .
<br/102> a fabio:Expression, fabio:NewspaperArticle ; dcterms:title "标题"@zh-Hans ;
    frbr:partOf <br/202> ; prov:hadPrimarySource <https://example.org/seed> .
<br/202> a fabio:Expression, fabio:NewspaperIssue ; prism:publicationDate "2024-11-03"^^xsd:date ;
    frbr:partOf <br/203> ; prov:hadPrimarySource <https://example.org/seed> .
<br/203> a fabio:Expression, fabio:Newspaper ; dcterms:title "北京日报"@zh-Hans ;
    prov:hadPrimarySource <https://example.org/seed> .
<br/103> a fabio:Expression, fabio:WebContent ; dcterms:title "标题"@zh-Hans ;
    frbr:embodiment <re/103> ; datacite:hasIdentifier <id/8> ;
    dcterms:relation <https://www.example.org/page.htm> ;
    skos:note "The page is dated differently from the reference."@en ;
    prov:hadPrimarySource <https://example.org/seed> .
<re/103> a fabio:Manifestation, fabio:DigitalManifestation ;
    frbr:exemplar <https://www.example.org/page.htm> ;
    dcterms:format <https://w3id.org/spar/mediatype/text/html> ;
    prov:hadPrimarySource <https://example.org/seed> .
<https://www.example.org/page.htm> a fabio:DigitalItem ; dcterms:date "2025-10-21"^^xsd:date .
<id/8> a datacite:Identifier ; datacite:usesIdentifierScheme datacite:url ;
    literal:hasLiteralValue "https://www.example.org/page.htm" ;
    prov:hadPrimarySource <https://example.org/seed> .
<ci/1-101> a cito:Citation ; cito:hasCitingEntity <br/1> ; cito:hasCitedEntity <br/101> ;
    cito:hasCitationCreationDate "2026"^^xsd:gYear ;
    cito:hasCitationTimeSpan "P3Y"^^xsd:duration ;
    prov:hadPrimarySource <https://example.org/seed> .
<ci/1-102> a cito:Citation ; cito:hasCitingEntity <br/1> ; cito:hasCitedEntity <br/102> ;
    prov:hadPrimarySource <https://example.org/seed> .
<ci/1-103> a cito:Citation ; cito:hasCitingEntity <br/1> ; cito:hasCitedEntity <br/103> ;
    prov:hadPrimarySource <https://example.org/seed> .
<https://example.org/seed> a prov:Entity ; dcterms:description "The seed page"@en .
<dataset> a dcat:Dataset, void:Dataset ; dcterms:title "Dataset"@en, "数据集"@zh-Hans ;
    dcterms:description "Description."@en ;
    dcterms:license <https://creativecommons.org/publicdomain/zero/1.0/> ;
    dcterms:rights "The abstract's rights stay with the publisher."@en ;
    dcat:keyword "citations"@en ; void:rootResource <br/1> ;
    prov:hadPrimarySource <https://example.org/seed> .
"""

SEED = "prov:hadPrimarySource <https://example.org/seed>"


def case(name: str, update: str, shape: str, message: str, severity: URIRef = SH.Violation):
    """One invalid graph: BASELINE changed by `update` must yield a finding of `shape`
    (local name) with `severity` whose message contains `message`."""
    return pytest.param(update, shape, message, severity, id=name)


def delete(triples: str) -> str:
    return f"DELETE DATA {{ {triples} }}"


def insert(triples: str) -> str:
    return f"INSERT DATA {{ {triples} }}"


def replace(old: str, new: str) -> str:
    return f"{delete(old)} ; {insert(new)}"


SNAPSHOT_TIME = ' prov:generatedAtTime "2026-11-28T12:34:15Z"^^xsd:dateTime ;'


def snapshot(drop: str = "") -> str:
    """A valid OCDM snapshot of <br/1>, without the part `drop` names."""
    text = (
        "<br/1/prov/se/1> a prov:Entity ; prov:specializationOf <br/1> ;"
        f"{SNAPSHOT_TIME} prov:wasAttributedTo <dataset#editors> ;"
        " dcterms:description \"The entity 'br/1' has been created.\"@en ;"
        f" {SEED} ."
    )
    assert drop in text
    return text.replace(drop, "")


def identifier(node: str, owner: str, scheme: str, value: str) -> str:
    return insert(
        f"{owner} datacite:hasIdentifier {node} . {node} a datacite:Identifier ; "
        f'datacite:usesIdentifierScheme {scheme} ; literal:hasLiteralValue "{value}" ; {SEED} .'
    )


# fmt: off
WORKS = [
    case("br-without-expression-type", delete("<br/2> a fabio:Expression ."),
         "BibliographicResourceShape", "must be typed fabio:Expression"),
    case("br-with-three-types", insert("<br/2> a fabio:JournalVolume ."),
         "BibliographicResourceShape", "exactly two rdf:types"),
    case("br-with-non-expression-type",
         replace("<br/2> a fabio:JournalIssue .", "<br/2> a fabio:WebPage ."),
         "BibliographicResourceShape", "not a bibliographic resource type"),
    case("br-with-two-titles", insert('<br/1> dcterms:title "Second"@en .'),
         "BibliographicResourceShape", "at most one dcterms:title"),
    case("title-untagged", replace('<br/1> dcterms:title "标题"@zh-Hans .',
                                   '<br/1> dcterms:title "标题" .'),
         "BibliographicResourceShape", "dcterms:title must be a string tagged"),
    case("title-in-french", replace('<br/1> dcterms:title "标题"@zh-Hans .',
                                    '<br/1> dcterms:title "Titre"@fr .'),
         "BibliographicResourceShape", "dcterms:title must be a string tagged"),
    case("translated-titles-same-language",
         insert('<br/1> fabio:hasTranslatedTitle "Other title"@en .'),
         "BibliographicResourceShape", "fabio:hasTranslatedTitle must be language-tagged"),
    case("alternative-title-untagged", insert('<br/4> dcterms:alternative "Bulletin" .'),
         "BibliographicResourceShape", "dcterms:alternative must be a string tagged"),
    case("abstracts-same-language", insert('<br/1> dcterms:abstract "Another."@en .'),
         "BibliographicResourceShape", "dcterms:abstract must be language-tagged"),
    case("keyword-untagged", insert('<br/1> prism:keyword "standards" .'),
         "BibliographicResourceShape", "prism:keyword must be one keyword tagged"),
    case("section-untagged", replace('<br/1> prism:section "Research"@en .',
                                     '<br/1> prism:section "Research" .'),
         "BibliographicResourceShape", "prism:section (the journal column)"),
    case("language-not-loc",
         insert("<br/1> dcterms:language <http://lexvo.org/id/iso639-3/zho> ."),
         "BibliographicResourceShape", "Library of Congress ISO 639-2 IRI"),
    case("two-publication-dates", insert('<br/1> prism:publicationDate "2025"^^xsd:gYear .'),
         "BibliographicResourceShape", "at most one prism:publicationDate"),
    case("publication-date-ill-formed",
         replace('<br/1> prism:publicationDate "2026"^^xsd:gYear .',
                 '<br/1> prism:publicationDate "2026-13-01"^^xsd:date .'),
         "BibliographicResourceShape", "must be a valid xsd:gYear"),
    case("sequence-identifier-integer",
         replace('<br/2> fabio:hasSequenceIdentifier "2" .',
                 "<br/2> fabio:hasSequenceIdentifier 2 ."),
         "BibliographicResourceShape", "fabio:hasSequenceIdentifier (issue, volume"),
    case("two-containers", insert("<br/2> frbr:partOf <br/4> ."),
         "BibliographicResourceShape", "frbr:partOf at most one container"),
    case("container-not-a-br",
         replace("<br/2> frbr:partOf <br/3> .", "<br/2> frbr:partOf <ra/4> ."),
         "BibliographicResourceShape", "frbr:partOf must point to a bibliographic resource"),
    case("embodiment-not-a-manifestation", insert("<br/101> frbr:embodiment <be/1> ."),
         "BibliographicResourceShape", "frbr:embodiment must point"),
    case("part-not-a-reference", insert("<br/1> frbr:part <re/1> ."),
         "BibliographicResourceShape", "frbr:part of a bibliographic resource must point"),
    case("contributor-not-a-role", insert("<br/1> pro:isDocumentContextFor <ra/1> ."),
         "BibliographicResourceShape", "pro:isDocumentContextFor must point to a role"),
    case("cites-not-a-br", insert("<br/1> cito:cites <ra/1> ."),
         "BibliographicResourceShape", "cito:cites must point to a bibliographic resource"),
    case("identifier-not-an-identifier", insert("<br/4> datacite:hasIdentifier <ra/4> ."),
         "BibliographicResourceShape", "datacite:Identifier node (scheme and value)"),
    case("relation-literal", insert('<br/1> dcterms:relation "https://doi.org/10.1234/abc.1" .'),
         "BibliographicResourceShape", "dcterms:relation must be an IRI (e.g. https://doi.org"),
    case("work-cites-itself", insert("<br/101> cito:cites <br/101> ."),
         "CitingWorkShape", "A work cannot cite itself"),
    case("container-loop", insert("<br/4> frbr:partOf <br/2> ."),
         "BibliographicResourceShape", "loops back to itself through frbr:partOf"),
    case("journal-article-in-article",
         replace("<br/1> frbr:partOf <br/2> .", "<br/1> frbr:partOf <br/101> ."),
         "JournalArticleShape", "A journal article must be frbr:partOf a fabio:JournalIssue"),
    case("journal-article-without-container", delete("<br/101> frbr:partOf <br/201> ."),
         "JournalArticleShape", "A journal article must be frbr:partOf a fabio:JournalIssue"),
    case("issue-without-number", delete('<br/2> fabio:hasSequenceIdentifier "2" .'),
         "JournalIssueShape", "A journal issue needs its number"),
    case("issue-in-newspaper",
         replace("<br/2> frbr:partOf <br/3> .", "<br/2> frbr:partOf <br/203> ."),
         "JournalIssueShape", "A journal issue must be frbr:partOf a fabio:JournalVolume"),
    case("volume-without-number", delete('<br/3> fabio:hasSequenceIdentifier "41" .'),
         "JournalVolumeShape", "A journal volume needs its number"),
    case("volume-in-issue", replace("<br/3> frbr:partOf <br/4> .", "<br/3> frbr:partOf <br/2> ."),
         "JournalVolumeShape", "A journal volume must be frbr:partOf a fabio:Journal"),
    case("journal-without-title", delete('<br/4> dcterms:title "院刊"@zh-Hans .'),
         "JournalShape", "A journal needs its title"),
    case("newspaper-article-in-newspaper",
         replace("<br/102> frbr:partOf <br/202> .", "<br/102> frbr:partOf <br/203> ."),
         "NewspaperArticleShape", "must be frbr:partOf a fabio:NewspaperIssue"),
    case("newspaper-issue-without-date",
         delete('<br/202> prism:publicationDate "2024-11-03"^^xsd:date .'),
         "NewspaperIssueShape", "A newspaper issue is identified by its date"),
    case("newspaper-issue-in-journal",
         replace("<br/202> frbr:partOf <br/203> .", "<br/202> frbr:partOf <br/4> ."),
         "NewspaperIssueShape", "must be frbr:partOf a fabio:Newspaper"),
    case("newspaper-without-title", delete('<br/203> dcterms:title "北京日报"@zh-Hans .'),
         "NewspaperShape", "A newspaper needs its title"),
    case("web-content-without-embodiment", delete("<br/103> frbr:embodiment <re/103> ."),
         "WebContentShape", "Web content needs a frbr:embodiment"),
    case("web-embodiment-without-url",
         delete("<re/103> frbr:exemplar <https://www.example.org/page.htm> ."),
         "WebContentShape", "Web content needs a frbr:embodiment"),
    case("article-without-title", delete('<br/1> dcterms:title "标题"@zh-Hans .'),
         "CitingWorkShape", "The article has no title", WARNING),
    case("article-without-authors", delete(
        "<br/1> pro:isDocumentContextFor <ar/1>, <ar/2>, <ar/3> ."),
         "CitingWorkShape", "The article has no author", WARNING),
    case("article-without-date", delete('<br/1> prism:publicationDate "2026"^^xsd:gYear .'),
         "CitingWorkShape", "The article has no publication date", WARNING),
    case("article-without-embodiment", delete("<br/1> frbr:embodiment <re/1> ."),
         "CitingWorkShape", "The article has no embodiment", WARNING),
    case("article-without-doi", delete("<br/1> datacite:hasIdentifier <id/1> ."),
         "CitingWorkShape", "The article has no DOI", WARNING),
    case("cites-without-citation", delete(
        "<ci/1-102> a cito:Citation ; cito:hasCitingEntity <br/1> ; "
        f"cito:hasCitedEntity <br/102> ; {SEED} ."),
         "CitingWorkShape", "but has no cito:Citation for it"),
    case("cites-without-reference",
         replace("<be/2> biro:references <br/102> .", "<be/2> biro:references <br/101> ."),
         "CitingWorkShape", "none of its references (frbr:part"),
    case("reference-without-cites", delete("<br/1> cito:cites <br/103> ."),
         "CitingWorkShape", "but the work does not cito:cites it"),
    case("reference-numbers-twice", replace('<be/2> fabio:hasSequenceIdentifier "2" .',
                                            '<be/2> fabio:hasSequenceIdentifier "1" .'),
         "CitingWorkShape", "carry the same number"),
    case("cited-work-without-reference", insert(
        "<br/1> cito:cites <br/104> . <br/104> a fabio:Expression, fabio:Book ; "
        f'dcterms:title "书"@zh-Hans ; {SEED} .'),
         "CitedWorkShape", "not the target of any bibliographic reference"),
    case("cited-work-without-title", delete('<br/101> dcterms:title "A title"@en .'),
         "CitedWorkShape", "This cited work has no title", WARNING),
    case("cited-article-without-doi", delete("<br/101> datacite:hasIdentifier <id/7> ."),
         "CitedJournalArticleDoiShape", "This cited journal article has no DOI", INFO),
]

CONTENT_1 = '<be/1> c4o:hasContent "Rolf S. A title. Journal, 2023, 1(1): 1-2." .'

REFERENCES = [
    case("reference-with-second-type", insert("<be/1> a fabio:Expression ."),
         "BibliographicReferenceShape", "typed biro:BibliographicReference and nothing else"),
    case("reference-without-content", delete(CONTENT_1),
         "BibliographicReferenceShape", "exactly one c4o:hasContent"),
    case("reference-content-tagged", replace(
        CONTENT_1, '<be/1> c4o:hasContent "Rolf S. A title. Journal, 2023, 1(1): 1-2."@en .'),
         "BibliographicReferenceShape", "exactly one c4o:hasContent"),
    case("reference-content-padded", replace(
        CONTENT_1, '<be/1> c4o:hasContent " Rolf S. A title. Journal, 2023, 1(1): 1-2." .'),
         "BibliographicReferenceShape", "leading or trailing white space"),
    case("reference-content-numbered", replace(
        CONTENT_1, '<be/1> c4o:hasContent "1. Rolf S. A title. Journal, 2023, 1(1): 1-2." .'),
         "BibliographicReferenceShape", "starts with the reference number"),
    case("reference-number-padded", replace('<be/1> fabio:hasSequenceIdentifier "1" .',
                                            '<be/1> fabio:hasSequenceIdentifier "01" .'),
         "BibliographicReferenceShape", "exactly one fabio:hasSequenceIdentifier"),
    case("reference-to-two-works", insert("<be/1> biro:references <br/102> ."),
         "BibliographicReferenceShape", "to exactly one cited work"),
    case("reference-of-no-work", delete("<br/1> frbr:part <be/1> ."),
         "BibliographicReferenceShape", "belongs to exactly one citing work"),
    case("citation-without-citation-type",
         replace("<ci/1-102> a cito:Citation .", "<ci/1-102> a cito:SelfCitation ."),
         "CitationShape", "must be typed cito:Citation"),
    case("citation-with-three-types",
         insert("<ci/1-101> a cito:SelfCitation, cito:DistantCitation ."),
         "CitationShape", "at most one CiTO citation subtype"),
    case("citation-of-itself",
         replace("<ci/1-102> cito:hasCitingEntity <br/1> .",
                 "<ci/1-102> cito:hasCitingEntity <br/102> ."),
         "CitationShape", "it differs from the cited work"),
    case("citation-without-cited", delete("<ci/1-102> cito:hasCitedEntity <br/102> ."),
         "CitationShape", "exactly one cited work"),
    case("citation-date-string", replace(
        '<ci/1-101> cito:hasCitationCreationDate "2026"^^xsd:gYear .',
        '<ci/1-101> cito:hasCitationCreationDate "2026" .'),
         "CitationShape", "cito:hasCitationCreationDate is at most one"),
    case("citation-time-span-negative", replace(
        '<ci/1-101> cito:hasCitationTimeSpan "P3Y"^^xsd:duration .',
        '<ci/1-101> cito:hasCitationTimeSpan "-P3Y"^^xsd:duration .'),
         "CitationShape", "non-negative xsd:duration"),
    case("citation-without-reference",
         replace("<be/1> biro:references <br/101> .", "<be/1> biro:references <br/102> ."),
         "CitationShape", "has no bibliographic reference (frbr:part"),
    case("citation-without-cites", delete("<br/1> cito:cites <br/101> ."),
         "CitationShape", "does not cito:cites the cited work"),
    case("citation-date-not-article-date", replace(
        '<ci/1-101> cito:hasCitationCreationDate "2026"^^xsd:gYear .',
        '<ci/1-101> cito:hasCitationCreationDate "2025"^^xsd:gYear .'),
         "CitationShape", "differs from the citing work's publication date"),
    case("citation-time-span-wrong", replace(
        '<ci/1-101> cito:hasCitationTimeSpan "P3Y"^^xsd:duration .',
        '<ci/1-101> cito:hasCitationTimeSpan "P4Y"^^xsd:duration .'),
         "CitationShape", "does not match the years"),
    case("citation-time-span-without-cited-date",
         delete('<br/101> prism:publicationDate "2023"^^xsd:gYear .'),
         "CitationShape", "has a time span, but"),
    case("journal-self-citation-across-journals", insert("<ci/1-101> a cito:JournalSelfCitation ."),
         "CitationShape", "typed cito:JournalSelfCitation, but"),
    case("journal-self-citation-untyped",
         replace("<br/101> frbr:partOf <br/201> .", "<br/101> frbr:partOf <br/4> ."),
         "JournalSelfCitationShape", "add `a cito:JournalSelfCitation`", WARNING),
]

AGENTS = [
    case("agent-without-agent-type", delete("<ra/1> a foaf:Agent ."),
         "AgentShape", "must be typed foaf:Agent"),
    case("agent-person-and-organization", insert("<ra/1> a foaf:Organization ."),
         "AgentShape", "nothing else"),
    case("agent-two-chinese-names", insert('<ra/1> foaf:name "孙小蕾"@zh-Hans .'),
         "AgentShape", "foaf:name: at most one name per language tag"),
    case("agent-two-untagged-family-names", insert('<ra/3> foaf:familyName "Rolfe" .'),
         "AgentShape", "foaf:familyName: at most one per language tag"),
    case("agent-given-name-in-french", insert('<ra/2> foaf:givenName "Lan"@fr .'),
         "AgentShape", "foaf:givenName: at most one per language tag"),
    case("agent-label-in-german", insert('<ra/4> rdfs:label "Institut"@de .'),
         "AgentShape", "rdfs:label of an agent"),
    case("agent-without-name", delete('<ra/3> foaf:name "Rolf S" ; foaf:familyName "Rolf" .'),
         "AgentShape", "An agent needs a name"),
    case("agent-identifier-not-an-identifier", insert("<ra/1> datacite:hasIdentifier <ra/2> ."),
         "AgentShape", "datacite:hasIdentifier must point to a datacite:Identifier node: add"),
    case("agent-relation-literal", insert('<ra/1> dcterms:relation "orcid" .'),
         "AgentShape", "dcterms:relation must be an IRI (e.g. <https://orcid.org"),
    case("agent-orphan", insert(f'<ra/9> a foaf:Agent, foaf:Person ; foaf:name "X" ; {SEED} .'),
         "AgentShape", "linked from no role"),
    case("author-without-orcid", delete("<ra/3> datacite:hasIdentifier <id/6> ."),
         "AuthorOrcidShape", "This author has no ORCID iD", INFO),
    case("role-with-second-type", insert("<ar/1> a pro:Role ."),
         "AgentRoleShape", "typed pro:RoleInTime and nothing else"),
    case("role-unknown", replace("<ar/4> pro:withRole pro:publisher .",
                                 "<ar/4> pro:withRole pro:translator ."),
         "AgentRoleShape", "exactly one pro:withRole"),
    case("role-without-holder", delete("<ar/4> pro:isHeldBy <ra/4> ."),
         "AgentRoleShape", "held by exactly one agent"),
    case("affiliation-a-person", insert("<ar/3> pro:relatesToOrganization <ra/1> ."),
         "AgentRoleShape", "must point to a foaf:Organization"),
    case("role-of-two-works", insert("<br/101> pro:isDocumentContextFor <ar/1> ."),
         "AgentRoleShape", "belongs to exactly one work"),
    case("role-chain-fork", insert("<ar/1> oco:hasNext <ar/3> ."),
         "AgentRoleShape", "at most one oco:hasNext"),
    case("role-two-predecessors", insert("<ar/1> oco:hasNext <ar/3> ."),
         "AgentRoleShape", "is the oco:hasNext of at most one role"),
    case("corresponding-not-boolean", replace("<ar/2> lodpub:isCorrespondingAuthor true .",
                                              '<ar/2> lodpub:isCorrespondingAuthor "yes" .'),
         "CorrespondingAuthorShape", "at most one xsd:boolean"),
    case("corresponding-publisher", insert("<ar/4> lodpub:isCorrespondingAuthor true ."),
         "CorrespondingAuthorShape", "Only an author role"),
    case("role-self-loop", insert("<ar/3> oco:hasNext <ar/3> ."),
         "RoleChainShape", "is its own oco:hasNext"),
    case("role-cycle", insert("<ar/3> oco:hasNext <ar/1> ."),
         "RoleChainShape", "lies on an oco:hasNext cycle"),
    case("role-next-other-role-type", insert("<ar/3> oco:hasNext <ar/4> ."),
         "RoleChainShape", "which has a different pro:withRole"),
    case("role-next-other-work", insert("<ar/3> oco:hasNext <ar/5> ."),
         "RoleChainShape", "which belongs to another work"),
    case("role-chain-two-heads", delete("<ar/1> oco:hasNext <ar/2> ."),
         "AgentRoleShape", "has two first roles of the same type"),
]

DOI_1 = '<id/1> literal:hasLiteralValue "10.1234/abc.1" .'
ISSN_2 = '<id/2> literal:hasLiteralValue "1000-3045" .'
ORCID_4 = '<id/4> literal:hasLiteralValue "0000-0002-1825-0097" .'

IDENTIFIERS = [
    case("identifier-with-second-type", insert("<id/1> a prov:Entity ."),
         "IdentifierShape", "typed datacite:Identifier and nothing else"),
    case("identifier-unknown-scheme",
         replace("<id/1> datacite:usesIdentifierScheme datacite:doi .",
                 "<id/1> datacite:usesIdentifierScheme datacite:arxiv ."),
         "IdentifierShape", "exactly one datacite:usesIdentifierScheme"),
    case("identifier-two-schemes", insert("<id/2> datacite:usesIdentifierScheme datacite:eissn ."),
         "IdentifierShape", "exactly one datacite:usesIdentifierScheme"),
    case("identifier-value-with-label", replace(DOI_1, '<id/1> literal:hasLiteralValue "DOI: x" .'),
         "IdentifierShape", "exactly one literal:hasLiteralValue"),
    case("identifier-two-owners", insert("<br/101> datacite:hasIdentifier <id/1> ."),
         "IdentifierShape", "belongs to exactly one entity"),
    case("identifier-without-resolvable-link",
         delete("<br/1> dcterms:relation <https://doi.org/10.1234/abc.1> ."),
         "ResolvableLinkShape", "does not link to its resolvable IRI"),
    case("identifier-twice", identifier("<id/9>", "<br/1>", "datacite:doi", "10.1234/abc.1"),
         "IdentifierShape", "two identifier nodes"),
    case("doi-upper-case", replace(DOI_1, '<id/1> literal:hasLiteralValue "10.1234/ABC.1" .'),
         "DoiSyntaxShape", "This DOI is malformed"),
    case("doi-as-url",
         replace(DOI_1, '<id/1> literal:hasLiteralValue "https://doi.org/10.1234/abc.1" .'),
         "DoiSyntaxShape", "This DOI is malformed"),
    case("issn-without-hyphen", replace(ISSN_2, '<id/2> literal:hasLiteralValue "10003045" .'),
         "IssnSyntaxShape", "This ISSN is malformed"),
    case("isbn-with-letters", identifier("<id/9>", "<br/101>", "datacite:isbn", "978-7-ABC"),
         "IsbnSyntaxShape", "This ISBN is malformed"),
    case("orcid-as-url", replace(ORCID_4, '<id/4> literal:hasLiteralValue '
                                          '"https://orcid.org/0000-0002-1825-0097" .'),
         "OrcidSyntaxShape", "This ORCID iD is malformed"),
    case("url-without-scheme",
         replace('<id/8> literal:hasLiteralValue "https://www.example.org/page.htm" .',
                 '<id/8> literal:hasLiteralValue "www.example.org/page.htm" .'),
         "UrlSyntaxShape", "not an absolute http(s) URL"),
    case("handle-with-prefix",
         identifier("<id/9>", "<br/101>", "datacite:handle", "hdl:1814/75998"),
         "HandleSyntaxShape", "This Handle is malformed"),
    case("pii-without-s", identifier("<id/9>", "<br/101>", "datacite:pii", "0308596123001842"),
         "PiiSyntaxShape", "This PII is malformed"),
    case("cn-with-prefix", replace('<id/3> literal:hasLiteralValue "11-1806/N" .',
                                   '<id/3> literal:hasLiteralValue "CN11-1806/N" .'),
         "CnSyntaxShape", "This CN serial number is malformed"),
    case("issn-check-digit", replace(ISSN_2, '<id/2> literal:hasLiteralValue "1000-3046" .'),
         "IssnCheckDigitShape", "fails its check digit (ISO 3297"),
    case("isbn-13-check-digit",
         identifier("<id/9>", "<br/101>", "datacite:isbn", "978-3-16-148410-1"),
         "IsbnCheckDigitShape", "fails its check digit or has neither 10 nor 13 digits"),
    case("isbn-10-check-digit", identifier("<id/9>", "<br/101>", "datacite:isbn", "0-306-40615-3"),
         "IsbnCheckDigitShape", "fails its check digit or has neither 10 nor 13 digits"),
    case("isbn-11-digits", identifier("<id/9>", "<br/101>", "datacite:isbn", "0-306-40615-22"),
         "IsbnCheckDigitShape", "fails its check digit or has neither 10 nor 13 digits"),
    case("orcid-check-digit",
         replace(ORCID_4, '<id/4> literal:hasLiteralValue "0000-0002-1825-0098" .'),
         "OrcidCheckDigitShape", "fails its check digit (ISO 7064 MOD 11-2)"),
]

PAGES = '<re/1> prism:startingPage "381" ; prism:endingPage "392" .'

EMBODIMENTS = [
    case("embodiment-without-manifestation-type", delete("<re/1> a fabio:Manifestation ."),
         "EmbodimentShape", "must be typed fabio:Manifestation"),
    case("embodiment-print-and-digital", insert("<re/1> a fabio:DigitalManifestation ."),
         "EmbodimentShape", "at most one of fabio:PrintObject"),
    case("embodiment-of-two-works", insert("<br/101> frbr:embodiment <re/1> ."),
         "EmbodimentShape", "embodies exactly one work"),
    case("starting-page-integer",
         replace(PAGES, '<re/1> prism:startingPage 381 ; prism:endingPage "392" .'),
         "EmbodimentShape", "prism:startingPage is at most one plain string"),
    case("two-ending-pages", insert('<re/1> prism:endingPage "393" .'),
         "EmbodimentShape", "prism:endingPage is at most one plain string"),
    case("exemplar-literal", insert('<re/1> frbr:exemplar "https://www.example.org/" .'),
         "EmbodimentShape", "frbr:exemplar is at most one IRI"),
    case("format-literal", insert('<re/1> dcterms:format "text/html" .'),
         "EmbodimentShape", "dcterms:format is at most one media-type IRI"),
    case("ending-page-alone", delete('<re/1> prism:startingPage "381" .'),
         "PageRangeShape", "needs its first page"),
    case("pages-reversed",
         replace(PAGES, '<re/1> prism:startingPage "392" ; prism:endingPage "381" .'),
         "PageRangeShape", "comes after last page"),
    case("digital-item-not-http", insert(
        "<re/1> frbr:exemplar <urn:x:1> . <urn:x:1> a fabio:DigitalItem ."),
         "DigitalItemShape", "absolute http(s) URL"),
    case("digital-item-untyped", delete("<https://www.example.org/page.htm> a fabio:DigitalItem ."),
         "DigitalItemShape", "is typed fabio:DigitalItem"),
    case("digital-item-of-nothing", insert("<https://www.example.org/other> a fabio:DigitalItem ."),
         "DigitalItemShape", "the exemplar of no embodiment"),
    case("digital-item-date-time", replace(
        '<https://www.example.org/page.htm> dcterms:date "2025-10-21"^^xsd:date .',
        '<https://www.example.org/page.htm> dcterms:date "2025-10-21T00:00:00"^^xsd:dateTime .'),
         "DigitalItemShape", "at most one xsd:date"),
]

METADATA = [
    case("dataset-not-dcat", delete("<dataset> a dcat:Dataset ."),
         "DatasetShape", "must be typed dcat:Dataset"),
    case("dataset-not-void", delete("<dataset> a void:Dataset ."),
         "DatasetShape", "must be typed void:Dataset"),
    case("dataset-title-untagged", insert('<dataset> dcterms:title "Dataset" .'),
         "DatasetShape", "needs dcterms:title"),
    case("dataset-without-description", delete('<dataset> dcterms:description "Description."@en .'),
         "DatasetShape", "needs dcterms:description"),
    case("dataset-licence-literal", insert('<dataset> dcterms:license "CC0" .'),
         "DatasetShape", "exactly one dcterms:license IRI"),
    case("dataset-without-rights", delete(
        "<dataset> dcterms:rights \"The abstract's rights stay with the publisher.\"@en ."),
         "DatasetShape", "needs a dcterms:rights statement"),
    case("dataset-keyword-in-french", insert('<dataset> dcat:keyword "citations"@fr .'),
         "DatasetShape", "dcat:keyword must be a string"),
    case("dataset-root-literal", insert('<dataset> void:rootResource "br/1" .'),
         "DatasetShape", "void:rootResource must be the IRI"),
    case("reference-without-source", delete(f"<be/1> {SEED} ."),
         "ProvenanceShape", "This entity names no source"),
    case("note-in-french", insert('<br/103> skos:note "Une note."@fr .'),
         "ProvenanceShape", "skos:note must be a text"),
    case("source-a-literal", insert('<be/1> prov:hadPrimarySource "the seed page" .'),
         "ProvenanceSourceShape", "identified by the IRI of the page itself"),
    case("source-not-described", insert("<be/1> prov:hadPrimarySource <https://example.org/x> ."),
         "ProvenanceSourceShape", "must be described as a prov:Entity"),
    case("source-without-description",
         delete('<https://example.org/seed> dcterms:description "The seed page"@en .'),
         "ProvenanceSourceShape", "A source needs a dcterms:description"),
    case("snapshot-not-an-entity", insert(snapshot(drop=" a prov:Entity ;")),
         "SnapshotShape", "must be typed prov:Entity"),
    case("snapshot-of-two-entities",
         insert(snapshot() + " <br/1/prov/se/1> prov:specializationOf <br/2> ."),
         "SnapshotShape", "a snapshot of exactly one entity"),
    case("snapshot-without-time", insert(snapshot(drop=SNAPSHOT_TIME)),
         "SnapshotShape", "exactly one prov:generatedAtTime"),
    case("snapshot-without-agent",
         insert(snapshot(drop=" prov:wasAttributedTo <dataset#editors> ;")),
         "SnapshotShape", "names who is responsible"),
    case("snapshot-source-a-literal",
         insert(snapshot() + ' <br/1/prov/se/1> prov:hadPrimarySource "the seed" .'),
         "SnapshotShape", "prov:hadPrimarySource is the IRI of a source page"),
    case("snapshot-without-description",
         insert(snapshot(drop=" dcterms:description \"The entity 'br/1' has been created.\"@en ;")),
         "SnapshotShape", "needs one dcterms:description"),
    case("snapshot-misnamed", insert(snapshot().replace("<br/1/prov/se/1>", "<br/1/history/1>")),
         "SnapshotShape", "followed by /prov/se/N"),
]

# fmt: on

CASES = WORKS + REFERENCES + AGENTS + IDENTIFIERS + EMBODIMENTS + METADATA


TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)


@pytest.fixture(scope="module")
def one_shape(shapes: Graph) -> Callable[[str], Graph]:
    """The shapes graph with only one shape targeting anything. A full run costs seconds (pyshacl
    re-parses each SPARQL constraint per focus node); the baseline tests run every shape."""
    cache: dict[str, Graph] = {}

    def only(name: str) -> Graph:
        if name not in cache:
            keep = URIRef(f"{BASE}shapes#{name}")
            graph = Graph()
            for prefix, namespace in shapes.namespaces():
                graph.bind(prefix, namespace)
            for triple in shapes:
                if triple[1] not in TARGETS or triple[0] == keep:
                    graph.add(triple)
            cache[name] = graph
        return cache[name]

    return only


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.param


@pytest.fixture(scope="module")
def case_report(
    one_shape: Callable[[str], Graph], ontology: Graph
) -> Callable[[str, str, Engine], Report]:
    """The report of one engine on one case (each is computed once per module)."""
    cache: dict[tuple[str, str, Engine], Report] = {}

    def report(update: str, shape: str, engine: Engine) -> Report:
        key = (update, shape, engine)
        if key not in cache:
            cache[key] = validate(baseline(update), one_shape(shape), ontology, BASE, engine=engine)
        return cache[key]

    return report


def baseline(update: str = "", base: str = BASE) -> Graph:
    graph = Graph().parse(data=PREFIXES + BASELINE, format="turtle", publicID=base)
    if update:
        graph.update(f"BASE <{base}>\n{PREFIXES}\n{update}")
    return graph


def local(node: Node) -> str:
    return str(node).rsplit("#", 1)[-1]


def named_shapes(shapes: Graph) -> set[URIRef]:
    return {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}


def test_baseline_has_no_finding(shapes: Graph, ontology: Graph, engine: Engine) -> None:
    report = validate(baseline(), shapes, ontology, BASE, engine=engine)
    assert not report.findings, report.render()


def test_baseline_on_another_host_has_no_finding(engine: Engine) -> None:
    """Shapes name lodpub: terms relatively (lodpub:sponsor, lodpub:cn): loaded with the same
    base as the data, they must match the data's terms on any host."""
    base = "https://example.org/publication/"
    shapes, ontology = load_shapes(base), load_ontology(base)
    report = validate(baseline(base=base), shapes, ontology, base, engine=engine)
    assert not report.findings, report.render()


@pytest.mark.parametrize(("update", "shape", "message", "severity"), CASES)
def test_shape_rejects_invalid_graph(
    update: str,
    shape: str,
    message: str,
    severity: URIRef,
    engine: Engine,
    case_report: Callable[[str, str, Engine], Report],
) -> None:
    report = case_report(update, shape, engine)
    hits = [
        finding
        for finding in report.findings
        if finding.shape.split(" › ")[0] == f"shape:{shape}"
        and any(message in text for text in finding.messages)
    ]
    assert hits, report.render()
    assert {finding.severity for finding in hits} == {severity}
    # One message per result: a shape's own sh:message must not leak into its other results.
    assert all(len(finding.messages) == 1 for finding in hits), report.render()


@pytest.mark.parametrize(("update", "shape", "message", "severity"), CASES)
def test_engines_agree_on_invalid_graph(
    update: str,
    shape: str,
    message: str,
    severity: URIRef,
    case_report: Callable[[str, str, Engine], Report],
) -> None:
    """Every finding, value and message of pyshacl, and no other, in the same order."""
    ours, reference = case_report(update, shape, "sparql"), case_report(update, shape, "pyshacl")
    assert ours.findings == reference.findings
    assert ours.render("text") == reference.render("text")


def messages(shapes: Graph) -> list[tuple[str, str]]:
    """(node shape, message template) of every sh:message: on a node shape, on one of its
    property shapes or on one of its SPARQL constraints."""
    found = []
    for node, message in shapes.subject_objects(SH.message):
        owner = (
            shapes.value(predicate=SH.property, object=node)
            or shapes.value(predicate=SH.sparql, object=node)
            or node
        )
        found.append((local(owner), str(message)))
    return found


def test_every_message_has_a_case_that_triggers_it(shapes: Graph) -> None:
    """Each constraint that carries a message (every property shape, SPARQL constraint and
    node-level constraint) is exercised by a case above."""
    covered = {(param.values[1], param.values[2]) for param in CASES}
    untested = [
        (shape, template)
        for shape, template in messages(shapes)
        if not any(s == shape and fragment in template for s, fragment in covered)
    ]
    assert not untested


def test_every_targeted_shape_has_a_case(shapes: Graph) -> None:
    targeted = {local(s) for p in TARGETS for s in shapes.subjects(p, None)}
    assert targeted == {param.values[1] for param in CASES}


def test_every_shape_and_constraint_says_what_to_do(shapes: Graph) -> None:
    """Named shapes have a comment; their property shapes and SPARQL constraints a message;
    a targeted shape with constraints on the focus node itself (sh:or, …) a message too."""
    node_level = (SH["or"], SH.nodeKind, SH.pattern, SH["not"], SH["class"])
    for shape in named_shapes(shapes):
        assert shapes.value(shape, RDFS.comment), f"{local(shape)} has no rdfs:comment"
        for constraint in [*shapes.objects(shape, SH.property), *shapes.objects(shape, SH.sparql)]:
            assert shapes.value(constraint, SH.message), f"a constraint of {local(shape)}"
        targeted = any(shapes.value(shape, p) for p in TARGETS)
        if targeted and any(shapes.value(shape, p) for p in node_level):
            assert shapes.value(shape, SH.message), f"{local(shape)} has no message"


def test_shapes_use_chinese_and_english_only(shapes: Graph) -> None:
    lists = list(shapes.objects(None, SH.languageIn))
    assert lists
    for language_list in lists:
        assert {str(tag) for tag in Collection(shapes, language_list)} == {"zh", "en"}


@pytest.mark.skipif(not DATA.exists(), reason="data/article.ttl is not written yet")
def test_real_data_has_no_violation(shapes: Graph, ontology: Graph, engine: Engine) -> None:
    data = Graph()
    for s, p, o, _ in load([DATA], BASE).quads((None, None, None, None)):
        data.add((s, p, o))
    report = validate(data, shapes, ontology, BASE, engine=engine)
    assert report.violations == 0, report.render()
