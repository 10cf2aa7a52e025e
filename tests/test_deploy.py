"""Deployment files without a Docker engine: docker-compose.yml through a compose parser, and the
Dockerfile's install step run as far as it can (the wheel it builds, installed and started)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


def _compose() -> str:
    exe = shutil.which("docker-compose")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose (Debian package) is missing: .ci/run installs it")
        pytest.skip("docker-compose not installed (apt-get install docker-compose)")
    return exe


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("NEO4J_PASSWORD", "IEKG_API_KEY")}
    return subprocess.run([_compose(), "-f", str(REPO / "docker-compose.yml"), "config"], capture_output=True,
                          text=True, env={**clean, **env}, cwd=REPO, timeout=60)


def test_compose_file_is_valid_and_wired() -> None:
    r = _config({"NEO4J_PASSWORD": "a-long-password", "IEKG_API_KEY": "k"})
    assert r.returncode == 0, r.stderr
    cfg = yaml.safe_load(r.stdout)
    neo, api = cfg["services"]["neo4j"], cfg["services"]["api"]
    assert neo["image"] == "neo4j:5.26-community"
    assert neo["environment"]["NEO4J_AUTH"] == "neo4j/a-long-password"  # the password comes from the env
    assert "healthcheck" in neo and any("cypher-shell" in str(x) for x in neo["healthcheck"]["test"])
    assert any(v.startswith("neo4j-data:/data") for v in neo["volumes"])
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    env = api["environment"]
    assert (env["IEKG_STORE"], env["IEKG_NEO4J_URI"], env["IEKG_NEO4J_PASSWORD"]) == (
        "neo4j", "bolt://neo4j:7687", "a-long-password")
    assert api["build"]["context"] == str(REPO)
    ports = [p for s in (neo, api) for p in s["ports"]]
    assert ports and all(str(p).startswith("127.0.0.1:") for p in ports)  # nothing published beyond loopback


def test_compose_refuses_to_start_without_a_password() -> None:
    r = _config({})
    assert r.returncode != 0 and "NEO4J_PASSWORD" in r.stderr


def test_dockerfile_install_step(tmp_path: Path) -> None:
    """What `RUN pip install . && iekg --help` does, minus the engine: build the wheel, install it apart
    from the source tree, start the CLI from it and find the shipped data inside it."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert text.splitlines()[2].startswith("FROM python:3.11")
    assert 'CMD ["iekg", "serve", "--host", "0.0.0.0"' in text and "USER iekg" in text
    wheels = tmp_path / "wheels"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                        str(wheels), str(REPO)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    wheel = next(wheels.glob("iekg-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("iekg/data/reference/crosswalk.csv", "iekg/data/reference/notice_targets.csv",
                   "iekg/data/demo/programs.csv", "iekg/data/rules/draft_rules.csv"):
        assert needed in names, needed
    site = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(site), "IEKG_HOME": str(home)}
    run = [sys.executable, "-c", "from iekg.cli import main; main()"]
    r = subprocess.run([*run, "--help"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 0 and "build" in r.stdout, r.stderr
    r = subprocess.run([*run, "build", "--format", "json"], capture_output=True, text=True, env=env, cwd=tmp_path,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert '"City": 18' in r.stdout and str(site) not in str(REPO)
