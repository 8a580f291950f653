"""pytest plugin: `pytest --layers-url URL` adds the conformance scenarios (and fuzzing) as test items.

Installed with the kit (entry point `pytest11`); it adds nothing unless --layers-url is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .fuzz import LEVELS
from .report import Result
from .runner import RunConfig, context, fuzz, play, selected
from .scenarios import Context, Scenario


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("layers-contract", "Layers reject endpoint conformance")
    group.addoption("--layers-url", help="run the conformance scenarios against this base URL")
    group.addoption("--layers-fixtures", type=Path, help="keys and container ids for a target without the provisioning API")
    group.addoption("--layers-revision", choices=["older", "newer", "any"], default="any", help="doc revision to hold the target to")
    group.addoption("--layers-fuzz", choices=["off", *LEVELS], default="default", help="how hard to fuzz (default: default)")
    group.addoption("--layers-seed", type=int, help="schemathesis seed")


class ConformanceFailure(Exception):
    def __init__(self, result: Result) -> None:
        super().__init__(result.message)
        self.result = result


class _Session:
    """The target, prepared once for all items of a pytest session."""

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self._ctx: Context | None = None

    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            self._ctx = context(self.config)
        return self._ctx


class _Item(pytest.Item):
    def check(self, result: Result) -> None:
        if result.outcome == "skipped":
            pytest.skip(result.message)
        if result.outcome != "passed":
            raise ConformanceFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ConformanceFailure):
            result = excinfo.value.result
            return f"{result.statement}\n{result.detail()}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[str, int, str]:
        return "layers-contract", 0, self.name


class ScenarioItem(_Item):
    def __init__(self, *, scenario: Scenario, state: _Session, **kw: Any) -> None:
        super().__init__(**kw)
        self.scenario, self.state = scenario, state

    def runtest(self) -> None:
        self.check(play(self.scenario, self.state.ctx))


class FuzzItem(_Item):
    def __init__(self, *, state: _Session, **kw: Any) -> None:
        super().__init__(**kw)
        self.state = state

    def runtest(self) -> None:
        results = fuzz(self.state.config, self.state.ctx)
        if all(r.outcome == "skipped" for r in results):
            pytest.skip(results[0].message)
        bad = [r for r in results if r.outcome in ("failed", "error")]
        if bad:
            raise ConformanceFailure(Result("fuzz", "schemathesis", "Schema fuzzing of the contract's operations.",
                                            "failed", message="\n\n".join(f"{r.name}:\n{r.message}" for r in bad)))


class ConformanceCollector(pytest.Collector):
    def __init__(self, *, state: _Session, **kw: Any) -> None:
        super().__init__(**kw)
        self.state = state

    def collect(self) -> list[pytest.Item]:
        items: list[pytest.Item] = [ScenarioItem.from_parent(self, name=s.name, scenario=s, state=self.state)
                                    for s in selected(None)]
        if self.state.config.fuzz != "off":
            items.append(FuzzItem.from_parent(self, name="fuzz", state=self.state))
        return items


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    url = config.getoption("layers_url")
    if not url:
        return
    run_config = RunConfig(url, config.getoption("layers_fixtures"), config.getoption("layers_revision"),
                           config.getoption("layers_fuzz"), config.getoption("layers_seed"))
    collector = ConformanceCollector.from_parent(session, name="layers-contract", state=_Session(run_config))
    items.extend(collector.collect())
