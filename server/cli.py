"""The `lodpub` command: a thin skin over the library (dataset, validate, app).

Exit codes: 0 success, 1 the data violates its shapes, 2 unreadable input, an address that
cannot be listened on (and click's usage errors).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rdflib import Graph

from lodpub import front
from lodpub import loader
from lodpub.app import create_app
from lodpub.app import warm_up
from lodpub.config import Config
from lodpub.dataset import load
from lodpub.dataset import load_ontology
from lodpub.dataset import load_shapes
from lodpub.errors import InvalidData
from lodpub.errors import UnreadableFile
from lodpub.errors import UnusableShapes
from lodpub.link import DEFAULT_LINKS_FILE
from lodpub.link import WIKIDATA_ENDPOINT
from lodpub.link import Service
from lodpub.link import ServiceError
from lodpub.link import apply_plan
from lodpub.link import is_loopback
from lodpub.link import plan_links
from lodpub.link import read_links
from lodpub.link import user_agent
from lodpub.link import write_links
from lodpub.publication import of
from lodpub.validate import REPORT_FORMATS
from lodpub.validate import SEVERITIES


class Unreadable(click.ClickException):
    """An input file is missing or does not parse: exit code 2."""

    exit_code = 2


class BadSetting(click.ClickException):
    """A setting's value cannot be used: exit code 2, one line naming the setting."""

    exit_code = 2


OUT_OF_MEMORY = (
    "ran out of memory reading the data; give lodpub more memory or split the data into "
    "smaller files"
)


def _config(**overrides: Any) -> Config:
    """Config from the environment with the options the user gave (None and () mean "not
    given", so LODPUB_* variables still apply)."""
    given = {key.upper(): value for key, value in overrides.items() if value not in (None, ())}
    try:
        return Config.load(given)
    except ValueError as error:
        raise BadSetting(str(error)) from None


@click.group()
@click.version_option(package_name="lodpub")
def cli() -> None:
    """Publish an article and its references as validated linked data."""


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "report_format",
    type=click.Choice(REPORT_FORMATS),
    default="text",
    show_default=True,
    help="text for people (grouped by focus node); turtle (sh:ValidationReport) or json "
    "for programs.",
)
@click.option("--base-url", help="Base URL for relative IRIs [env: LODPUB_BASE_URL].")
def validate(files: Sequence[Path], report_format: str, base_url: str | None) -> None:
    """Check RDF FILES (default: the publication's data, LODPUB_DATA_FILES) against the SHACL
    shapes (LODPUB_SHAPES_DIR) with the ontology (LODPUB_ONTOLOGY_DIR).

    Exits 0 when there is no violation (warnings and infos pass), 1 when there are
    violations, 2 when a file cannot be read or the shapes cannot be applied.
    """
    config = _config(data_files=tuple(files), base_url=base_url)
    base = config["BASE_URL"]
    try:
        report = loader.validate_files(
            [Path(path) for path in config["DATA_FILES"]],
            base,
            load_shapes(base, config["SHAPES_DIR"]),
            load_ontology(base, config["ONTOLOGY_DIR"]),
        )
    except (UnreadableFile, UnusableShapes) as error:
        raise Unreadable(error.message) from None
    except MemoryError:
        raise Unreadable(OUT_OF_MEMORY) from None
    click.echo(report.render(report_format), nl=False)
    if not report.conforms:
        raise SystemExit(1)


@cli.command("load")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--store",
    "store_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Where the store goes: a path that `lodpub load` made before (it switches to the new "
    "build when it is complete and valid) or a new one.",
)
@click.option("--base-url", help="Base URL for relative IRIs [env: LODPUB_BASE_URL].")
def load_store(files: Sequence[Path], store_dir: Path, base_url: str | None) -> None:
    """Validate RDF FILES (default: the publication's data, LODPUB_DATA_FILES) and build
    them into an on-disk store for `lodpub serve --store`.

    The store at --store switches to the new build only once it is complete and the data
    valid: exits 1 with the report when the data violates its shapes, 2 when a file cannot
    be read, and in both cases the store already there is left as it was.
    """
    config = _config(data_files=tuple(files), base_url=base_url)
    started = time.monotonic()
    base, files = config["BASE_URL"], [Path(path) for path in config["DATA_FILES"]]
    click.echo(f"Loading and validating {len(files)} file(s) …")
    try:
        shapes = load_shapes(base, config["SHAPES_DIR"])
        ontology = load_ontology(base, config["ONTOLOGY_DIR"])
        manifest, report = loader.load(
            files, base, shapes, ontology, store_dir, progress=_progress_bar
        )
    except (UnreadableFile, UnusableShapes) as error:
        raise Unreadable(error.message) from None
    except MemoryError:
        raise Unreadable(OUT_OF_MEMORY) from None
    if manifest is None:
        click.echo(report.render("text"), err=True, nl=False)
        raise click.ClickException(
            f"{report.violations} SHACL violation(s); {store_dir} is left as it was"
        )
    counts = ", ".join(
        f"{report.count(severity)} {SEVERITY_NAMES[severity]}" for severity in SEVERITIES
    )
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(manifest.kinds.items()))
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in manifest.steps.items())
    click.echo(
        f"Loaded {manifest.triples} triples into {store_dir} (version {manifest.version[:12]})\n"
        f"  entities: {kinds}\n"
        f"  validation: {counts}\n"
        f"  {time.monotonic() - started:.1f} s ({steps})"
    )


def _progress_bar(label: str, total: int) -> Any:
    return click.progressbar(length=total, label=label, show_percent=True, show_eta=True)


SEVERITY_NAMES = dict(zip(SEVERITIES, ("violations", "warnings", "infos"), strict=True))


@cli.command()
@click.option("--host", help="Interface to listen on [default: 127.0.0.1; env: LODPUB_HOST].")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port to listen on [default: 8080; env: LODPUB_PORT].",
)
@click.option(
    "--base-url",
    help="Base URL the data's relative IRIs resolve against "
    "[default: http://HOST:PORT/; env: LODPUB_BASE_URL].",
)
@click.option(
    "--data",
    "data_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="An RDF file to serve instead of data/article.ttl (Turtle, TriG with named graphs, "
    "...); repeat for several [env: LODPUB_DATA_FILES].",
)
@click.option(
    "--store",
    "store_dir",
    type=click.Path(path_type=Path),
    help="Serve a store built by `lodpub load` (read-only, already validated) instead of "
    "data files [env: LODPUB_STORE].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Server processes [default: 1; env: LODPUB_WORKERS].",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Python threads per server process [default: 12; env: LODPUB_THREADS].",
)
def serve(
    host: str | None,
    port: int | None,
    base_url: str | None,
    data_files: Sequence[Path],
    store_dir: Path | None,
    workers: int | None,
    threads: int | None,
) -> None:
    """Validate the data, then serve it over HTTP (granian, see lodpub.front) until SIGTERM
    or Ctrl-C, writing one access-log line per request (Combined Log Format) to stdout; with
    --store, serve a store built by `lodpub load` as it is.

    Refuses to start, printing the validation report and exiting 1, when the data violates
    its shapes; exits 2 when a file or the store cannot be read, the shapes cannot be applied or the
    address cannot be listened on.
    """
    if store_dir is not None and data_files:
        raise click.UsageError("give either --data or --store, not both")
    config = _config(
        host=host,
        port=port,
        base_url=base_url,
        data_files=tuple(data_files),
        workers=workers,
        store=store_dir,
        threads=threads,
    )
    # The error log (stderr), one line per event, naming who speaks (lodpub.guard,
    # lodpub.requests); the access log goes to stdout.
    logging.basicConfig(format="%(levelname)s:%(name)s:%(message)s", stream=sys.stderr)
    try:
        front.check_address(config["HOST"], config["PORT"])
        app = create_app(config)
    except front.ServeError as error:
        raise Unreadable(str(error)) from None
    except (UnreadableFile, UnusableShapes) as error:
        raise Unreadable(error.message) from None
    except InvalidData as error:
        click.echo(error.report, err=True, nl=False)
        raise click.ClickException(error.message) from None
    except MemoryError:
        raise Unreadable(OUT_OF_MEMORY) from None
    served = app.config["BASE_URL"]
    if base_url is not None and config["STORE"] is not None and served != config["BASE_URL"]:
        raise Unreadable(
            f"the store was loaded for {served}; serve it there or load it again with "
            f"--base-url {config['BASE_URL']}"
        )
    click.echo(
        f"Serving {of(app).figures.triples} triples at {served} "
        f"(listening on {config['HOST']}:{config['PORT']}, {config['WORKERS']} process(es) "
        f"of {config['THREADS']} threads)"
    )
    try:
        front.serve(app.wsgi_app, config, on_start=lambda: warm_up(app))
    except front.ServeError as error:
        raise Unreadable(str(error)) from None


@cli.command()
@click.option(
    "--endpoint",
    "endpoints",
    multiple=True,
    default=(WIKIDATA_ENDPOINT,),
    show_default=True,
    help="SPARQL service to look entities up in (Wikidata-shaped: wdt:P356, P236, P496, P212, "
    "P957, rdfs:label); repeat for several.",
)
@click.option(
    "--links",
    "links_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_LINKS_FILE,
    show_default=True,
    help="The links file to update.",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option(
    "--contact",
    help="URL or e-mail address for the User-Agent, as Wikidata's policy asks; required for "
    "services other than loopback.",
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Seconds each request may take.",
)
@click.option(
    "--min-interval",
    type=float,
    default=1.0,
    show_default=True,
    help="Least seconds between two requests to one service (rate limit).",
)
@click.option(
    "--retries",
    type=int,
    default=3,
    show_default=True,
    help="Retries after HTTP 429 or 503 (waiting as Retry-After says, else 1, 2, 4 ... s).",
)
@click.option("--base-url", help="Base URL for relative IRIs [env: LODPUB_BASE_URL].")
def link(
    endpoints: Sequence[str],
    links_file: Path,
    dry_run: bool,
    contact: str | None,
    timeout: int,
    min_interval: float,
    retries: int,
    base_url: str | None,
) -> None:
    """Link cited works, journals and persons to the same items in SPARQL services (Wikidata by
    default): accepted by exact identifier (DOI, ISSN, ORCID iD, ISBN) only, proposed by title.

    Prints what it adds, changes, flags as conflicting and proposes, then rewrites the links
    file (unless --dry-run or nothing changes). Links a person made are never changed. Exits 1,
    writing nothing, when a service cannot be reached or answers something unusable; 2 when a
    file cannot be read.
    """
    if contact is None and not all(is_loopback(e) for e in endpoints):
        raise click.UsageError(
            "Wikidata's User-Agent policy asks every client for a contact: give --contact "
            "with a URL or e-mail address where the operator of this run can be reached."
        )
    if not links_file.parent.is_dir():
        raise Unreadable(f"{links_file}: no folder {links_file.parent} to write it in")
    config = _config(base_url=base_url)
    base = config["BASE_URL"]
    try:
        data = load(config["DATA_FILES"], base)
        links = read_links(links_file, base)
    except UnreadableFile as error:
        raise Unreadable(error.message) from None
    graph = Graph(base=base)
    for s, p, o, _ in data.quads((None, None, None, None)):
        graph.add((s, p, o))
    agent = user_agent(contact)
    services = [
        Service(e, agent, timeout=timeout, min_interval=min_interval, retries=retries)
        for e in endpoints
    ]
    click.echo(f"Asking {', '.join(endpoints)} as {agent!r}")
    try:
        plan = plan_links(graph, links, services, base)
    except ServiceError as error:
        raise click.ClickException(f"{error}. Nothing was written to {links_file}.") from None
    for line in plan.lines(base):
        click.echo(line)
    if not plan.add and not plan.change:
        outcome = "nothing to add or change"
    elif dry_run:
        outcome = f"dry run: nothing written to {links_file}"
    else:
        write_links(apply_plan(links, plan, base, datetime.now(UTC)), links_file, base)
        outcome = f"wrote {links_file}"
    click.echo(
        f"Summary: {len(plan.add)} to add, {len(plan.change)} to change, "
        f"{len(plan.unchanged)} unchanged, {len(plan.conflicts)} conflicts, "
        f"{len(plan.proposals)} proposals, {len(plan.dropped)} dropped; {outcome}."
    )
