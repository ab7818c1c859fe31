"""The wheel built from the repository, installed (not editable) in a fresh environment and run from an empty
folder: it migrates, makes the demo, serves every page and renders and verifies a protocol."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import fresh_database

ROOT = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "instance",
                                 "test-artifacts", ".mypy_cache", ".ruff_cache", ".pytest_cache", "bench")


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None,
        expect: int = 0) -> subprocess.CompletedProcess[str]:
    """A command that must end with `expect`; its output is shown when it does not."""
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == expect, f"{command}: {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; the dependencies come from this interpreter's site-packages (a path
    line in a .pth, so that this environment's editable install of veche is not seen)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", base / "dist", source, cwd=base)
    (wheel,) = (base / "dist").glob("veche-*.whl")
    venv = base / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    purelib = Path(run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                       cwd=base).stdout.strip())
    (purelib / "veche-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--no-deps",
        "--no-index", wheel, cwd=base)
    return venv


def test_the_installed_wheel_migrates_makes_the_demo_serves_every_page_and_verifies_a_protocol(
        installed: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("empty")
    veche = installed / "bin" / "veche"
    with fresh_database(tmp_path_factory) as url:
        env = {**os.environ, "VECHE_DATABASE_URL": url}
        env.pop("PYTHONPATH", None)

        refused = run(veche, "demo", cwd=folder, env=env, expect=2)
        assert refused.stderr.strip().splitlines() == [
            "error: the database is not migrated to this version of veche: run `veche db upgrade` first"]

        run(veche, "db", "upgrade", cwd=folder, env=env)
        run(veche, "demo", "--password", "wheel-demo-password", cwd=folder, env=env)
        shutil.copy(Path(__file__).with_name("crawl.py"), folder / "crawl.py")
        report = json.loads(run(installed / "bin" / "python", "crawl.py", "wheel-demo-password", cwd=folder,
                                env=env).stdout)
        assert report["package"].startswith(str(installed)), report["package"]  # the wheel, not the checkout
        assert report["pages"] > 50
        for account, statuses in report["statuses"].items():
            assert statuses.get("200", 0) >= 5, (account, statuses)  # the pages answer (templates, static, i18n)
        assert report["statuses"]["uk@demo.veche"]["200"] > 40

        meetings = json.loads(run(veche, "meetings", "--json", cwd=folder, env=env).stdout)
        (counted,) = [meeting["id"] for meeting in meetings if meeting["state"] == "counted"]
        written = run(veche, "protocol", str(counted), "-o", folder / "protocol.pdf", cwd=folder, env=env)
        assert "pages" in written.stdout
        verified = run(veche, "verify", folder / "protocol.pdf", cwd=folder, env=env)
        assert verified.stdout.strip().splitlines()[-1] == "VALID"
        css = run(installed / "bin" / "python", "-c",
                  "from voting.core.resources import resource_dir; print(resource_dir('static'))", cwd=folder, env=env)
        assert css.stdout.strip().startswith(str(installed))
