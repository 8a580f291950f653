"""Benchmarks: layers-mock beside Stoplight Prism and a bare Flask route, plus the cost of scale.

    .venv/bin/python bench/run.py [--duration 10] [--connections 32] [--quick]

Installs what it needs (wrk from Debian, @stoplight/prism-cli into bench/.tools from npm), starts
every server on 127.0.0.1, runs the same wrk load against each, prints one table and writes it
to bench/results/. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from layers_mock.cli import free_port

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
TOOLS = BENCH / ".tools"
LUA = BENCH / "wrk" / "workload.lua"
SPEC = ROOT / "openapi" / "layers-partner-api.yaml"
BIN = Path(sys.executable).parent
KEY = "lp_test_c2037bb9a41f_demoReviewerKey0000000000000001"
BODY = '{"reason": "Hook is off-brand; want something punchier."}'
DOCS_ID = "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T"
THREADS = 2  # wrk threads: one per core
# Single-process WSGI servers (one process = one in-memory state): label → (layers-mock --server, --threads).
# The first is what `layers-mock` serves by default.
SERVERS = {"granian, 1 thread": ("granian", 1), "granian, 8 threads": ("granian", 8), "waitress, 8 threads": ("waitress", 8)}

BARE_FLASK = '''
from flask import Flask, Response
app = Flask(__name__)
BODY = '{"id": "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T", "approvalStatus": "rejected", "rejectedAt": "2026-04-18T09:44:50Z", "rejectedBy": "api_key_c2037bb9a41f", "reason": "Hook is off-brand; want something punchier."}'
@app.post("/v1/content/<container_id>/reject")
def reject(container_id):
    return Response(BODY, 200, mimetype="application/json")
'''


def ensure_tools() -> Path:
    if shutil.which("wrk") is None:
        print("installing wrk (Debian)…", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    prism = TOOLS / "node_modules" / ".bin" / "prism"
    if not prism.exists():
        print("installing @stoplight/prism-cli@5 (npm) into bench/.tools…", flush=True)
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", "--silent",
                        "@stoplight/prism-cli@5"], check=True)
    return prism


@dataclass
class Server:
    name: str
    cmd: list[str]
    port: int
    env: dict[str, str] | None = None
    ready_path: str = "/_mock/info"

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + self.ready_path, timeout=1)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.name} did not start: {' '.join(self.cmd)}")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        """Resident memory of the server and its children (gunicorn workers, Prism's node)."""
        pids = [self.proc.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(self.proc.pid)],
                                                                 capture_output=True, text=True).stdout.split()]
        total = 0
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        return total


def mock(port: int, *args: str, name: str = "layers-mock") -> Server:
    """The mock as the README serves it: `layers-mock` (granian, one thread), in-memory store."""
    return Server(name, [str(BIN / "layers-mock"), "--port", str(port), "--quiet", *args], port)


def provision(url: str, count: int, ids_file: Path) -> None:
    """`count` pending containers in the demo org's project, their ids written one per line."""
    with ids_file.open("w") as out:
        while count > 0:
            n = min(count, 100_000)
            r = requests.post(f"{url}/_mock/containers/batch", json={"projectId": "prj_demo", "count": n}, timeout=300)
            r.raise_for_status()
            out.write("\n".join(r.json()["ids"]) + "\n")
            count -= n


def wrk(url: str, kind: str, expected: int, *, key: str = KEY, body: str = BODY, path: str = "", ids: Path | None = None,
        duration: int, connections: int) -> dict:
    cmd = ["wrk", "-t", str(THREADS), "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s", "-s", str(LUA), url,
           "--", kind, str(expected), key, body, path, str(ids or "-"), str(THREADS)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps, p50, p99, errors, total = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", out).groups()
    total = int(total)
    return {"rps": float(rps), "p50": float(p50), "p99": float(p99), "errors": int(errors) / total if total else 1.0}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return (f"{cpu}, {os.cpu_count()} cores, {mem} GiB; {platform.platform()}; Python {platform.python_version()}; "
            f"{wrk_version.strip()}")


def row(label: str, result: dict, *extra: str) -> str:
    cells = [label, f"{result['rps']:,.0f}", f"{result['p50']:.2f}", f"{result['p99']:.2f}",
             f"{result['errors'] * 100:.2f}%", *extra]
    return "| " + " | ".join(cells) + " |"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default: 10)")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default: 32)")
    p.add_argument("--quick", action="store_true", help="3 s runs and 100k instead of 1M containers, to try the script")
    args = p.parse_args()
    duration = 3 if args.quick else args.duration
    big = 100_000 if args.quick else 1_000_000
    load = {"duration": duration, "connections": args.connections}
    prism_bin = ensure_tools()
    lines: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="layers-bench-"))

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    say(f"# layers-mock benchmarks — {datetime.date.today()}")
    say()
    say(f"Machine: {machine()}. wrk -t{THREADS} -c{args.connections} -d{duration}s on 127.0.0.1; "
        "servers and wrk share the machine.")
    say()

    # --- Side by side: the mock, Prism, a bare Flask route -----------------------------------------
    results: dict[str, dict] = {}
    enough = int(duration * 25_000)  # more pending containers than (a) can reject at 20k req/s
    with mock(free_port()) as m:
        provision(m.url, enough, tmp / "ids.txt")
        results["mock a"] = wrk(m.url, "rotate", 200, ids=tmp / "ids.txt", **load)
        results["mock b"] = wrk(m.url, "static", 409, path=f"/v1/content/{DOCS_ID}/reject", **load)
        results["mock c"] = wrk(m.url, "static", 422, path=f"/v1/content/{DOCS_ID}/reject", body='{"reason": ""}', **load)
        results["mock d"] = wrk(m.url, "static", 401, key="-", path=f"/v1/content/{DOCS_ID}/reject", **load)
        provision(m.url, enough, tmp / "mix.txt")
        results["mock e"] = wrk(m.url, "mix", 0, ids=tmp / "mix.txt", **load)
    prism_port = free_port()
    prism = Server("prism", [str(prism_bin), "mock", "-h", "127.0.0.1", "-p", str(prism_port), "-v", "silent", str(SPEC)],
                   prism_port, ready_path="/")
    with prism:
        path = f"/v1/content/{DOCS_ID}/reject"
        results["prism a"] = wrk(prism.url, "static", 200, path=path, **load)
        results["prism c"] = wrk(prism.url, "static", 422, path=path, body='{"reason": ""}', **load)
        results["prism d"] = wrk(prism.url, "static", 401, key="-", path=path, **load)
    (tmp / "bare_flask.py").write_text(BARE_FLASK)
    for server, (module_server, threads) in SERVERS.items():
        port = free_port()
        serve = (f"import sys; sys.path.insert(0, {str(tmp)!r}); import bare_flask; from layers_mock.cli import serve; "
                 f"serve(bare_flask.app, {module_server!r}, '127.0.0.1', {port}, {threads}, lambda: None)")
        with Server(f"bare Flask on {server}", [sys.executable, "-c", serve], port, ready_path="/"):
            results[f"bare {server}"] = wrk(f"http://127.0.0.1:{port}", "static", 200,
                                            path=f"/v1/content/{DOCS_ID}/reject", **load)
        with mock(free_port(), "--server", module_server, "--threads", str(threads)) as m:
            provision(m.url, enough, tmp / "srv.txt")
            results[f"mock-on {server}"] = wrk(m.url, "rotate", 200, ids=tmp / "srv.txt", **load)
        with mock(free_port(), "--server", module_server, "--threads", str(threads), "--no-hot-path") as m:
            provision(m.url, enough, tmp / "srv.txt")
            results[f"flask-path {server}"] = wrk(m.url, "rotate", 200, ids=tmp / "srv.txt", **load)

    say("## Throughput and latency (higher req/s, lower ms are better)")
    say()
    say("| server · workload | req/s | p50 ms | p99 ms | unexpected status or socket error | mock req/s ÷ this |")
    say("|---|---:|---:|---:|---:|---:|")
    names = {"a": "(a) reject distinct pending → 200", "b": "(b) repeated reject → 409", "c": "(c) invalid body → 422",
             "d": "(d) no key → 401", "e": "(e) mix of a–d and GET"}
    for w, label in names.items():
        say(row(f"layers-mock · {label}", results[f"mock {w}"], ""))
        if f"prism {w}" in results:
            ratio = results[f"mock {w}"]["rps"] / results[f"prism {w}"]["rps"]
            say(row(f"Prism 5 (static example, logging silenced) · {label}", results[f"prism {w}"], f"{ratio:.2f}×"))
    for server in SERVERS:
        bare = results[f"bare {server}"]["rps"]
        say(row(f"bare Flask route on {server} · static 200", results[f"bare {server}"], ""))
        say(row(f"layers-mock on {server} · (a)", results[f"mock-on {server}"],
                f"{results[f'mock-on {server}']['rps'] / bare:.2f}× of bare"))
        say(row(f"layers-mock --no-hot-path on {server} · (a)", results[f"flask-path {server}"],
                f"{results[f'flask-path {server}']['rps'] / bare:.2f}× of bare"))
    say()
    say(f"- (a) mock ÷ Prism: **{results['mock a']['rps'] / results['prism a']['rps']:.2f}×** req/s; "
        f"p99 {results['mock a']['p99']:.1f} ms vs {results['prism a']['p99']:.1f} ms "
        f"(**{results['mock a']['p99'] / results['prism a']['p99']:.2f}×**).")
    default = next(iter(SERVERS))
    say(f"- (a) mock ÷ bare Flask route on the same server ({default}): "
        f"**{results[f'mock-on {default}']['rps'] / results[f'bare {default}']['rps']:.2f}×**.")
    say(f"- The same with every request through Flask's request cycle (`--no-hot-path`): "
        f"**{results[f'flask-path {default}']['rps'] / results[f'bare {default}']['rps']:.2f}×**. The hot path answers "
        "successful review decisions only: (b)–(d) and GETs always go through Flask.")
    say("- Prism keeps no state and answers its static example; Prism is not given (b) and (e), which need state.")
    say()

    # --- Stores: memory, Redis, Redis behind 4 gunicorn workers ------------------------------------
    redis_server = shutil.which("redis-server")
    if redis_server:
        say("## Stores (workload (a))")
        say()
        say("| setup | req/s | p50 ms | p99 ms | unexpected status or socket error |")
        say("|---|---:|---:|---:|---:|")
        say(row("in-memory, layers-mock (granian, 1 process)", results["mock a"]))
        redis_port = free_port()
        redis_proc = subprocess.Popen([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no"], stdout=subprocess.DEVNULL)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        try:
            time.sleep(0.5)
            with mock(free_port(), "--store", redis_url, "--store-prefix", "bench1") as m:
                provision(m.url, enough, tmp / "r1.txt")
                say(row("Redis, layers-mock (granian, 1 process)", wrk(m.url, "rotate", 200, ids=tmp / "r1.txt", **load)))
            port = free_port()
            env = os.environ | {"LAYERS_MOCK_STORE": redis_url, "LAYERS_MOCK_STORE_PREFIX": "bench4"}
            g4 = Server("gunicorn", [str(BIN / "gunicorn"), "-w", "4", "-k", "gthread", "--threads", "4", "-b",
                                     f"127.0.0.1:{port}", "layers_mock.wsgi:app"], port, env=env)
            with g4:
                provision(g4.url, enough, tmp / "r4.txt")
                say(row("Redis, gunicorn -w 4 gthread", wrk(g4.url, "rotate", 200, ids=tmp / "r4.txt", **load)))
        finally:
            redis_proc.terminate()
        say()

    # --- Scale: latency and memory with 10 → 1M containers -----------------------------------------
    say("## Scale (in-memory store; GET of rotating existing ids)")
    say()
    say("| containers in the store | req/s | p50 ms | p99 ms | mock RSS | bytes per container |")
    say("|---:|---:|---:|---:|---:|---:|")
    scale: dict[int, dict] = {}
    for size in sorted({10, 100_000, big}):
        with mock(free_port(), "--fixtures", str(write_tiny_fixtures(tmp))) as m:
            before = m.rss_kib()
            provision(m.url, size, tmp / "scale.txt")
            requests.get(f"{m.url}/_mock/info")  # let the provisioning responses be freed
            after = m.rss_kib()
            scale[size] = wrk(m.url, "get", 200, ids=tmp / "scale.txt", **load)
        per = f"{(after - before) * 1024 / size:.0f}" if size >= 100_000 else ""
        say(f"| {size:,} | {scale[size]['rps']:,.0f} | {scale[size]['p50']:.2f} | {scale[size]['p99']:.2f} "
            f"| {after / 1024:.0f} MiB | {per} |")
    say()
    say(f"- p50 with {big:,} ÷ p50 with 10: **{scale[big]['p50'] / scale[10]['p50']:.2f}×**; "
        f"p99: **{scale[big]['p99'] / scale[10]['p99']:.2f}×**.")
    say()

    # --- The conformance suite's verdict time ------------------------------------------------------
    with mock(free_port()) as m:
        started = time.perf_counter()
        rc = subprocess.run([str(BIN / "layers-contract"), "run", "--url", m.url, "-q"], capture_output=True, text=True)
        seconds = time.perf_counter() - started
    say("## Conformance suite")
    say()
    say(f"`layers-contract run --url <mock>` at its default setting: **{seconds:.1f} s** wall, exit code {rc.returncode} "
        f"({rc.stdout.strip().splitlines()[-1] if rc.stdout.strip() else rc.stderr.strip()[-200:]}).")

    out = BENCH / "results" / f"{datetime.date.today()}-{socket.gethostname()}{'-quick' if args.quick else ''}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def write_tiny_fixtures(tmp: Path) -> Path:
    """Only the demo org's key and an empty project, so the scale runs measure containers alone."""
    path = tmp / "tiny.yaml"
    path.write_text(f"orgs:\n  - id: org_demo\n    keys: [{{key: {KEY}}}]\n    projects: [{{id: prj_demo}}]\n")
    return path


if __name__ == "__main__":
    sys.exit(main())
