"""pyproject.toml, constraints.txt and environment.yml describe one environment."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_every_dependency_is_pinned_and_satisfies_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = _pins()
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    for text in requirements:
        requirement = Requirement(text)
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} violates {text}"


def test_environment_yml_pins_match_constraints():
    pins = _pins()
    text = (REPO / "environment.yml").read_text()
    conda_pins = re.findall(r"^\s+- ([a-z0-9_.-]+)=([0-9][^\s#]*)$", text, re.MULTILINE)
    assert conda_pins, "environment.yml pins nothing"
    for name, version in conda_pins:
        if name == "python":
            assert version == "3.11"
            continue
        assert pins[name] == version, f"{name}: environment.yml {version}, constraints {pins[name]}"
