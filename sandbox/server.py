"""The local AWS of the sandbox: moto's server with the project's extensions, on 127.0.0.1.

    python -m sandbox.server serve  [--host H] [--port N]      run in the foreground (Ctrl-C stops it)
    python -m sandbox.server start  [--port N] [--state-dir D] start in the background, return once it answers
    python -m sandbox.server stop   [--port N] [--state-dir D]
    python -m sandbox.server status [--port N] [--state-dir D]

scripts/sandbox.sh wraps start/stop/status with the state directory .state/sandbox/ (a pid file and a log
per port). The extensions (sandbox.accounts and the per-service packages sandbox.backup,
sandbox.cloudformation, sandbox.cognito, ...) are imported and installed in the server process before moto's
server starts: moto builds each service's routes on the service's first request and never again.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

# The folder holding the sandbox package: the server process runs this same code, so it is put on that
# process's path (where the code sits, never where the user's project is).
CODE_DIR = Path(__file__).resolve().parents[1]
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def default_state_dir() -> Path:
    """``.state/sandbox`` of the project directory (``--project-dir``, ``RETENTION_PROJECT_DIR`` or the current
    folder: ``audit.project``)."""
    from audit.project import project_dir

    return project_dir() / ".state" / "sandbox"


def load_extensions() -> None:
    """Install every extension of the sandbox into moto (idempotent)."""
    from sandbox import accounts, job_runner, recovery_point_reader, restore_test_runner
    from sandbox.awslambda import models as awslambda_models
    from sandbox.backup import urls as backup_urls
    from sandbox.cloudformation import registry as cloudformation_registry
    from sandbox.cognito import urls as cognito_urls
    from sandbox.events import responses as events_responses
    from sandbox.s3 import models as s3_models

    accounts.install()
    backup_urls.install()  # backups, restores, restore testing
    cloudformation_registry.install()
    cognito_urls.install()
    events_responses.install()
    s3_models.install()
    awslambda_models.install()
    job_runner.install_route()
    restore_test_runner.install()  # restore testing plans run on a POST route beside the backup runner's
    recovery_point_reader.install_route()  # retention drill's reference (sandbox only)


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port nothing listens on now (for tests and benchmarks that start their own sandbox)."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def isolated_environ(scratch: Path) -> dict[str, str]:
    """The environment for subprocesses that talk to a sandbox: no AWS variable of the caller and no
    ~/.aws (an empty config in ``scratch``), so nothing can reach a real account by accident."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "MOTO_ACCOUNT_ID"}
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "empty-aws-config").write_text("")
    env.update({"AWS_CONFIG_FILE": str(scratch / "empty-aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "empty-aws-config"),
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": ""})
    if "AWS_CA_BUNDLE" in os.environ:
        env["AWS_CA_BUNDLE"] = os.environ["AWS_CA_BUNDLE"]
    return env


def endpoint_url(port: int, host: str = DEFAULT_HOST) -> str:
    return f"http://{host}:{port}"


def answers(url: str, timeout: float = 1.0) -> bool:
    """Whether a moto server answers at url (its lightweight /moto-api/config endpoint)."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/config", timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def serve(host: str, port: int) -> int:
    # MOTO_ACCOUNT_ID would pin every request to one account; the sandbox selects accounts by access key.
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    os.environ.setdefault("MOTO_PORT", str(port))
    # AWS's managed policies exist in every account, as in AWS (ManagedPolicyArns of the templates attach them).
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    load_extensions()
    import logging

    from moto.server import ThreadedMotoServer

    # One access-log line per request would grow the log without bound; warnings and errors remain.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    print(f"compact-retention sandbox: moto with extensions at {endpoint_url(port, host)}", flush=True)
    stopping.wait()
    server.stop()
    # Everything lives in memory and is meant to go: skip the interpreter's slow teardown of moto's state.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _pid_file(state_dir: Path, port: int) -> Path:
    return state_dir / f"server-{port}.pid"


def _log_file(state_dir: Path, port: int) -> Path:
    return state_dir / f"server-{port}.log"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited:
            return False
    except ChildProcessError:
        pass
    try:  # so does any zombie: its parent (often init, after `start` returned) reaps it when it gets to it
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_ours(pid: int) -> bool:
    """The pid runs sandbox.server (a stale pid file may name an unrelated process by now)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return _alive(pid)
    return "sandbox.server" in cmdline


def _read_pid(state_dir: Path, port: int) -> int | None:
    try:
        return int(_pid_file(state_dir, port).read_text().strip())
    except (OSError, ValueError):
        return None


def status(port: int = DEFAULT_PORT, state_dir: Path | None = None) -> tuple[bool, int | None, str]:
    """(running, pid, endpoint url) of the sandbox started with this state directory on this port."""
    state_dir = state_dir or default_state_dir()
    url = endpoint_url(port)
    pid = _read_pid(state_dir, port)
    running = pid is not None and _alive(pid) and _is_ours(pid) and answers(url)
    return running, pid, url


def start(port: int = DEFAULT_PORT, state_dir: Path | None = None, timeout: float = 60.0) -> str:
    """Start the server in the background (or find it running); return its URL once it answers."""
    state_dir = state_dir or default_state_dir()
    state_dir.mkdir(parents=True, exist_ok=True)
    running, pid, url = status(port, state_dir)
    if running:
        return url
    if answers(url):
        raise RuntimeError(f"port {port} already answers as a moto server that this sandbox did not start "
                           f"(no live pid file in {state_dir}); stop it or choose another --port")
    log = _log_file(state_dir, port)
    env = dict(os.environ)
    env.pop("MOTO_ACCOUNT_ID", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CODE_DIR), env.get("PYTHONPATH", "")]))
    with open(log, "wb") as log_handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.server", "serve", "--host", DEFAULT_HOST, "--port", str(port)],
            cwd=state_dir, env=env, stdin=subprocess.DEVNULL, stdout=log_handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _pid_file(state_dir, port).write_text(f"{process.pid}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _pid_file(state_dir, port).unlink(missing_ok=True)
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the sandbox server exited with status {process.returncode}:\n{tail}")
        if answers(url, timeout=0.5):
            return url
        time.sleep(0.1)
    stop(port, state_dir)
    raise RuntimeError(f"the sandbox server did not answer at {url} within {timeout:.0f} s (log: {log})")


def stop(port: int = DEFAULT_PORT, state_dir: Path | None = None, timeout: float = 10.0) -> bool:
    """Stop the server this state directory started on this port; False if none was running."""
    state_dir = state_dir or default_state_dir()
    pid = _read_pid(state_dir, port)
    pid_file = _pid_file(state_dir, port)
    if pid is None or not _alive(pid) or not _is_ours(pid):
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["serve", "start", "stop", "status"])
    parser.add_argument("--host", default=DEFAULT_HOST, help="serve only (start always binds 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--state-dir", type=Path, default=None, help="default: .state/sandbox of the project directory")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port)
    if args.command == "start":
        try:
            url = start(args.port, args.state_dir)
        except RuntimeError as error:
            print(f"sandbox: {error}", file=sys.stderr)
            return 1
        print(url)
        return 0
    if args.command == "stop":
        stopped = stop(args.port, args.state_dir)
        print(f"sandbox on port {args.port}: {'stopped' if stopped else 'was not running'}", file=sys.stderr)
        return 0
    running, pid, url = status(args.port, args.state_dir)
    if running:
        print(f"sandbox running at {url} (pid {pid})")
        return 0
    print(f"sandbox not running on port {args.port}")
    return 3


if __name__ == "__main__":
    sys.exit(main())
