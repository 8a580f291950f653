"""One conformance run: prepare the target, play the scenarios, fuzz, report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .client import Client
from .expect import Failure, Revision
from .fuzz import LEVELS, FuzzPlan, run_fuzz
from .report import Report, Result
from .scenarios import SCENARIOS, Context, Scenario
from .target import FixturesFile, ProvisioningApi, Provisioner, SetupError, Skip


@dataclass
class RunConfig:
    url: str
    fixtures: Path | None = None
    revision: Revision = "any"
    fuzz: str = "default"  # off | quick | default | thorough
    seed: int | None = None
    select: list[str] | None = None  # scenario names (prefixes) to run; None = all
    concurrency: int = 20
    clock_skew_seconds: float = 120.0
    fuzz_log: Path | None = None


def prepare(config: RunConfig) -> tuple[Provisioner, Client]:
    """The target's provider states: its provisioning API, else the fixtures file (SetupError if neither)."""
    url = config.url.rstrip("/")
    provisioner: Provisioner | None = FixturesFile.load(config.fixtures) if config.fixtures else ProvisioningApi.probe(url)
    if provisioner is None:
        raise SetupError(f"{url} has no provisioning API (GET /_mock/info); pass --fixtures FILE with keys and containers")
    auth = "x-api-key" if config.revision == "older" else "bearer"
    return provisioner, Client(url, provisioner.keys, auth=auth)


def context(config: RunConfig) -> Context:
    provisioner, client = prepare(config)
    return Context(client, provisioner, config.revision, config.clock_skew_seconds, config.concurrency)


def selected(names: list[str] | None) -> list[Scenario]:
    if not names:
        return list(SCENARIOS)
    chosen = [s for s in SCENARIOS if any(s.name.startswith(n) for n in names)]
    if not chosen:
        raise SetupError(f"no scenario matches {names}; see `layers-contract list`")
    return chosen


def play(scenario: Scenario, ctx: Context) -> Result:
    started = time.perf_counter()
    result = Result("scenario", scenario.name, scenario.statement, "passed")
    try:
        scenario.run(ctx)
    except Skip as skip:
        result.outcome, result.message = "skipped", str(skip)
    except Failure as failure:
        result.outcome, result.message, result.expected = "failed", failure.message, failure.expected
        if failure.exchange is not None:
            result.got = failure.exchange.summary()
            result.request_id = failure.exchange.request_id
            result.curl = failure.exchange.curl()
    except Exception as exc:  # the target broke the conversation itself (connection reset, not JSON, ...)
        result.outcome, result.message = "failed", f"{type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - started
    return result


def fuzz(config: RunConfig, ctx: Context) -> list[Result]:
    """The fuzzing layer, as the reviewer key; on a provisioning target every case gets a real container."""
    if "reviewer" not in ctx.client.keys:
        return [Result("fuzz", "schemathesis", "Schema fuzzing.", "skipped", 0.0, "no 'reviewer' key")]
    (header,) = ctx.client.auth_headers("reviewer").items()
    plan = FuzzPlan(ctx.client.base_url, ": ".join(header), config.revision,
                    getattr(ctx.provisioner, "projects", {}).get("own"), LEVELS[config.fuzz], config.seed,
                    log=config.fuzz_log)
    return run_fuzz(plan)


def run(config: RunConfig, progress: Callable[[Result], None] = lambda r: None) -> Report:
    started = time.perf_counter()
    ctx = context(config)
    report = Report(config.url, config.revision, ctx.provisioner.description)
    for scenario in selected(config.select):
        report.results.append(play(scenario, ctx))
        progress(report.results[-1])
    if config.fuzz != "off":
        for result in fuzz(config, ctx):
            report.results.append(result)
            progress(result)
    report.seconds = time.perf_counter() - started
    return report
