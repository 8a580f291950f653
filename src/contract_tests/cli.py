"""`layers-contract`: grade any implementation of the reject endpoint."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .report import MARK, Result
from .runner import RunConfig, run
from .scenarios import SCENARIOS
from .target import KEY_ROLES, STATES, SetupError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="layers-contract", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the conformance suite against a base URL")
    r.add_argument("--url", required=True, help="the target's base URL, e.g. http://127.0.0.1:8080")
    r.add_argument("--fixtures", type=Path, help="YAML file of keys and container ids, for targets without the provisioning API")
    r.add_argument("--revision", choices=["older", "newer", "any"], default="any",
                   help="hold the target to one Layers doc revision, or accept either (default: any)")
    r.add_argument("--fuzz", choices=["off", "quick", "default", "thorough"], default="default", help="how hard to fuzz")
    r.add_argument("--seed", type=int, help="schemathesis seed, for a repeatable fuzzing run")
    r.add_argument("--only", action="append", metavar="NAME", help="run scenarios whose name starts with NAME (repeatable)")
    r.add_argument("--concurrency", type=int, default=20, help="parallel rejects in the race scenario (default: 20)")
    r.add_argument("--clock-skew", type=float, default=120.0, help="seconds rejectedAt may differ from this clock")
    r.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    r.add_argument("--json", type=Path, help="write a JSON report here")
    r.add_argument("--fuzz-log", type=Path, help="keep schemathesis's full output here")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    sub.add_parser("list", help="list the scenarios, key roles and container states")
    return p.parse_args(argv)


def list_scenarios() -> str:
    lines = ["Scenarios:"] + [f"  {s.name:<32} {s.statement}" for s in SCENARIOS]
    lines += ["", "Key roles (fixtures file `keys:`):"] + [f"  {k:<12} {v}" for k, v in KEY_ROLES.items()]
    lines += ["", "Container states (fixtures file `containers:`, lists of ids, each used at most once):"]
    lines += [f"  {name:<13} status={s}, approvalStatus={a}" for name, (s, a) in STATES.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "list":
        print(list_scenarios())
        return 0
    config = RunConfig(args.url, args.fixtures, args.revision, args.fuzz, args.seed, args.only, args.concurrency,
                       args.clock_skew, args.fuzz_log)

    def progress(result: Result) -> None:
        if not args.quiet:
            print(f"{MARK[result.outcome]} {result.layer:<8} {result.name}", flush=True)

    if not args.quiet:
        print(f"layers-contract: {args.url} (revision {args.revision}, fuzz {args.fuzz})", flush=True)
    try:
        report = run(config, progress)
    except SetupError as exc:
        print(f"layers-contract: {exc}", file=sys.stderr)
        return 2
    report.write(args.junit, args.json)
    details = report.failures()
    print("\n" + details if details else "")
    print(report.summary())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
