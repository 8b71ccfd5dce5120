"""Reading the publication's files: data, ontology and shapes.

Files are parsed by extension (formats.RDF_FORMATS) with relative IRIs resolved against the
base URL, so one data file serves on any host. A file that is missing or does not parse
raises errors.UnreadableFile naming the file and, where the parser knows it, the line.

Data files are checked before any parser reads them (`check_data_file`): reading data reaches
no network and no file but the ones named, and cannot be made to expand without bound. A
JSON-LD file that names a remote context (`"@context": "https://…"`, `file:///…`) and an
RDF/XML file with a DOCTYPE (entity declarations: "billion laughs", external entities) are
refused. (Data that holds no triples at all is refused where it is read into a store,
lodpub.loader.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax import SAXParseException

from rdflib import Dataset
from rdflib import Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from lodpub.config import DEFAULT_BASE_URL
from lodpub.config import Config
from lodpub.errors import UnreadableFile
from lodpub.formats import RDF_FORMATS
from lodpub.formats import by_extension
from lodpub.vocab import bind_all


def load(files: Iterable[Path | str], base_url: str) -> Dataset:
    """Parse `files` into one Dataset: triples of Turtle, N-Triples, RDF/XML and JSON-LD files
    and the default graphs of TriG and N-Quads files go to the default graph; named graphs stay
    named. Raises UnreadableFile."""
    dataset = Dataset()
    for path in map(Path, files):
        check_data_file(path)
        _parse(dataset, path, base_url)
    return bind_all(dataset, base_url)


def check_data_file(path: Path) -> None:
    """Refuse, before any parser reads it, a data file whose parsing would reach outside it
    or expand without bound (see the module docstring). Raises UnreadableFile."""
    fmt = by_extension(path.suffix, RDF_FORMATS)
    if fmt is None or not path.is_file():
        return  # _parse says what is wrong with it
    if fmt.name == "jsonld":
        try:
            document = json.loads(path.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return  # the parser reports where
        if (remote := next(_remote_contexts(document), None)) is not None:
            raise UnreadableFile(
                path,
                f"JSON-LD remote context {remote!r} is not loaded: lodpub reads no network "
                "and no file but the data files; put the context inline in the file",
            )
    elif fmt.name == "rdfxml":
        text = path.read_bytes()
        if (found := re.search(rb"<!DOCTYPE", text)) is not None:
            line = text.count(b"\n", 0, found.start()) + 1
            raise UnreadableFile(
                path,
                "RDF/XML with a DOCTYPE is refused: its entity declarations could expand "
                "without bound or read other files; write the values out instead",
                line,
            )


def _remote_contexts(node: Any) -> Iterator[str]:
    """Every context a JSON-LD document names by IRI rather than giving inline (`@context`
    strings and `@import`s, at any depth)."""
    if isinstance(node, list):
        for item in node:
            yield from _remote_contexts(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("@context", "@import"):
                for context in value if isinstance(value, list) else [value]:
                    if isinstance(context, str):
                        yield context
            yield from _remote_contexts(value)


def load_ontology(base_url: str = DEFAULT_BASE_URL, directory: Path | None = None) -> Graph:
    """Every RDF file of the ontology folder (default: Config's ONTOLOGY_DIR) in one graph."""
    folder = Config.load()["ONTOLOGY_DIR"] if directory is None else directory
    return _load_folder(Path(folder), base_url)


def load_shapes(base_url: str = DEFAULT_BASE_URL, directory: Path | None = None) -> Graph:
    """Every RDF file of the shapes folder (default: Config's SHAPES_DIR) in one graph. Shapes
    may name the publication's own terms relatively (`<ontology#cn>`), hence the base URL."""
    folder = Config.load()["SHAPES_DIR"] if directory is None else directory
    return _load_folder(Path(folder), base_url)


def rdf_files(folder: Path) -> list[Path]:
    """The files of `folder` with an RDF extension, sorted. Raises UnreadableFile when the
    folder does not exist: a mistyped folder must not pass as "no shapes"."""
    if not folder.is_dir():
        raise UnreadableFile(folder, "no such folder")
    return sorted(
        p for p in folder.iterdir() if p.is_file() and by_extension(p.suffix, RDF_FORMATS)
    )


def _load_folder(folder: Path, base_url: str) -> Graph:
    dataset = Dataset()
    for path in rdf_files(folder):
        _parse(dataset, path, base_url)
    graph = bind_all(Graph(bind_namespaces="none"), base_url)
    for prefix, namespace in dataset.namespaces():
        graph.bind(prefix, namespace, override=False)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def _parse(dataset: Dataset, path: Path, base_url: str) -> None:
    fmt = by_extension(path.suffix, RDF_FORMATS)
    if fmt is None:
        known = " ".join("." + f.extension for f in RDF_FORMATS)
        raise UnreadableFile(path, f"unknown RDF file extension; use one of {known}")
    if not path.is_file():
        raise UnreadableFile(path, "no such file")
    try:
        dataset.parse(path, format=fmt.media_type, publicID=base_url)
    except MemoryError:
        raise  # not the file's fault: the command says so in one line
    # Each parser raises its own exception types (BadSyntax, SAXParseException, JSONDecodeError,
    # ParserError, UnicodeDecodeError, ...); whichever it is, the file is unreadable.
    except Exception as error:  # noqa: BLE001
        line, reason = _position(error)
        raise UnreadableFile(path, f"{fmt.label} syntax error: {reason}", line) from error


def _position(error: Exception) -> tuple[int | None, str]:
    """(line, reason) of a parser's exception; line is 1-based, None when unknown."""
    if isinstance(error, BadSyntax):
        # BadSyntax counts the newlines before the error; its reason has no public accessor.
        return error.lines + 1, getattr(error, "_why", str(error))
    if isinstance(error, SAXParseException):
        return error.getLineNumber(), error.getMessage()
    if isinstance(error, json.JSONDecodeError):
        return error.lineno, error.msg
    text = str(error).strip()
    return None, text.splitlines()[0] if text else type(error).__name__
