"""docker-compose.yml is valid and runs what the README says (checked where the compose CLI exists)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def compose_config() -> dict[str, object]:
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI")
    result = subprocess.run(["docker", "compose", "config", "--format", "json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0 and "unknown" in result.stderr and "docker --help" in result.stderr:
        pytest.skip("no docker compose plugin (the docker CLI took `compose` for an unknown command)")
    assert result.returncode == 0, result.stderr
    config: dict[str, object] = json.loads(result.stdout)
    return config


def test_compose_runs_neo4j_5_26_with_health_check_and_volume_and_the_api() -> None:
    services = compose_config()["services"]
    assert isinstance(services, dict)

    neo4j, api = services["neo4j"], services["api"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert [v["target"] for v in neo4j["volumes"]] == ["/data"]
    assert api["environment"]["CUSTGRAPH_STORE"] == "neo4j://neo4j:7687"
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"


def test_the_image_copies_every_package_it_installs() -> None:
    """The Dockerfile copies folders one by one; a package added to pyproject.toml must be copied
    too, or `pip install .` in the image fails (resolution/ was missing until this test)."""
    import tomllib

    folders = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                  ["tool"]["setuptools"]["package-dir"].values())
    copied = {line.split()[1] for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
              if line.startswith("COPY ")}
    assert folders <= copied, f"Dockerfile does not COPY {sorted(folders - copied)}"


def test_an_install_holds_every_package_folder() -> None:
    """``pip install .`` (the image, a user) installs only the packages pyproject.toml lists; an
    editable install finds sub-folders anyway, so a missing one (api/types/ was) shows nowhere
    else. Every folder with an ``__init__.py`` under a package folder must be listed."""
    import tomllib

    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found = set()
    for name, folder in setuptools["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            inside = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *inside)))
    assert found <= listed, f"pyproject.toml [tool.setuptools] packages lacks {sorted(found - listed)}"
