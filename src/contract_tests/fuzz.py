"""The fuzzing layer: `st run` on the contract against the target, its JUnit read back as results."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from layers_mock.spec import spec_path

from .report import Result

# How hard to fuzz: examples per operation for the coverage/fuzzing phases.
LEVELS = {"quick": 10, "default": 25, "thorough": 100}


@dataclass
class FuzzPlan:
    base_url: str
    auth_header: str          # e.g. "Authorization: Bearer …"
    revision: str = "any"
    project: str | None = None  # our project on a provisioning target: fuzzed ids become real containers
    max_examples: int = LEVELS["default"]
    seed: int | None = None
    # One worker: on CPython 3.11.7 concurrent ast.parse inside Hypothesis raises
    # "AST constructor recursion depth mismatch"; two workers gained little on 2 cores anyway.
    workers: int = 1
    log: Path | None = None


def command(plan: FuzzPlan, junit: Path) -> list[str]:
    cmd = [sys.executable, "-m", "schemathesis.cli", "run", str(spec_path()), "--url", plan.base_url,
           "-H", plan.auth_header, "--checks", "all", "--max-examples", str(plan.max_examples),
           # Multi-step behaviour is the scenarios' job: the public API has no create operation for the
           # stateful phase to start from, and our before_call hook hands every case a fresh container.
           "--phases", "examples,coverage,fuzzing", "--workers", str(plan.workers),
           "--report", "junit", "--report-junit-path", str(junit), "--no-color"]
    if plan.seed is not None:
        cmd += ["--seed", str(plan.seed)]
    return cmd


def run_fuzz(plan: FuzzPlan) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="layers-contract-") as tmp:
        junit = Path(tmp) / "schemathesis.xml"
        env = os.environ | {
            "SCHEMATHESIS_HOOKS": "contract_tests.st_hooks",
            "LAYERS_CONTRACT_BASE_URL": plan.base_url,
            "LAYERS_CONTRACT_PROJECT": plan.project or "",
            "LAYERS_CONTRACT_REVISION": plan.revision,
        }
        started = time.perf_counter()
        out = subprocess.run(command(plan, junit), env=env, cwd=tmp, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if plan.log:
            plan.log.parent.mkdir(parents=True, exist_ok=True)
            plan.log.write_text(out.stdout + out.stderr, encoding="utf-8")
        if out.returncode not in (0, 1) or not junit.exists():
            tail = (out.stdout + out.stderr).strip().splitlines()[-15:]
            return [Result("fuzz", "schemathesis", "Schema fuzzing of the contract's operations.", "error", seconds,
                           f"st run exited {out.returncode}: " + "\n".join(tail))]
        return from_junit(junit, seconds)


def from_junit(path: Path, seconds: float) -> list[Result]:
    """One result per operation, carrying schemathesis's own failure text (checks, curl, replay)."""
    cases = ET.parse(path).getroot().iter("testcase")
    results = []
    for case in cases:
        name = case.get("name", "?")
        problems = [*case.findall("failure"), *case.findall("error")]
        skipped = case.find("skipped")
        if problems:
            text = "\n".join((p.text or p.get("message") or "").strip() for p in problems)
            outcome = "failed" if case.find("failure") is not None else "error"
            results.append(Result("fuzz", name, "Schema fuzzing: every documented status, body and header.", outcome,
                                  float(case.get("time", 0)), text[:8000]))
        elif skipped is not None:
            results.append(Result("fuzz", name, "Schema fuzzing.", "skipped", 0.0, skipped.get("message", "")))
        else:
            results.append(Result("fuzz", name, "Schema fuzzing: every documented status, body and header.",
                                  "passed", float(case.get("time", 0))))
    if not results:
        results.append(Result("fuzz", "schemathesis", "Schema fuzzing.", "error", seconds, "st run reported no operations"))
    return results
