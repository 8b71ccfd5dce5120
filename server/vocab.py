"""Namespaces of every vocabulary lodpub uses, as rdflib objects, `bind_all`, and `Triple`.

The SPAR vocabularies (FaBiO, CiTO, BiRO, C4O, FRBR, PRISM as FaBiO declares it, PRO, DataCite,
Literal) are closed: their term lists below are every term the reference copies in
../shared/vocab/ define, so `FABIO.JournalArtcle` raises AttributeError instead of minting an IRI
no vocabulary defines (tests/test_namespaces.py keeps the lists equal to those files). Terms whose
names are not Python identifiers are reached by item: `PRO["copy-editor"]`.
"""

import itertools
from collections.abc import Iterable

from rdflib import Graph
from rdflib import Namespace
from rdflib.namespace import DCAT
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import OWL
from rdflib.namespace import PROV
from rdflib.namespace import RDF
from rdflib.namespace import RDFS
from rdflib.namespace import SH
from rdflib.namespace import SKOS
from rdflib.namespace import VOID
from rdflib.namespace import XSD
from rdflib.namespace import ClosedNamespace
from rdflib.term import Node

# One statement as rdflib terms: what descriptions and the store's `triples` are lists of.
Triple = tuple[Node, Node, Node]


def union(*parts: Iterable[Triple]) -> list[Triple]:
    """The triples of `parts` (graphs or lists), each once, in order."""
    return list(dict.fromkeys(itertools.chain(*parts)))


FABIO_TERMS = """
Abstract AcademicProceedings Addendum Algorithm AnalogItem AnalogManifestation
AnalogStorageMedium Announcement Anthology ApplicationProfile ApplicationProgrammingInterface
ArchivalDocument ArchivalDocumentSet ArchivalRecord ArchivalRecordSet Article ArtisticWork
AudioDocument AuthorityFile BachelorsThesis BibliographicDatabase BibliographicMetadata
Biography Blog BlogPost Book BookChapter BookReview BookSeries BookSet BriefReport
CallForApplications CaseForSupport CaseForSupportDocument CaseReport Catalog Chapter
CitationMetadata ClinicalCaseReport ClinicalGuideline ClinicalTrialDesign ClinicalTrialReport
CollectedWorks Comment CompleteWorks ComputerApplication ComputerFile ComputerProgram
ConferencePaper ConferencePoster ConferenceProceedings ControlledVocabulary Correction
Corrigendum Cover CriticalEdition DataFile DataManagementPlan DataManagementPolicy
DataManagementPolicyDocument DataRepository Database DatabaseManagementSystem Dataset
DefinitiveVersion DemoPaper Diary DigitalItem DigitalManifestation DigitalStorageMedium
Directory DisciplineDictionary DoctoralThesis DocumentRepository DustJacket Editorial Email
EntityMetadata Entry Erratum Essay ExaminationPaper Excerpt ExecutiveSummary
ExperimentalProtocol Expression ExpressionCollection Figure Film Folksonomy GanttChart
GrantApplication GrantApplicationDocument Hardback Image InBrief InUsePaper Index
InstructionManual InstructionalWork Item ItemCollection Journal JournalArticle JournalEditorial
JournalIssue JournalNewsItem JournalVolume LaboratoryNotebook LectureNotes LegalOpinion Letter
LibraryCatalog LiteraryArtisticWork Magazine MagazineArticle MagazineEditorial MagazineIssue
MagazineNewsItem Manifestation ManifestationCollection Manuscript MastersThesis MeetingReport
Metadata MetadataDocument MethodsPaper Microblog Micropost MinimalInformationStandard Model
Movie MovingImage MusicalComposition Nanopublication NewsItem NewsReport Newspaper
NewspaperArticle NewspaperEditorial NewspaperIssue NewspaperNewsItem Notebook
NotificationOfReceipt Novel Obituary Ontology OntologyDocument Opinion Oration Page Paperback
Patent PatentApplication PatentApplicationDocument PatentDocument Periodical PeriodicalIssue
PeriodicalItem PeriodicalVolume PersonalCommunication PhDSymposiumPaper Play Poem Policy
PolicyDocument PositionPaper PosterPaper Postprint Preprint Presentation PressRelease
PrintObject ProceedingsPaper ProductReview ProjectMetadata ProjectPlan ProjectReport
ProjectReportDocument Proof Proposition Questionnaire Quotation RapidCommunication ReferenceBook
ReferenceEntry ReferenceWork RelationalDatabase Reply Report ReportDocument ReportingStandard
Repository ResearchPaper ResourcePaper Retraction RetractionNotice Review ReviewArticle
ReviewPaper ScholarlyWork Screenplay Script Series ShortStory Software Song SoundRecording
Specification SpecificationDocument Spreadsheet StandardOperatingProcedure StillImage
StorageMedium StructuredSummary SubjectDiscipline SubjectTerm Supplement
SupplementaryInformationFile SystematicReview Table TableOfContents Taxonomy TechnicalReport
TechnicalStandard TermDictionary Textbook Thesaurus Thesis Timetable TrialReport Triplestore
Tweet UncontrolledVocabulary Vocabulary VocabularyDocument VocabularyMapping
VocabularyMappingDocument WebArchive WebContent WebManifestation WebPage WebSite WhitePaper Wiki
WikiEntry WikipediaEntry Work WorkCollection WorkPackage Workflow WorkingPaper WorkshopPaper
WorkshopProceedings analog-magnetic-tape cd cloud dateLastUpdated digital-magnetic-tape dvd film
floppy-disk hard-drive hasAccessDate hasArXivId hasCODEN hasCharacterCount hasCopyrightYear
hasCorrectionDate hasDateCollected hasDateReceived hasDeadline hasDecisionDate hasDepositDate
hasDiscipline hasDistributionDate hasElectronicArticleIdentifier hasEmbargoDate
hasEmbargoDuration hasHandle hasIssnL hasManifestation hasNLMJournalTitleAbbreviation
hasNationalLibraryOfMedicineJournalId hasPII hasPageCount hasPatentNumber hasPlaceOfPublication
hasPortrayal hasPrimarySubjectTerm hasPubMedCentralId hasPubMedId hasPublicationYear
hasRepresentation hasRequestDate hasRetractionDate hasSICI hasSeason hasSequenceIdentifier
hasShortTitle hasStandardNumber hasSubjectTerm hasSubtitle hasTranslatedSubtitle
hasTranslatedTitle hasURL hasVolumeCount internet intranet isDisciplineOf isManifestationOf
isPortrayalOf isRepresentationOf isSchemeOf isStoredOn paper ram solid-state-memory stores
usesCalendar vinyl-disk web
"""
CITO_TERMS = """
AffilationSelfCitation AuthorNetworkSelfCitation AuthorSelfCitation Citation DistantCitation
FunderSelfCitation JournalCartelCitation JournalSelfCitation SelfCitation agreesWith cites
citesAsAuthority citesAsDataSource citesAsEvidence citesAsMetadataDocument
citesAsPotentialSolution citesAsRecommendedReading citesAsRelated citesAsSourceDocument
citesForInformation compiles confirms containsAssertionFrom corrects credits critiques derides
describes disagreesWith discusses disputes documents extends givesBackgroundTo givesSupportTo
hasCitationCharacterization hasCitationCreationDate hasCitationTimeSpan hasCitedEntity
hasCitingEntity hasCoAuthorshipCitationLevel hasReplyFrom includesExcerptFrom
includesQuotationFrom isAgreedWithBy isCitedAsAuthorityBy isCitedAsDataSourceBy
isCitedAsEvidenceBy isCitedAsMetadataDocumentBy isCitedAsPontentialSolutionBy
isCitedAsRecommendedReadingBy isCitedAsRelatedBy isCitedAsSourceDocumentBy isCitedBy
isCitedForInformationBy isCompiledBy isConfirmedBy isCorrectedBy isCreditedBy isCritiquedBy
isDeridedBy isDescribedBy isDisagreedWithBy isDiscussedBy isDisputedBy isDocumentedBy
isExtendedBy isLinkedToBy isParodiedBy isPlagiarizedBy isQualifiedBy isRefutedBy isRetractedBy
isReviewedBy isRidiculedBy isSpeculatedOnBy isSupportedBy isUpdatedBy likes linksTo
obtainsBackgroundFrom obtainsSupportFrom parodies plagiarizes providesAssertionFor
providesConclusionsFor providesDataFor providesExcerptFor providesMethodFor providesQuotationFor
qualifies refutes repliesTo retracts reviews ridicules sharesAuthorInstitutionWith
sharesAuthorWith sharesFundingAgencyWith sharesJournalWith sharesPublicationVenueWith
speculatesOn supports updates usesConclusionsFrom usesDataFrom usesMethodIn
"""
BIRO_TERMS = """
BibliographicCollection BibliographicList BibliographicRecord BibliographicReference
LibraryCatalogue ReferenceList isReferencedBy references
"""
C4O_TERMS = """
BibliographicInformationSource GlobalCitationCount InTextReferencePointer
InTextReferencePointerList InTextReferencePointerListItem SingleLocationPointerList
SingleReferencePointerList denotes hasContent hasContext hasGlobalCitationFrequency
hasGlobalCountDate hasGlobalCountSource hasGlobalCountValue hasInTextCitationFrequency
isDenotedBy isRelevantTo pertainsTo
"""
FRBR_TERMS = """
Concept CorporateBody Endeavour Event Expression Item Manifestation Object Person Place
ResponsibleEntity Subject Work abridgement abridgementOf adaption adaptionOf alternate
alternateOf arrangement arrangementOf complement complementOf creator creatorOf embodiment
embodimentOf exemplar exemplarOf imitation imitationOf owner ownerOf part partOf producer
producerOf realization realizationOf realizer realizerOf reconfiguration reconfigurationOf
relatedEndeavour reproduction reproductionOf responsibleEntity responsibleEntityOf revision
revisionOf subject subjectOf successor successorOf summarization summarizationOf supplement
supplementOf transformation transformationOf translation translationOf
"""
PRISM_TERMS = """
alternateTitle doi eIssn edition endingPage isbn issn issueIdentifier keyword pageRange
publicationDate section startingPage versionIdentifier volume wordCount
"""
PRO_TERMS = """
PublishingRole Role RoleInTime archivist author authors-agent biographer blogger
commissioning-editor compiler contributor copy-editor copyright-owner critic deputy-editor
distributor editor editor-in-chief executive-editor ghost-writer guest-editor holdsRoleInTime
illustrator isDocumentContextFor isHeldBy isOrganizationContextFor isPersonContextFor
isRelatedToRoleInTime isRoleIn journalist librarian managing-editor peer-reviewer printer
producer production-editor proof-reader publisher reader relatesToDocument relatesToEntity
relatesToOrganization relatesToPerson reviewer senior-editor series-editor translator withRole
"""
DATACITE_TERMS = """
AgentIdentifier AgentIdentifierScheme AlternateResourceIdentifier DescriptionType
FunderIdentifier FunderIdentifierScheme Identifier IdentifierScheme MetadataScheme
OrganizationIdentifier OrganizationIdentifierScheme PersonalIdentifier PersonalIdentifierScheme
PrimaryResourceIdentifier ResourceIdentifier ResourceIdentifierScheme abstract acm ark arxiv
bibcode crossref dblp dblp-record dia dnb doi ean13 eissn fundref gepris github gitlab gnd
google-scholar handle hasCreatorList hasDescription hasDescriptionType hasGeneralResourceType
hasIdentifier ieee infouri isbn isni issn istc ivoid jst lattes linkedin lissn loc
local-funder-identifier-scheme local-organization-identifier-scheme
local-personal-identifier-scheme local-resource-identifier-scheme lsid math-genealogy methods
national-insurance-number nihmsid nii oci oclc omid openalex opendoar openid orcid other pii
pmcid pmid purl repec research-gate researcherid ror scigraph series-information sici
social-security-number spar spase table-of-content twitter upc uri url urn usesIdentifierScheme
usesMetadataScheme viaf w3id wikidata wikipedia zbmath
"""
LITERAL_TERMS = """
Literal hasLiteral hasLiteralValue hasSameLiteralValueAs isLiteralOf
"""

# OpenCitations' own ontology is not among ../shared/vocab/; these are the terms OCDM gives it
# (modelling.md §1).
OCO_TERMS = "hasNext hasAnnotation hasUpdateQuery"

# SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/), which
# rdflib does not ship.
SD_TERMS = """
Aggregate BasicFederatedQuery Dataset DereferencesURIs EmptyGraphs EntailmentProfile
EntailmentRegime Feature Function Graph GraphCollection Language NamedGraph RequiresDataset
SPARQL10Query SPARQL11Query SPARQL11Update Service UnionDefaultGraph availableGraphs
defaultDataset defaultEntailmentRegime defaultGraph defaultSupportedEntailmentProfile endpoint
entailmentRegime extensionAggregate extensionFunction feature graph inputFormat
languageExtension name namedGraph propertyFeature resultFormat supportedEntailmentProfile
supportedLanguage
"""

# The publication's own vocabulary (ontology/lodpub.ttl, docs/model.md "Ontology").
LODPUB_TERMS = "cn sponsor isCorrespondingAuthor schemaOrgTerm"


def _closed(iri: str, terms: str) -> ClosedNamespace:
    namespace = ClosedNamespace(iri, terms.split())
    # rdflib finds `FABIO.Expression` in __getattr__, once the ordinary lookup has failed: 2 µs
    # a term, and a page reads a few thousand. Kept as attributes, each is found at once (not
    # those named like a method of str, which the ordinary lookup finds first either way).
    found = {t: namespace[t] for t in terms.split() if t.isidentifier()}
    vars(namespace).update({t: term for t, term in found.items() if not hasattr(str, t)})
    return namespace


FABIO = _closed("http://purl.org/spar/fabio/", FABIO_TERMS)
CITO = _closed("http://purl.org/spar/cito/", CITO_TERMS)
BIRO = _closed("http://purl.org/spar/biro/", BIRO_TERMS)
C4O = _closed("http://purl.org/spar/c4o/", C4O_TERMS)
FRBR = _closed("http://purl.org/vocab/frbr/core#", FRBR_TERMS)
PRISM = _closed("http://prismstandard.org/namespaces/basic/2.0/", PRISM_TERMS)
PRO = _closed("http://purl.org/spar/pro/", PRO_TERMS)
DATACITE = _closed("http://purl.org/spar/datacite/", DATACITE_TERMS)
LITERAL = _closed("http://www.essepuntato.it/2010/06/literalreification/", LITERAL_TERMS)
OCO = _closed("https://w3id.org/oc/ontology/", OCO_TERMS)
SD = _closed("http://www.w3.org/ns/sparql-service-description#", SD_TERMS)
# schema.org is open (hundreds of terms); its canonical RDF namespace is http:, while rdflib
# pre-binds `schema:` to https: (modelling.md §1).
SCHEMA = Namespace("http://schema.org/")

PREFIXES: dict[str, Namespace | ClosedNamespace] = {
    "fabio": FABIO,
    "cito": CITO,
    "biro": BIRO,
    "c4o": C4O,
    "frbr": FRBR,
    "prism": PRISM,
    "pro": PRO,
    "datacite": DATACITE,
    "literal": LITERAL,
    "oco": OCO,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "prov": PROV,
    "skos": SKOS,
    "dcat": DCAT,
    "void": VOID,
    "sd": SD,
    "sh": SH,
    "schema": SCHEMA,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
}


def lodpub_ns(base_url: str) -> ClosedNamespace:
    """The publication's vocabulary, `<base_url>ontology#` (it moves with the base URL)."""
    return _closed(base_url + "ontology#", LODPUB_TERMS)


def prefixes(base_url: str | None = None) -> dict[str, str]:
    """Every prefix of PREFIXES and, when `base_url` is given, `lodpub:`: what documents
    declare (Turtle's @prefix, JSON-LD's context)."""
    declared = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    if base_url is not None:
        declared["lodpub"] = str(lodpub_ns(base_url))
    return declared


def bind_all(graph: Graph, base_url: str | None = None) -> Graph:
    """Bind every prefix of PREFIXES on `graph`, replacing rdflib's defaults (its `schema:` is
    https:), and `lodpub:` when `base_url` is given. Returns `graph`."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    if base_url is not None:
        graph.bind("lodpub", lodpub_ns(base_url), override=True, replace=True)
    return graph
