"""`layers-mock`: serve the mock on a production WSGI server and print what to call it with."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import waitress
from flask import Flask
from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels

from .app import create_app
from .settings import Settings
from .spec import SpecError
from .store import StoreUnavailable


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="layers-mock", description="A stateful stand-in for the Layers Partner API reject endpoint.")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    p.add_argument("--port", type=int, default=8080, help="port (default: %(default)s; 0 picks a free one)")
    p.add_argument("--server", choices=["granian", "waitress"], default="granian",
                   help="WSGI server (default: granian, the fastest measured; see bench/)")
    p.add_argument("--threads", type=int, default=1,
                   help="Python threads serving requests (default: 1, fastest under the GIL; raise it when injecting latency)")
    p.add_argument("--fixtures", type=Path, help="YAML fixtures file to load instead of the demo data")
    p.add_argument("--settings", type=Path, help="YAML file of settings (see README); flags override it")
    p.add_argument("--revision", choices=["older", "newer"], help="which Layers doc revision to behave like (default: older)")
    p.add_argument("--bearer-only", action="store_true", default=None, help="refuse X-Api-Key; accept Authorization: Bearer only")
    p.add_argument("--validation-code", choices=["VALIDATION_FAILED", "VALIDATION"], help="error code for validation failures")
    p.add_argument("--validation-status", type=int, choices=[400, 422], help="HTTP status for validation failures")
    p.add_argument("--rate-limit", type=int, dest="write_light_per_minute", metavar="N",
                   help="write-light calls per minute per key (Layers' standard tier: 60); off by default")
    p.add_argument("--store", help="where state lives: memory (default) or redis://host:port/db")
    p.add_argument("--store-prefix", help="namespace of the mock's Redis keys (default: layers-mock)")
    p.add_argument("--no-admin", dest="admin_api", action="store_false", default=None, help="do not serve the /_mock provisioning API")
    p.add_argument("--no-hot-path", dest="hot_path", action="store_false", default=None,
                   help="send every request through Flask's request cycle (slower; to compare, or to debug)")
    p.add_argument("--quiet", action="store_true", help="no banner")
    return p.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    names = ("revision", "bearer_only", "validation_code", "validation_status", "write_light_per_minute",
             "store", "store_prefix", "admin_api", "hot_path", "fixtures")
    overrides = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if args.settings:
        return Settings.from_file(args.settings, **overrides)
    return Settings.for_revision(overrides.pop("revision", "older"), **overrides)


def banner(base_url: str, loaded: dict[str, Any]) -> str:
    lines = [f"layers-mock serving the Layers Partner API on {base_url}", ""]
    for org in loaded["orgs"]:
        lines.append(f"Organisation {org['id']} ({org['name']})")
        lines += [f"  key  {k['key']}  {k['name'] or ', '.join(k['scopes'])}" for k in org["keys"]]
        for project in org["projects"]:
            for c in project["containers"]:
                label = c["name"] or f"{c['status']}/{c['approvalStatus']}"
                lines.append(f"  container  {c['id']}  {label}  [{project['id']}]")
        lines.append("")
    example = _curl_example(base_url, loaded)
    if example:
        lines += ["Reject one:", example, ""]
    lines.append(f"Provisioning API: {base_url}/_mock/info   (reset: curl -X POST {base_url}/_mock/reset)")
    return "\n".join(lines)


def _curl_example(base_url: str, loaded: dict[str, Any]) -> str | None:
    for org in loaded["orgs"]:
        key = next((k["key"] for k in org["keys"] if "content:approve" in k["scopes"] and not k["revoked"]), None)
        pending = next((c["id"] for p in org["projects"] for c in p["containers"]
                        if c["approvalStatus"] == "pending" and c["status"] == "completed"), None)
        if key and pending:
            return (f"  curl -X POST {base_url}/v1/content/{pending}/reject \\\n"
                    f"    -H \"X-Api-Key: {key}\" \\\n"
                    f"    -H \"Content-Type: application/json\" \\\n"
                    f"    -d '{{ \"reason\": \"Hook is off-brand; want something punchier.\" }}'")
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(settings_from(args))
    except (SpecError, StoreUnavailable, ValueError, OSError) as exc:
        print(f"layers-mock: cannot start: {exc}", file=sys.stderr)
        return 2
    port = args.port or free_port(args.host)
    base_url = f"http://{args.host}:{port}"
    state = app.extensions["layers_mock"]

    def announce() -> None:  # called once the port is bound, so a reader can connect at once
        if args.quiet:
            print(f"layers-mock serving on {base_url}", flush=True)
        elif state.loaded:
            print(banner(base_url, state.loaded), flush=True)
        else:
            print(f"layers-mock serving on {base_url}, on the state already in {state.settings.store}", flush=True)

    try:
        serve(app, args.server, args.host, port, args.threads, announce)
    except KeyboardInterrupt:
        pass
    return 0


def serve(app: Flask, server: str, host: str, port: int, threads: int, on_ready: Callable[[], None]) -> None:
    """One process, so the in-memory store is one state; granian's HTTP handling runs outside the GIL."""
    if server == "waitress":
        listener = waitress.create_server(app, host=host, port=port, threads=threads, ident="layers-mock",
                                          clear_untrusted_proxy_headers=True)
        on_ready()
        listener.run()
        return

    def load(target: str) -> Flask:
        # Runs in granian's worker, forked from this process: the worker inherits the app, and its
        # store, as built here. It starts listening only after this returns, hence the watcher.
        threading.Thread(target=_when_listening, args=(host, port, on_ready), daemon=True).start()
        return app

    Granian("layers_mock:create_app", address=host, port=port, interface=Interfaces.WSGI, workers=1,
            blocking_threads=threads, log_level=LogLevels.error,
            workers_kill_timeout=5).serve(target_loader=load)  # a stop never hangs on a lingering connection


def _when_listening(host: str, port: int, then: Callable[[], None]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.02)
    then()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for --port 0, tests and the bench)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]

if __name__ == "__main__":
    sys.exit(main())
