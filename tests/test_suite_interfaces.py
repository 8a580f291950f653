"""The suite's three uses: CLI with reports, a target without the provisioning API, the pytest plugin."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from contract_tests.runner import RunConfig, run
from contract_tests.target import FixturesFile, Skip
from layers_mock.demo import OTHER_ORG_KEY, READ_ONLY_KEY, REVIEWER_KEY, SECOND_REVIEWER_KEY
from conftest import mock_process, serve
from test_suite_catches_bugs import HERE

pytest_plugins = ["pytester"]


def layers_contract(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "contract_tests", *args], capture_output=True, text=True, timeout=300)


def test_cli_reports_and_exit_zero(tmp_path: Path) -> None:
    with mock_process() as url:
        out = layers_contract("run", "--url", url, "--fuzz", "quick", "--seed", "3", "--junit", str(tmp_path / "j.xml"),
                              "--json", str(tmp_path / "r.json"))
    assert out.returncode == 0, out.stdout[-3000:]
    assert "✓ scenario reject-pending" in out.stdout  # progress
    assert "0 failed" in out.stdout.splitlines()[-1]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["exitCode"] == 0 and report["totals"]["failed"] == 0 and report["totals"]["passed"] >= 35
    suites = ET.parse(tmp_path / "j.xml").getroot()
    assert suites.get("failures") == "0" and int(suites.get("tests")) == len(report["results"])
    assert {s.get("name") for s in suites.iter("testsuite")} == {"layers-contract.scenario", "layers-contract.fuzz"}


def test_cli_failure_shows_expected_got_request_id_and_curl(tmp_path: Path) -> None:
    with serve(str(HERE / "broken_mocks.py"), "second_reject_succeeds") as url:
        out = layers_contract("run", "--url", url, "--fuzz", "off", "--junit", str(tmp_path / "j.xml"))
    assert out.returncode == 1
    block = out.stdout[out.stdout.index("── second-reject-conflict"):]
    assert "expected: 409 CONFLICT" in block and "got:      200" in block
    assert "requestId: req_" in block and "reproduce: curl -i -X POST" in block
    assert "$LAYERS_KEY_REVIEWER" in block and REVIEWER_KEY not in out.stdout  # keys never printed
    failure = next(c for c in ET.parse(tmp_path / "j.xml").getroot().iter("testcase") if c.get("name") == "second-reject-conflict")
    assert failure.find("failure") is not None


def test_cli_usage_and_setup_errors_exit_2(tmp_path: Path) -> None:
    assert layers_contract("run").returncode == 2  # --url missing
    assert layers_contract("run", "--url", "http://127.0.0.1:9").returncode == 2  # nothing listens
    with mock_process("--no-admin") as url:
        out = layers_contract("run", "--url", url)
    assert out.returncode == 2 and "--fixtures" in out.stderr
    bad = tmp_path / "f.yaml"
    bad.write_text("keys: {admin: x}\n")
    assert layers_contract("run", "--url", "http://127.0.0.1:9", "--fixtures", str(bad)).returncode == 2


def test_cli_list() -> None:
    out = layers_contract("list")
    assert out.returncode == 0 and "concurrent-rejects-one-winner" in out.stdout and "other_org" in out.stdout


def demo_fixtures(path: Path) -> Path:
    ids = lambda *ns: [f"cnt_01JDEM{n:020d}" for n in ns]  # noqa: E731
    path.write_text(yaml.safe_dump({
        "keys": {"reviewer": REVIEWER_KEY, "reviewer2": SECOND_REVIEWER_KEY, "no_scope": READ_ONLY_KEY, "other_org": OTHER_ORG_KEY},
        "containers": {"pending": ["cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T", *ids(1, 2, 3, 4, 12, 13)], "approved": ids(5),
                       "not_required": ids(7), "queued": ids(8), "processing": ids(9), "failed": ids(10),
                       "canceled": ids(11), "other_org": ids(14)},
    }))
    return path


def test_staging_target_with_fixtures_file(tmp_path: Path) -> None:
    """No provisioning API: listed containers are used once each; the rest is skipped with a reason."""
    with mock_process("--no-admin") as url:
        report = run(RunConfig(url, fixtures=demo_fixtures(tmp_path / "staging.yaml"), revision="older", fuzz="quick", seed=1))
    assert report.exit_code == 0, report.failures()
    skipped = [r for r in report.results if r.outcome == "skipped"]
    assert skipped and all("no unused container in state '" in r.message for r in skipped)
    assert report.count("passed") >= 15
    assert any(r.layer == "fuzz" and r.outcome == "passed" for r in report.results)


def test_fixtures_file_hands_out_each_container_once(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("keys: {reviewer: k}\ncontainers: {pending: [a, b]}\n")
    fixtures = FixturesFile.load(path)
    assert [fixtures.container("pending"), fixtures.container("pending")] == ["a", "b"]
    with pytest.raises(Skip, match="pending"):
        fixtures.container("pending")
    with pytest.raises(Skip, match="approved"):
        fixtures.container("approved")


def test_missing_key_roles_are_skipped_not_passed(tmp_path: Path) -> None:
    path = demo_fixtures(tmp_path / "f.yaml")
    doc = yaml.safe_load(path.read_text())
    del doc["keys"]["no_scope"], doc["keys"]["reviewer2"]
    path.write_text(yaml.safe_dump(doc))
    with mock_process("--no-admin") as url:
        report = run(RunConfig(url, fixtures=path, revision="older", fuzz="off", select=["no-scope", "rejected-by"]))
    assert [(r.name, r.outcome) for r in report.results] == [("rejected-by-calling-key", "skipped"), ("no-scope-forbidden", "skipped")]
    assert "no_scope" in report.results[1].message


def test_pytest_plugin(pytester: pytest.Pytester) -> None:
    with mock_process() as url:
        result = pytester.runpytest_subprocess("--layers-url", url, "--layers-fuzz", "off", "--layers-revision", "older")
    result.assert_outcomes(passed=37)
    with serve(str(HERE / "broken_mocks.py"), "scope_not_checked") as url:
        result = pytester.runpytest_subprocess("--layers-url", url, "--layers-fuzz", "off", "--layers-revision", "older",
                                               "-k", "scope")
    result.assert_outcomes(failed=1, deselected=36)
    result.stdout.fnmatch_lines(["*expected: 403 FORBIDDEN_SCOPE*"])


def test_pytest_plugin_is_silent_without_url(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
