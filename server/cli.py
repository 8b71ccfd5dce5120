"""The `lodpub` command: a thin skin over the library (dataset, validate, app).

Exit codes: 0 success, 1 the data violates its shapes, 2 unreadable input, an address that
cannot be listened on (and click's usage errors).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from lodpub import front
from lodpub.app import create_app
from lodpub.config import Config
from lodpub.dataset import load_publication
from lodpub.errors import InvalidData
from lodpub.errors import UnreadableFile
from lodpub.errors import UnusableShapes
from lodpub.validate import REPORT_FORMATS
from lodpub.validate import validate_publication


class Unreadable(click.ClickException):
    """An input file is missing or does not parse: exit code 2."""

    exit_code = 2


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
    click.echo(report.render(report_format), nl=False)
    if not report.conforms:
        raise SystemExit(1)


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
    "--workers",
    type=click.IntRange(min=1),
    help="Server processes [default: 1; env: LODPUB_WORKERS].",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Python threads per server process [default: 4; env: LODPUB_THREADS].",
)
def serve(
    host: str | None,
    port: int | None,
    base_url: str | None,
    data_files: Sequence[Path],
    workers: int | None,
    threads: int | None,
) -> None:
    """Validate the data, then serve it over HTTP (granian, see lodpub.front) until SIGTERM
    or Ctrl-C, writing one access-log line per request (Combined Log Format) to stdout.

    Refuses to start, printing the validation report and exiting 1, when the data violates
    its shapes; exits 2 when a file cannot be read, the shapes cannot be applied or the
    address cannot be listened on.
    """
    config = _config(
        host=host,
        port=port,
        base_url=base_url,
        data_files=tuple(data_files),
        workers=workers,
        threads=threads,
    )
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
    store = app.extensions["lodpub"]
    click.echo(
        f"Serving {store.triple_count()} triples at {config['BASE_URL']} "
        f"(listening on {config['HOST']}:{config['PORT']}, {config['WORKERS']} process(es) "
        f"of {config['THREADS']} threads)"
    )
    try:
        front.serve(app.wsgi_app, config)
    except front.ServeError as error:
        raise Unreadable(str(error)) from None
