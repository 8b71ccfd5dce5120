"""lodpub installs whole: the wheel pip builds from the project (what `pip install .`
installs) holds every module, template and style of server/, under the import name lodpub."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "server"


def test_the_wheel_holds_every_file_of_the_package(tmp_path: Path) -> None:
    # Built from a copy: setuptools reuses a checkout's build/ folder, which may hold files
    # an earlier build put there and this one would not.
    source = tmp_path / "source"
    shutil.copytree(PACKAGE, source / "server", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    # The build backend is the test extra's setuptools: no package index needed.
    command = ["pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels)]
    subprocess.run([sys.executable, "-m", *command, str(source)], check=True, capture_output=True)
    (wheel,) = wheels.glob("lodpub-*.whl")
    installed = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        "lodpub/" + path.relative_to(source / "server").as_posix()
        for path in (source / "server").rglob("*")
        if path.is_file()
    }
    assert len(shipped) > 50, sorted(shipped)
    assert sorted(shipped - installed) == []
