"""The conformance suite is worth something only if it fails broken servers: one per planted bug."""

from __future__ import annotations

from pathlib import Path

import pytest

from broken_mocks import CAUGHT_BY, VARIANTS
from conftest import mock_process, serve
from contract_tests.runner import RunConfig, run

HERE = Path(__file__).parent


def is_fuzz(check: str) -> bool:
    return check.startswith(("GET ", "POST "))


def test_there_are_enough_variants() -> None:
    assert len(VARIANTS) >= 15
    assert any(is_fuzz(check) for check in CAUGHT_BY.values())


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_suite_fails_on_broken_variant(name: str) -> None:
    check = CAUGHT_BY[name]
    with serve(str(HERE / "broken_mocks.py"), name) as url:
        # Scenario-caught bugs are shown with fuzzing off (fuzzing only adds failures); fuzz-caught
        # bugs run the whole suite.
        report = run(RunConfig(url, revision="older", fuzz="quick" if is_fuzz(check) else "off", seed=1))
    failed = {r.name: r for r in report.results if r.outcome == "failed"}
    assert report.exit_code == 1, f"{name}: the suite passed a broken server\n{report.summary()}"
    # The intended check fails, for the planted reason: a variant that merely crashed would not count.
    assert check in failed, f"{name}: {check} passed; failures: {sorted(failed)}"
    if "crash" not in name:
        assert not any("got 500" in r.message for r in failed.values()), [r.message for r in failed.values()]
    for r in failed.values():  # each failure says what was expected and shows what came back
        assert r.message
        if r.layer == "scenario" and r.got:
            assert r.curl and r.curl.startswith("curl ")


@pytest.mark.parametrize("revision", ["older", "any"])
def test_suite_passes_the_real_mock(revision: str) -> None:
    with mock_process() as url:
        report = run(RunConfig(url, revision=revision, fuzz="default" if revision == "older" else "quick", seed=1))
    assert report.exit_code == 0, report.failures()
    assert report.count("failed") == report.count("error") == 0
    skipped = {r.name for r in report.results if r.outcome == "skipped"}
    assert skipped == (set() if revision == "older" else {"x-api-key-accepted", "x-api-key-wins"})
    assert {r.layer for r in report.results} == {"scenario", "fuzz"}


def test_newer_revision_mock_passes_newer_and_fails_older() -> None:
    with mock_process("--revision", "newer") as url:
        # With fuzzing: a Bearer-only server ignoring X-Api-Key is right under the newer docs.
        newer = run(RunConfig(url, revision="newer", fuzz="quick", seed=1))
        older = run(RunConfig(url, revision="older", fuzz="off"))
    assert newer.exit_code == 0, newer.failures()
    assert older.exit_code == 1
