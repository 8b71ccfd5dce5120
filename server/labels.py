"""Labels and names in Chinese and English, read from the data and the ontology.

Pages never re-type what the graph says: a class or property is named by its `rdfs:label` in
ontology/lodpub.ttl, a node by its own name or title in the data, in the reader's language
where the data has one (BCP 47 basic matching, case-insensitive: Oxigraph answers `zh-hans`).
Every text carries its language tag, so templates can mark it up with a right `lang`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from rdflib import RDFS
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import SKOS
from rdflib.term import Node

from lodpub.pages.reader import NOTHING
from lodpub.pages.reader import TYPE_KEY
from lodpub.vocab import BIRO
from lodpub.vocab import CITO
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import LITERAL
from lodpub.vocab import PRISM
from lodpub.vocab import PRO

if TYPE_CHECKING:
    from lodpub.pages.reader import Reader

# The interface speaks these; the first is the default.
UI_LANGUAGES = ("en", "zh-Hans")
# The languages of Accept-Language a reader is answered in: those, and the tags of Chinese
# that ui_language maps to zh-Hans.
ACCEPTED_LANGUAGES = ("en", "zh-Hans", "zh-CN", "zh")

# Name-like properties, strongest first; within one, the reader's language wins.
NAME_GROUPS: tuple[tuple[URIRef, ...], ...] = (
    (FOAF.name,),
    (DCTERMS.title, FABIO.hasTranslatedTitle),
    (RDFS.label,),
    (SKOS.prefLabel,),
)
# NAME_GROUPS by the predicates' text, as Reader.outgoing keys them.
_NAME_GROUP_KEYS = tuple(tuple(str(p) for p in group) for group in NAME_GROUPS)
_NAME_KEYS = frozenset(key for group in _NAME_GROUP_KEYS for key in group)
# rdflib finds the terms of its own namespaces (RDF, RDFS) through a __getattr__ that checks
# each name, two microseconds a time: a page names a hundred nodes.
_LABEL = RDFS.label
# What labels are derived from, by the predicates' text: the keys of Reader.outgoing, which
# answers all of a node's lookups from one dictionary (a page derives some seventy labels).
_FAMILY_NAME, _GIVEN_NAME = str(FOAF.familyName), str(FOAF.givenName)
_LITERAL_VALUE, _SCHEME = str(LITERAL.hasLiteralValue), str(DATACITE.usesIdentifierScheme)
_NUMBER, _CITED = str(FABIO.hasSequenceIdentifier), str(CITO.hasCitedEntity)
_ROLE, _HOLDER = str(PRO.withRole), str(PRO.isHeldBy)
_START, _END, _DATE = str(PRISM.startingPage), str(PRISM.endingPage), str(PRISM.publicationDate)
# Types too general to name a node when a more specific one is present.
# By their IRIs' text, as the reader's index is: rdflib compares terms in Python.
GENERIC_TYPES = frozenset(str(t) for t in (FABIO.Expression, FABIO.Manifestation, FOAF.Agent))

# ISO 639-2 codes (the LoC language IRIs of the data, docs/model.md) → BCP 47 and names.
LANGUAGES = {
    "chi": ("zh", {"en": "Chinese", "zh-Hans": "中文"}),
    "zho": ("zh", {"en": "Chinese", "zh-Hans": "中文"}),
    "eng": ("en", {"en": "English", "zh-Hans": "英文"}),
}

# Words of the page furniture (not data), in both interface languages.
UI_TEXT = {
    "this_page": ("This page describes", "本页描述"),
    "other_formats": ("Other formats", "其他格式"),
    "authors": ("Authors", "作者"),
    "references": ("References", "参考文献"),
    "reference": ("Reference", "参考文献"),
    "references_chart": ("The references by year, language and type", "参考文献的年份、语种与类型"),
    "chart_table": ("The picture as a table", "图中数据表"),
    "total": ("Total", "合计"),
    "cited_by": ("Cited by", "被引用"),
    "referenced_by": ("Reference as printed", "参考文献著录"),
    "details": ("All statements", "全部陈述"),
    "incoming": ("Linked from", "被以下资源链接"),
    "crowded": (
        "this page shows {0} of the {1} links to it",
        "本页仅列出至此的 {1} 条链接中的 {0} 条",
    ),
    "crowded_query": ("list them all (SPARQL)", "全部列出（SPARQL）"),
    "published_in": ("Published in", "发表于"),
    "contents": ("Works in this publication", "本刊所载作品"),
    "identifiers": ("Identifiers", "标识符"),
    "roles": ("Roles", "角色"),
    "pages": ("Pages", "页码"),
    "year": ("Year", "年份"),
    "years": ("{} years", "{} 年"),
    "unknown_year": ("year unknown", "年份不详"),
    "corresponding": ("corresponding author", "通讯作者"),
    "sources": ("Sources", "来源"),
    "notes": ("Notes", "附注"),
    "history": ("History", "历史"),
    "history_intro": (
        "Each state of this resource, as its provenance graph records it:",
        "本资源的每个状态，据其来源图记录：",
    ),
    "snapshot": ("Snapshot", "快照"),
    "generated_at": ("Generated at", "生成时间"),
    "invalidated_at": ("Invalidated at", "失效时间"),
    "attributed_to": ("Attributed to", "责任者"),
    "primary_source": ("Primary source", "原始来源"),
    "what_happened": ("Description", "说明"),
    "language_switch": ("中文", "English"),
    "void": ("Dataset description (VoID)", "数据集描述（VoID）"),
    "home": ("Home", "首页"),
    "site": ("Site", "网站"),
    "skip": ("Skip to content", "跳到正文"),
    "sparql": ("SPARQL endpoint", "SPARQL 查询端点"),
    "sitemap": ("Sitemap", "网站地图"),
    "dumps": ("The whole dataset", "完整数据集"),
    "dumps_intro": (
        "One file per format, the same triples in each:",
        "每种格式一个文件，三元组相同：",
    ),
    "explore": ("Start exploring", "从这里开始"),
    "for_machines": ("For programs", "供程序使用"),
    "the_article": ("The article", "论文"),
    "article_page": ("Read the article's page", "查看论文页面"),
    "triples": ("{} triples", "{} 个三元组"),
    "quality": ("Reference quality report", "参考文献质量报告"),
    "quality_intro": (
        "How far each cited work is identified, how we know, and where the print and a "
        "source differ",
        "每条参考文献所引作品的标识程度、依据，以及著录与来源的差异",
    ),
    "quality_counts": ("At a glance", "概览"),
    "quality_rows": ("Reference by reference", "逐条参考文献"),
    "by_doi": ("Identified by DOI", "有 DOI"),
    "by_issn": ("Identified by the ISSN of its journal", "有所载期刊的 ISSN"),
    "by_isbn": ("Identified by ISBN", "有 ISBN"),
    "by_url": ("Identified by URL", "有 URL"),
    "linked": ("Linked to another dataset", "已关联其他数据集"),
    "unresolved": ("Unresolved (no identifier)", "未解析（无标识符）"),
    "unresolved_one": ("unresolved: no identifier", "未解析：无标识符"),
    "discrepancies": ("Discrepancies and derivations noted", "记录的差异与推导"),
    "cited_work": ("Cited work", "被引作品"),
    "links_heading": ("Links (owl:sameAs)", "关联（owl:sameAs）"),
    "same_as": ("Same as", "等同于"),
    "of_container": ("of", "属于"),
    "printed": ("printed in the reference", "见于参考文献著录"),
    "found_at": ("found at", "来源"),
    "read_on_copy": ("read on a copy at", "读自转载页面"),
    "linked_by_command": (
        "linked by lodpub link on a matching identifier",
        "由 lodpub link 按相同标识符关联",
    ),
    "linked_by_person": ("linked by a person", "由人工关联"),
    "matching_key": ("matching", "匹配标识符"),
    "asked": ("service", "查询服务"),
    "quality_link": ("How well the references are identified", "参考文献的标识情况"),
    "footer": (
        "Published with lodpub: linked data checked with SHACL before it is served.",
        "由 lodpub 发布：关联数据在发布前经过 SHACL 校验。",
    ),
}


# Not frozen: a page makes some two hundred Texts, and a frozen dataclass sets each field
# through object.__setattr__ (its __init__ takes three times as long). Nothing changes one
# once made.
@dataclass(slots=True)
class Text:
    """A string and its BCP 47 language tag (canonical casing), None when untagged."""

    value: str
    lang: str | None = None

    def __str__(self) -> str:
        return self.value


# A description has a handful of tags, and a page cases each some hundred times.
@functools.lru_cache(maxsize=256)
def canonical_tag(tag: str | None) -> str | None:
    """BCP 47 casing (RFC 5646 §2.1.1): `zh-hans` → `zh-Hans`, `en-gb` → `en-GB`."""
    if not tag:
        return None
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def recased(graph: Graph) -> Graph:
    """`graph` with its language tags in BCP 47 casing, as the data file writes them (the
    store answers `zh-hans`); prefixes are kept."""
    out = Graph(bind_namespaces="none")
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace)
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=canonical_tag(o.language))
        out.add((s, p, o))
    return out


def lang_matches(tag: str | None, wanted: str) -> bool:
    """SPARQL langMatches / RFC 4647 basic filtering, case-insensitively."""
    if not tag:
        return False
    tag, wanted = tag.lower(), wanted.lower()
    return tag == wanted or tag.startswith(wanted + "-")


def natural_key(text: str) -> list[tuple[int, int | str]]:
    """Sort key reading runs of decimal digits as numbers: `br/2` before `br/10`, `[2]` before
    `[10]`, a number before a word. A run is digits when its first character is decimal, as
    `\\d` means, so a character that only looks like a digit (`²`, which str.isdigit accepts
    and int refuses) stays text."""
    return [(0, int(run)) if run[0].isdecimal() else (1, run) for run in _RUNS.findall(text)]


# Runs of digits and of other characters: the regex engine takes each run in one loop, where
# a split on digits tries a match at every character (a page sorts a hundred titles).
_RUNS = re.compile(r"\d+|\D+")


def text(literal: Literal) -> Text:
    return Text(str(literal), canonical_tag(literal.language))


def pick(literals: Iterable[Node], lang: str) -> Text | None:
    """The literal for a reader of `lang`: same language first (`zh` matches `zh-Hans`), then
    untagged, then the rest in a stable order; None when there is none."""
    # The first of the best, in the order given (a page picks names for a hundred nodes).
    best, best_key = None, None
    for lit in literals:
        if type(lit) is Literal:  # is_literal, inline
            key = (_tag_order(lit.language, lang), str(lit))
            if best_key is None or key < best_key:
                best, best_key = lit, key
    return text(best) if best is not None else None


# A description has a handful of tags, and a page picks among them a hundred times.
@functools.lru_cache(maxsize=256)
def _tag_order(tag: str | None, lang: str) -> tuple[int, str]:
    """Where a literal tagged `tag` comes in `pick` for a reader of `lang`."""
    if lang_matches(tag, lang):
        score = 0
    elif lang_matches(tag, lang.split("-")[0]):
        score = 1
    elif not tag:
        score = 2
    else:
        score = 3
    return score, (tag or "").lower()


def ui(key: str, lang: str, *values: object) -> str:
    """A word of the page furniture in the interface language, with `values` filled in."""
    return ui_words(lang)[key].format(*values)


@functools.cache
def ui_words(lang: str) -> Mapping[str, str]:
    """Every word of the page furniture in the interface language `lang`, by its key; the
    few with values keep their `{}` to be filled in. Templates read them as `ui['key']`: a
    lookup, where calling a function from a template costs some 5 µs of Jinja's dispatch
    (measured), forty times a page. Read-only: every page of the language shares it."""
    chinese = lang_matches(lang, "zh")
    return MappingProxyType({key: zh if chinese else en for key, (en, zh) in UI_TEXT.items()})


def ui_language(asked: str | None) -> str:
    """The interface language for a requested tag (`zh`, `zh-CN`, `zh-Hans` → `zh-Hans`)."""
    return "zh-Hans" if asked and lang_matches(asked, "zh") else "en"


def language_code(iri: Node) -> str | None:
    """BCP 47 code of a LoC ISO 639-2 language IRI (`…/iso639-2/chi` → `zh`)."""
    entry = LANGUAGES.get(str(iri).rsplit("/", 1)[-1])
    return entry[0] if entry else None


def language_names(lang: str) -> dict[str, str]:
    """BCP 47 primary code → the language's name in the interface language `lang`."""
    key = "zh-Hans" if lang_matches(lang, "zh") else "en"
    return {code: names[key] for code, names in LANGUAGES.values()}


class Terms:
    """The ontology's labels of classes, properties and individuals, read once per ontology
    (it never changes while the app runs) and picked once per interface language."""

    def __init__(self, ontology: Graph) -> None:
        self.ontology = ontology
        # Keyed by the terms' text, as the reader's index is: rdflib compares terms in Python.
        self._labels: dict[str, list[Literal]] = {}
        for term, label in ontology.subject_objects(RDFS.label):
            if isinstance(label, Literal):
                self._labels.setdefault(str(term), []).append(label)
        # Picked for each interface language now (a hundred terms, a few milliseconds once),
        # so that no reader's first page waits for it; other languages as they are asked for.
        self._picked = {lang: self._pick(lang) for lang in UI_LANGUAGES}

    def labels(self, lang: str) -> Mapping[str, Text]:
        """Every term the ontology labels (by the term's text, as the reader's index is) with
        its label for a reader of `lang`: one lookup answers both whether the ontology knows
        a term and what it calls it (a page asks a hundred times). Not to be changed: every
        page of the language shares it (a plain dict: a read-only proxy's `get` takes twice
        as long)."""
        found = self._picked.get(lang)
        if found is None:
            found = self._picked[lang] = self._pick(lang)
        return found

    def _pick(self, lang: str) -> dict[str, Text]:
        # Each term has at least one label, so `pick` finds one for every term.
        return {t: found for t, labels in self._labels.items() if (found := pick(labels, lang))}


class Labeller:
    """Names for the nodes of one description (read through a lodpub.pages.reader.Reader)
    and the terms of the ontology, in `lang`."""

    def __init__(self, reader: Reader, terms: Terms, lang: str = "en") -> None:
        self.read = reader
        self.lang = lang
        # Keyed by the nodes' text, as the reader's index is: rdflib compares terms in Python.
        self._names: dict[str, list[Text]] = {}
        self._labels: dict[str, Text] = {}
        # Looked up once per page, not once per label: the ontology's labels in `lang` and
        # the word of a reference's label.
        self.term_labels = terms.labels(lang)
        self._reference = ui("reference", lang)

    def term(self, iri: Node) -> Text:
        """A class, property or individual by its ontology label; else its local name."""
        found = self.term_labels.get(str(iri))
        if found is None:
            found = pick(self.read.objects(iri, _LABEL), self.lang)
        return found or Text(_local_name(iri), "en")

    def types(self, node: Node) -> list[URIRef]:
        """The node's specific types (a JournalArticle is not also listed as Expression)."""
        return list(_specific_types(tuple(self.read.outgoing(node).get(TYPE_KEY, ()))))

    def names(self, node: Node) -> list[Text]:
        """Every name of the node in its strongest name property, the reader's language first
        (worked out once per node: a page names most nodes more than once)."""
        found = self._names.get(str(node))
        if found is None:
            found = self._names[str(node)] = self._names_of(node)
        return list(found)

    def _names_of(self, node: Node) -> list[Text]:
        literals = _names_held(self.read.outgoing(node))
        first = pick(literals, self.lang)
        if first is None:
            return []
        # Told apart as plain tuples: rdflib hashes its literals, and dataclasses their
        # fields, in Python.
        texts = {(str(lit), canonical_tag(lit.language)) for lit in literals}
        texts.discard((first.value, first.lang))
        rest = sorted(texts, key=lambda pair: ((pair[1] or "").lower(), pair[0]))
        return [first, *(Text(value, tag) for value, tag in rest)]

    def label(self, node: Node) -> Text:
        """One short name for a link to `node` (worked out once per node: the page, its
        picture and its reference list link to most nodes more than once)."""
        if type(node) is Literal:  # is_literal, inline: a page labels two hundred nodes
            return text(node)
        key = str(node)
        found = self._labels.get(key)
        if found is None:
            # Everything the description says of the node, for the name or the label derived
            # from it.
            held = self.read.outgoing(node)
            # Most nodes a page links to have no name (references, citations, roles, links
            # out): their label is derived without looking for one.
            name = None if held.keys().isdisjoint(_NAME_KEYS) else self._first_name(key, held)
            found = name or self._derived_label(node, held) or Text(_short(node))
            self._labels[key] = found
        return found

    def _first_name(self, key: str, held: Mapping[str, list[Node]]) -> Text | None:
        """names(node)[0] (for the node whose text is `key` and whose objects are `held`), or
        None when the node has no name (without sorting the other names when they are not
        known yet: most links need only this one)."""
        names = self._names.get(key)
        if names is not None:
            return names[0] if names else None
        literals = _names_held(held)
        return pick(literals, self.lang) if literals else None

    def _derived_label(self, node: Node, held: Mapping[str, list[Node]]) -> Text | None:
        """Names built from what the node holds (`held`), for nodes the data does not name."""
        if not held:
            # Described nowhere here (a link out): nothing to build a name from.
            return None
        families = held.get(_FAMILY_NAME)
        family = pick(families, self.lang) if families else None
        if family is not None:
            given = pick(held.get(_GIVEN_NAME, ()), self.lang)
            return Text(f"{family.value} {given.value}" if given else family.value, family.lang)
        value = held.get(_LITERAL_VALUE, NOTHING)[0]
        if value is not None:
            scheme = held.get(_SCHEME, NOTHING)[0]
            prefix = self.term(scheme).value if scheme is not None else ""
            return Text(f"{prefix} {value}".strip())
        number = held.get(_NUMBER, NOTHING)[0]
        if number is not None and self.read.is_a(node, BIRO.BibliographicReference):
            return Text(f"{self._reference} [{number}]", self.lang)
        # The node's kind, looked up only for the labels below that name it.
        types = _specific_types(tuple(held.get(TYPE_KEY, ())))
        kind = self.term(types[0]) if types else None
        if self.read.is_a(node, CITO.Citation):
            cited = held.get(_CITED, NOTHING)[0]
            if cited is not None and kind is not None:
                target = self.label(cited)
                return Text(f"{kind.value} → {target.value}", target.lang)
        if self.read.is_a(node, PRO.RoleInTime):
            role, holder = held.get(_ROLE, NOTHING)[0], held.get(_HOLDER, NOTHING)[0]
            if role is not None and holder is not None:
                who = self.label(holder)
                return Text(f"{self.term(role).value}: {who.value}", who.lang)
        start = held.get(_START, NOTHING)[0]
        if kind is not None and start is not None:
            end = held.get(_END, NOTHING)[0]
            pages = f"{start}–{end}" if end is not None else str(start)
            return Text(f"{kind.value} {pages}", kind.lang)
        date = held.get(_DATE, NOTHING)[0]
        if kind is not None and (number is not None or date is not None):
            return Text(f"{kind.value} {number if number is not None else date}", kind.lang)
        if kind is not None:
            return Text(f"{kind.value} {_short(node)}", kind.lang)
        return None

    def language_name(self, iri: Node) -> Text:
        """The name of a language IRI in the reader's language (`…/chi` → Chinese / 中文)."""
        entry = LANGUAGES.get(str(iri).rsplit("/", 1)[-1])
        if entry is None:
            return Text(_short(iri))
        key = "zh-Hans" if lang_matches(self.lang, "zh") else "en"
        return Text(entry[1][key], key)


# A page asks for the types of some seventy nodes, which have a few combinations of classes
# between them: each combination is worked out once. (A lookup makes one object per IRI, so
# a combination is mostly found again by the terms' identity, without comparing them in
# Python; terms from the build's tables and from a query are objects of their own.)
@functools.lru_cache(maxsize=256)
def _specific_types(types: tuple[Node, ...]) -> tuple[URIRef, ...]:
    """Of a node's `types`, sorted, those not in GENERIC_TYPES (all when every one is)."""
    all_types = sorted([t for t in types if isinstance(t, URIRef)], key=str)
    return tuple(t for t in all_types if str(t) not in GENERIC_TYPES) or tuple(all_types)


def _names_held(held: Mapping[str, list[Node]]) -> list[Node]:
    """The names among a node's objects (Reader.outgoing): those of the first of NAME_GROUPS
    it has any of."""
    # Each group's keys looked up in C first: most nodes have none of a group's (and the
    # index holds no empty lists). A loop, not a comprehension, which costs a call.
    keys = held.keys()
    for group in _NAME_GROUP_KEYS:
        if not keys.isdisjoint(group):
            found: list[Node] = []
            for key in group:
                found += held.get(key, ())
            return found
    return []


def _local_name(iri: Node) -> str:
    """`http://purl.org/spar/fabio/JournalArticle` → `JournalArticle`."""
    return re.split(r"[#/]", str(iri).rstrip("/#"))[-1]


def _short(node: Node) -> str:
    """A nameless node's IRI, shortened to its last two path segments (`br/1`) when they
    read as an id (the publication's `br/1`), or to its last segment when that is a word (a
    term of a controlled vocabulary: `…/cld/freq/monthly` → `monthly`); other IRIs stay whole
    (links out show where they go)."""
    parts = str(node).rstrip("/").split("/")
    if len(parts) > 3 and _ID.fullmatch("/".join(parts[-2:])):
        return "/".join(parts[-2:])
    if len(parts) > 3 and _WORD.fullmatch(parts[-1]):
        return parts[-1]
    return str(node)


# Compiled once: re's own cache takes a lookup per call, and a page shortens a few dozen IRIs.
_ID, _WORD = re.compile(r"[a-z]+/[0-9-]+"), re.compile(r"[A-Za-z]+")
