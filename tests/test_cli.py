"""The `lodpub` command through its front door: exit codes, reports, refusals, help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import free_port
from rdflib import Graph
from rdflib.namespace import SH

from lodpub.cli import cli

SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix ex: <http://example.org/shapes#> .

ex:WorkShape a sh:NodeShape ;
    sh:targetClass fabio:JournalArticle ;
    sh:property [ sh:path dcterms:title ; sh:minCount 1 ;
                  sh:message "A journal article needs a title." ] ;
    sh:property [ sh:path dcterms:language ; sh:minCount 1 ; sh:severity sh:Warning ;
                  sh:message "The language is expected." ] .
"""

VALID = """\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix fabio: <http://purl.org/spar/fabio/> .

<br/1> a fabio:JournalArticle ; dcterms:title "文章"@zh-Hans .
"""

# <br/2> has no title: one violation (and two warnings, no language on either work).
INVALID = VALID + "<br/2> a fabio:JournalArticle .\n"

# Line 4 lacks the final dot before the next statement: the parser stops on line 5.
SYNTAX_ERROR = """\
@prefix dcterms: <http://purl.org/dc/terms/> .

<br/1> dcterms:title "a" ;
    dcterms:language "zh"
<br/2> dcterms:title "b" .
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "shapes").mkdir()
    (tmp_path / "shapes" / "shapes.ttl").write_text(SHAPES, encoding="utf-8")
    (tmp_path / "ontology").mkdir()
    paths = {"shapes": tmp_path / "shapes", "ontology": tmp_path / "ontology"}
    for name, text in (("valid", VALID), ("invalid", INVALID), ("syntax", SYNTAX_ERROR)):
        paths[name] = tmp_path / f"{name}.ttl"
        paths[name].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture
def env(files: dict[str, Path]) -> dict[str, str]:
    """Settings pointing at the tiny shapes, as a deployment would set them."""
    return {
        "LODPUB_SHAPES_DIR": str(files["shapes"]),
        "LODPUB_ONTOLOGY_DIR": str(files["ontology"]),
        "LODPUB_BASE_URL": "",
    }


def test_validate_valid_file_exits_0_with_warnings(runner: CliRunner, files, env) -> None:
    result = runner.invoke(cli, ["validate", str(files["valid"])], env=env)
    assert result.exit_code == 0, result.output
    assert "Summary: 0 violations, 1 warning, 0 infos" in result.output
    assert "<br/1>" in result.output
    assert "The language is expected." in result.output


def test_validate_violation_exits_1_grouped_by_focus_node(runner: CliRunner, files, env) -> None:
    result = runner.invoke(cli, ["validate", str(files["invalid"])], env=env)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    # The group of <br/2> holds the violation: focus node, path, message, shape, component.
    group = lines[lines.index("<br/2>") + 1 :]
    assert group[0] == "  Violation at dcterms:title: A journal article needs a title."
    assert group[1] == "    shape ex:WorkShape › dcterms:title (MinCount)"
    assert lines[-1].startswith("Summary: 1 violation, 2 warnings, 0 infos (")


def test_validate_format_json(runner: CliRunner, files, env) -> None:
    args = ["validate", "--format", "json", str(files["invalid"])]
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert report["counts"] == {"Violation": 1, "Warning": 2, "Info": 0}
    violation = next(r for r in report["results"] if r["severity"] == "Violation")
    assert violation["focusNode"].endswith("/br/2")
    assert violation["path"] == "dcterms:title"


def test_validate_format_turtle_is_a_shacl_report(runner: CliRunner, files, env) -> None:
    args = ["validate", "--format", "turtle", str(files["invalid"])]
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 1
    report = Graph().parse(data=result.stdout, format="turtle")
    severities = sorted(str(s) for s in report.objects(None, SH.resultSeverity))
    assert severities == [str(SH.Violation), str(SH.Warning), str(SH.Warning)]


def test_validate_syntax_error_exits_2_with_file_and_line(runner: CliRunner, files, env) -> None:
    result = runner.invoke(cli, ["validate", str(files["syntax"])], env=env)
    assert result.exit_code == 2
    assert f"{files['syntax']}:5: Turtle syntax error" in result.stderr
    assert "Traceback" not in result.output


def test_validate_missing_file_exits_2(runner: CliRunner, files, env, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.ttl"
    result = runner.invoke(cli, ["validate", str(missing)], env=env)
    assert result.exit_code == 2
    assert f"{missing}: no such file" in result.stderr


def test_validate_missing_shapes_folder_exits_2(runner: CliRunner, files, env, tmp_path) -> None:
    env = env | {"LODPUB_SHAPES_DIR": str(tmp_path / "no-shapes")}
    result = runner.invoke(cli, ["validate", str(files["valid"])], env=env)
    assert result.exit_code == 2
    assert "no-shapes: no such folder" in result.stderr


def test_serve_refuses_invalid_data(runner: CliRunner, files, env) -> None:
    # Validation fails before waitress starts, so the command returns instead of serving.
    result = runner.invoke(cli, ["serve", "--port", "1", "--data", str(files["invalid"])], env=env)
    assert result.exit_code == 1
    assert "A journal article needs a title." in result.stderr
    assert "1 SHACL violation(s); not serving it" in result.stderr
    assert "Serving" not in result.stdout


def test_serve_unreadable_data_exits_2(runner: CliRunner, files, env) -> None:
    port = str(free_port())
    result = runner.invoke(cli, ["serve", "--port", port, "--data", str(files["syntax"])], env=env)
    assert result.exit_code == 2
    assert ":5: Turtle syntax error" in result.stderr


def test_serve_rejects_bad_base_url(runner: CliRunner, files, env) -> None:
    result = runner.invoke(cli, ["serve", "--base-url", "example.org"], env=env)
    assert result.exit_code == 2
    assert "BASE_URL" in result.output and "http://" in result.output


def commands() -> list[str]:
    return sorted(cli.commands)


@pytest.mark.parametrize("name", commands())
def test_every_command_has_help(runner: CliRunner, name: str) -> None:
    command = cli.commands[name]
    assert command.help, f"lodpub {name} has no help text"
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert command.help.split("\n")[0].strip() in " ".join(result.output.split())


def test_python_m_lodpub_lists_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lodpub", "--help"], capture_output=True, text=True, check=True
    )
    for name in commands():
        assert name in result.stdout
