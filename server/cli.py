"""The `lodpub` command: a thin skin over the library (dataset, validate, app).

Exit codes: 0 success, 1 the data violates its shapes, 2 unreadable input (and click's usage
errors).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import waitress

from lodpub import loader
from lodpub.app import create_app
from lodpub.config import Config
from lodpub.dataset import load_publication
from lodpub.errors import InvalidData
from lodpub.errors import UnreadableFile
from lodpub.errors import UnusableShapes
from lodpub.validate import REPORT_FORMATS
from lodpub.validate import SEVERITIES
from lodpub.validate import validate_publication


class Unreadable(click.ClickException):
    """An input file is missing or does not parse: exit code 2."""

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
        raise click.BadParameter(str(error)) from None


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
    try:
        report = validate_publication(load_publication(config))
    except (UnreadableFile, UnusableShapes) as error:
        raise Unreadable(error.message) from None
    except MemoryError:
        raise Unreadable(OUT_OF_MEMORY) from None
    click.echo(report.render(report_format), nl=False)
    if not report.conforms:
        raise SystemExit(1)


@cli.command()
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
def load(files: Sequence[Path], store_dir: Path, base_url: str | None) -> None:
    """Validate RDF FILES (default: the publication's data, LODPUB_DATA_FILES) and build
    them into an on-disk store for `lodpub serve --store`.

    The store at --store switches to the new build only once it is complete and the data
    valid: exits 1 with the report when the data violates its shapes, 2 when a file cannot
    be read, and in both cases the store already there is left as it was.
    """
    config = _config(data_files=tuple(files), base_url=base_url)
    started = time.monotonic()
    click.echo(f"Reading and validating {len(config['DATA_FILES'])} file(s) …")
    try:
        publication = load_publication(config)
        manifest, report = loader.load(publication, store_dir, progress=_progress_bar)
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
    click.echo(
        f"Loaded {manifest.triples} triples into {store_dir} (version {manifest.version[:12]})\n"
        f"  entities: {kinds}\n"
        f"  validation: {counts}\n"
        f"  {time.monotonic() - started:.1f} s"
    )


def _progress_bar(label: str, total: int) -> Any:
    return click.progressbar(length=total, label=label, show_percent=True, show_eta=True)


SEVERITY_NAMES = dict(zip(SEVERITIES, ("violations", "warnings", "infos"), strict=True))


@cli.command()
@click.option("--host", help="Interface to listen on [default: 127.0.0.1; env: LODPUB_HOST].")
@click.option("--port", type=int, help="Port to listen on [default: 8080; env: LODPUB_PORT].")
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
@click.option("--threads", type=int, help="Worker threads [default: 4; env: LODPUB_THREADS].")
def serve(
    host: str | None,
    port: int | None,
    base_url: str | None,
    data_files: Sequence[Path],
    store_dir: Path | None,
    threads: int | None,
) -> None:
    """Validate the data, then serve it over HTTP (waitress); with --store, serve a store
    built by `lodpub load` as it is.

    Refuses to start, printing the validation report and exiting 1, when the data violates
    its shapes; exits 2 when a file or the store cannot be read or the shapes cannot be
    applied.
    """
    if store_dir is not None and data_files:
        raise click.UsageError("give either --data or --store, not both")
    config = _config(
        host=host, port=port, base_url=base_url, data_files=tuple(data_files),
        store=store_dir, threads=threads,
    )  # fmt: skip
    try:
        app = create_app(config)
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
        f"Serving {app.extensions['lodpub.served'].figures.triples} triples at {served} "
        f"(listening on {config['HOST']}:{config['PORT']})"
    )
    # waitress logs "Task queue depth is N" for every request that finds all its threads
    # busy: under load, one line per request, and ~3-5 % of the server's Python time
    # (measured with py-spy). Requests waiting is expected here (queries wait for one of
    # QUERY_WORKERS processes, and get 503 after QUERY_TIMEOUT), so only errors are logged.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    waitress.serve(app, host=config["HOST"], port=config["PORT"], threads=config["THREADS"])
