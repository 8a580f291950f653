"""Results of a run, and the forms CI reads: a summary table, JUnit XML and JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

Outcome = Literal["passed", "failed", "skipped", "error"]
MARK = {"passed": "✓", "failed": "✗", "skipped": "–", "error": "!"}


@dataclass
class Result:
    layer: Literal["scenario", "fuzz"]
    name: str
    statement: str
    outcome: Outcome
    seconds: float = 0.0
    message: str = ""
    expected: str | None = None
    got: str | None = None
    request_id: str | None = None
    curl: str | None = None

    def detail(self) -> str:
        lines = [self.message]
        if self.expected:
            lines.append(f"expected: {self.expected}")
        if self.got:
            lines.append(f"got:      {self.got}")
        if self.request_id:
            lines.append(f"requestId: {self.request_id}")
        if self.curl:
            lines.append(f"reproduce: {self.curl}")
        return "\n".join(lines)


@dataclass
class Report:
    target: str
    revision: str
    provisioning: str
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 all passed (skips allowed), 1 a check failed, 2 the run could not be carried out."""
        if self.count("error"):
            return 2
        return 1 if self.count("failed") else 0

    def summary(self) -> str:
        width = max((len(r.name) for r in self.results), default=10)
        lines = [f"{'':2}{'check':<{width}}  {'layer':<8}  {'result':<7}  seconds"]
        for r in self.results:
            lines.append(f"{MARK[r.outcome]} {r.name:<{width}}  {r.layer:<8}  {r.outcome:<7}  {r.seconds:7.2f}")
        lines.append("")
        lines.append(f"{self.count('passed')} passed, {self.count('failed')} failed, {self.count('skipped')} skipped, "
                     f"{self.count('error')} errors in {self.seconds:.1f}s against {self.target} (revision: {self.revision})")
        return "\n".join(lines)

    def failures(self) -> str:
        blocks = []
        for r in self.results:
            if r.outcome in ("failed", "error"):
                blocks.append(f"── {r.name} ({r.layer}) ─ {r.statement}\n{r.detail()}")
            elif r.outcome == "skipped":
                blocks.append(f"── {r.name} skipped: {r.message}")
        return "\n\n".join(blocks)

    def to_json(self) -> dict:
        return {
            "target": self.target,
            "revision": self.revision,
            "provisioning": self.provisioning,
            "seconds": round(self.seconds, 3),
            "exitCode": self.exit_code,
            "totals": {o: self.count(o) for o in ("passed", "failed", "skipped", "error")},
            "results": [asdict(r) for r in self.results],
        }

    def to_junit(self) -> ET.ElementTree:
        suites = ET.Element("testsuites", name="layers-contract", tests=str(len(self.results)),
                            failures=str(self.count("failed")), errors=str(self.count("error")),
                            skipped=str(self.count("skipped")), time=f"{self.seconds:.3f}")
        for layer in ("scenario", "fuzz"):
            results = [r for r in self.results if r.layer == layer]
            if not results:
                continue
            suite = ET.SubElement(suites, "testsuite", name=f"layers-contract.{layer}", tests=str(len(results)),
                                  failures=str(sum(r.outcome == "failed" for r in results)),
                                  errors=str(sum(r.outcome == "error" for r in results)),
                                  skipped=str(sum(r.outcome == "skipped" for r in results)),
                                  time=f"{sum(r.seconds for r in results):.3f}")
            ET.SubElement(ET.SubElement(suite, "properties"), "property", name="target", value=self.target)
            for r in results:
                case = ET.SubElement(suite, "testcase", classname=f"layers-contract.{layer}", name=r.name,
                                     time=f"{r.seconds:.3f}")
                if r.outcome in ("failed", "error"):
                    ET.SubElement(case, "failure" if r.outcome == "failed" else "error", message=r.message,
                                  type=r.outcome).text = f"{r.statement}\n{r.detail()}"
                elif r.outcome == "skipped":
                    ET.SubElement(case, "skipped", message=r.message)
        tree = ET.ElementTree(suites)
        ET.indent(tree)
        return tree

    def write(self, junit: Path | None = None, json_path: Path | None = None) -> None:
        if junit:
            junit.parent.mkdir(parents=True, exist_ok=True)
            self.to_junit().write(junit, encoding="utf-8", xml_declaration=True)
        if json_path:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
