"""A worker of the mutation run: one per copy of the working tree, forking a fresh pytest per mutant.

Starting pytest costs more than most mutants' tests (its plugins, hypothesis, boto3: about 1.5 s of the 2.5 s
a mutant took). This process imports those once, with the copy first on ``sys.path``, but never the
project's own modules; for each mutant it forks a child that runs ``pytest.main`` and so imports the project
(the mutated file included) afresh. The process is single-threaded, so the fork is safe; the driver's threads
only talk to it through pipes, one JSON line per job and per answer.

Job: {"args": [...pytest arguments], "env": {...}, "timeout": seconds, "log": path}
Answer: {"rc": exit code or null, "timed_out": bool}
"""
from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time

PRELOAD = ("pytest", "_pytest.python", "hypothesis", "_hypothesis_pytestplugin", "boto3", "botocore.session",
           "botocore.loaders", "yaml", "jinja2", "jsonschema", "coverage", "bench.mutation.pytest_plugin")


def _preload() -> None:
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    leaked = sorted(n for n in sys.modules if n.split(".")[0] in ("audit", "steps", "exporter", "sandbox", "tests"))
    if leaked:
        raise SystemExit(f"mutation server: the preload imported project modules {leaked[:5]}; a mutant would not be seen")


def _child(job: dict) -> None:
    os.setsid()
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.clear()
    os.environ.update(job["env"])
    import pytest

    try:
        code = int(pytest.main(job["args"]))
    except BaseException:  # noqa: B036 - anything escaping pytest is a kill, and the child must never return
        code = 99
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _wait(pid: int, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return {"rc": os.waitstatus_to_exitcode(status), "timed_out": False}
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return {"rc": None, "timed_out": True}
        time.sleep(0.01)


def main() -> None:
    _preload()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(job)
        print(json.dumps(_wait(pid, float(job["timeout"]))), flush=True)


if __name__ == "__main__":
    main()
