"""The JavaScript clients in tests/js (graphql-ws, Apollo Client, Chromium driven by playwright-core), run by e2e tests.

Their packages are pinned by tests/js/package-lock.json; `npm ci` installs them, as `.ci/run` does, the
first time a test needs them and again when the lock is newer than the install (once, however many pytest
workers ask at the same time; every test that needs tests/js goes through install()). Each script reports
what it receives as JSON lines on stdout. A missing Node.js or Chromium skips the
tests that need it on a developer's machine, and fails them when `CI` is set: CI must run them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent / "js"
CHROMIUM = os.environ.get("SALESFLOW_CHROMIUM", "/usr/bin/chromium")
INSTALL_SECONDS = 600
NODE_MAJOR = 20


def missing(reason: str):
    """Skip, on a developer's machine; fail, in CI (where the clients must be tested)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def install() -> str:
    """Node's path, with tests/js/node_modules installed by `npm ci` if it is missing or older than the lock."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing("Node.js is not installed (node and npm; Debian: apt-get install nodejs npm)")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    if int(version.lstrip("v").split(".")[0] or 0) < NODE_MAJOR:  # playwright-core and graphql-ws need it
        missing(f"Node.js {NODE_MAJOR} or newer is needed, {node} is {version.strip()}")
    lock_path = Path(tempfile.gettempdir()) / f"salesflow-npm-ci-{hashlib.sha256(bytes(JS)).hexdigest()[:12]}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers: one installs, the others wait for it
        installed = JS / "node_modules" / ".package-lock.json"  # npm writes it when an install completes
        if not installed.exists() or installed.stat().st_mtime < (JS / "package-lock.json").stat().st_mtime:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=JS,
                capture_output=True,
                text=True,
                timeout=INSTALL_SECONDS,
                check=False,
            )
            assert done.returncode == 0, f"npm ci in {JS} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return node


def chromium() -> str:
    """The Chromium executable playwright-core drives (Debian's package, not a browser download)."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)")
    return CHROMIUM


DRIVER_SECONDS = 120  # one browser task of a driver script, Chromium's start included


def driver(script: str):
    """run(**task) -> the JSON report tests/js/<script> prints last, driving Debian's Chromium under Node."""
    node, browser = install(), chromium()

    def run(**task) -> dict:
        done = subprocess.run(
            [node, script, json.dumps(task)],
            cwd=JS,
            capture_output=True,
            text=True,
            timeout=DRIVER_SECONDS,
            env={**os.environ, "CHROMIUM": browser},
            check=False,
        )
        try:
            return json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            raise AssertionError(
                f"the driver printed no report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
            ) from None

    return run


class NodeClient:
    """One script of tests/js running under Node; `messages` is everything it has reported so far."""

    def __init__(self, node: str, script: str, env: dict[str, str], log: Path):
        self.script, self.log = script, log
        self.messages: list[dict] = []
        self._inbox: queue.Queue = queue.Queue()
        with open(log, "wb") as err:
            self.process = subprocess.Popen(
                [node, str(JS / script)],
                cwd=JS,
                env={**os.environ, **env},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,
            )  # its group: Node and the browser it runs
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                message = {"output": line.decode(errors="replace").rstrip()}
            self._inbox.put(message)
        self._inbox.put({"exited": self.process.wait()})

    def next(self, timeout: float) -> dict | None:
        """The next report, or None if none comes within timeout; an error or an exit fails the test."""
        try:
            message = self._inbox.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None
        self.messages.append(message)
        if "error" in message or "exited" in message:
            raise AssertionError(f"{self.script}: {message}\n{self.output()}")
        return message

    def wait_for(self, predicate, timeout: float) -> dict | None:
        """The first event (a `documentEvents` payload) matching predicate within timeout, or None."""
        message = self.wait_for_report(lambda m: "event" in m and predicate(m["event"]), timeout)
        return message["event"] if message is not None else None

    def wait_for_report(self, predicate, timeout: float) -> dict | None:
        """The first report matching predicate within timeout, or None."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.next(remaining)
            if message is not None and predicate(message):
                return message
        return None

    @property
    def events(self) -> list[dict]:
        return [m["event"] for m in self.messages if "event" in m]

    def output(self) -> str:
        return f"--- reported ---\n{self.messages}\n--- stderr ---\n{self.log.read_text(errors='replace')[-4000:]}"

    def close(self) -> None:
        """Close its stdin (the scripts leave on that), then make sure nothing of it is left running."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # whatever outlived it (a browser it launched)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=5)
