"""`layers-mock` as a user runs it, and schemathesis's own verdict on it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import requests

from conftest import LiveServer
from layers_mock.cli import parse_args, settings_from
from layers_mock.demo import REVIEWER_KEY
from layers_mock.spec import spec_path


def test_cli_serves_and_prints_keys_ids_and_curl(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "layers_mock", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Provisioning API"):
                break
        banner = "".join(lines)
        assert REVIEWER_KEY in banner and "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T" in banner
        curl = banner[banner.index("curl -X POST"):banner.index("\n\n", banner.index("curl -X POST"))]
        url = re.search(r"http://127\.0\.0\.1:\d+", banner).group(0)
        out = subprocess.run(["bash", "-c", curl.replace("\\\n", " ")], capture_output=True, text=True, check=True)
        assert '"approvalStatus": "rejected"' in out.stdout
        assert requests.get(f"{url}/_mock/info").json()["name"] == "layers-mock"
    finally:
        proc.terminate()
        proc.wait(10)


def test_cli_flags_become_settings(tmp_path: Path) -> None:
    assert settings_from(parse_args([])).validation_code == "VALIDATION_FAILED"
    newer = settings_from(parse_args(["--revision", "newer", "--validation-status", "400"]))
    assert (newer.bearer_only, newer.validation_code, newer.validation_status) == (True, "VALIDATION", 400)
    path = tmp_path / "settings.yaml"
    path.write_text("revision: newer\nbearer-only: false\nrate-limit: 5\n".replace("rate-limit", "write-light-per-minute"))
    from_file = settings_from(parse_args(["--settings", str(path), "--validation-code", "VALIDATION_FAILED"]))
    assert (from_file.bearer_only, from_file.write_light_per_minute, from_file.validation_code) == (False, 5, "VALIDATION_FAILED")


def test_cli_refuses_broken_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("no_such_setting: 1\n")
    out = subprocess.run([sys.executable, "-m", "layers_mock", "--settings", str(path)], capture_output=True, text=True)
    assert out.returncode == 2 and "no_such_setting" in out.stderr


def test_schemathesis_default_checks_find_nothing(live: LiveServer, tmp_path: Path) -> None:
    """The README's `st run` command: schemathesis defaults, a valid key, no failure."""
    out = subprocess.run(
        [str(Path(sys.executable).parent / "st"), "run", str(spec_path()), "--url", live.url,
         "-H", f"X-Api-Key: {REVIEWER_KEY}", "--max-examples", "25", "--seed", "1"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert out.returncode == 0, out.stdout[-4000:]
    assert "FAILURES" not in out.stdout and re.search(r"\d+ passed", out.stdout), out.stdout[-4000:]
    # (Raw `st run` draws random ids, so it warns "Missing test data"; layers-contract seeds real ones.)
