"""The README keeps up with the code: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from lodpub.cli import cli
from lodpub.config import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.key)
def test_readme_documents_setting(setting) -> None:
    assert f"`{setting.key}`" in README
    assert f"`{setting.env}`" in README


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_readme_documents_command(name: str) -> None:
    assert f"`lodpub {name}" in README


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_readme_documents_every_option(name: str) -> None:
    for param in cli.commands[name].params:
        for option in getattr(param, "opts", []):
            if option.startswith("--") and option != "--help":
                assert option in README, f"lodpub {name} {option} is not in the README"


def test_readme_names_both_make_commands() -> None:
    assert "make serve" in README and "make test" in README
