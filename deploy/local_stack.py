"""The registry on one machine as it runs on a server: nginx caching in front of N `registry serve`
processes on PostgreSQL, and M `registry worker` processes taking audits off the queue.

nginx runs as a foreground child with its own prefix (configuration, pid file, temp folders,
cache, logs under ``--state-dir``), never as the system service. Every child gets its own process
group; stopping (Ctrl-C, SIGTERM, or leaving the ``with`` block) ends nginx, then the app
processes, then the workers, each with SIGTERM (SIGQUIT for nginx) and SIGKILL after a timeout.

Usage::

    deploy/run-local.sh --database-url postgresql+psycopg://registry@127.0.0.1:5432/registry
    python deploy/local_stack.py --apps 2 --workers 1 --port 8080 --state-dir data/stack

See docs/deploy.md. Tests drive :class:`LocalStack` directly (tests/deploy/test_nginx.py).
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
NGINX_DIR = Path(__file__).resolve().parent / "nginx"
# The registry's CLI, run with this interpreter (``registry`` is ``registry.cli:main``).
REGISTRY_CLI = [sys.executable, "-c", "from registry.cli import main; main()"]
HOW_TO_GET_NGINX = "install nginx (Debian/Ubuntu: apt-get install nginx) or pass --nginx PATH"
LOG_FORMAT = (
    'log_format registry \'$remote_addr [$time_local] "$request" $status '
    "$upstream_cache_status $request_time $upstream_addr';"
)


class StackError(RuntimeError):
    """The stack could not start (the message says which part and why)."""


def find_nginx(explicit: str | None = None) -> str | None:
    """The nginx binary: ``explicit``, then the PATH, then Debian's /usr/sbin/nginx."""
    for candidate in (explicit, shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, urllib.error.URLError):
        return None


@dataclass
class StackConfig:
    database_url: str
    state_dir: Path
    apps: int = 2
    workers: int = 1
    port: int = 8080  # nginx
    app_ports: list[int] = field(default_factory=list)  # default: free ports
    host: str = "127.0.0.1"
    env: dict[str, str] = field(default_factory=dict)  # REGISTRY_* for the app and the workers
    worker_threads: int = 1
    access_log: bool = False
    nginx: str | None = None
    start_timeout_s: float = 60.0
    stop_timeout_s: float = 20.0


@dataclass
class Child:
    name: str
    argv: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    _log_file: IO[bytes] | None = None

    def start(self, env: dict[str, str], cwd: Path) -> None:
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped together with its children
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: signal.Signals, timeout: float) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            try:
                os.kill(process.pid, sig)
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group this launcher created
                process.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        # Children of an app or worker left behind (a forkserver, an audit's budgeted process).
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


class LocalStack:
    """nginx + N app processes + M workers; ``with LocalStack(config) as stack: ...``."""

    def __init__(self, config: StackConfig) -> None:
        if config.apps < 1:
            raise StackError("--apps must be at least 1")
        if config.workers < 0:
            raise StackError("--workers must be 0 or more")
        nginx = find_nginx(config.nginx)
        if nginx is None:
            raise StackError(f"nginx not found: {HOW_TO_GET_NGINX}")
        self.nginx_binary = nginx
        self.config = config
        self.state_dir = config.state_dir.resolve()
        self.nginx_dir = self.state_dir / "nginx"
        self.cache_dir = self.nginx_dir / "cache"
        self.logs_dir = self.state_dir / "logs"
        ports = list(config.app_ports) or [free_port() for _ in range(config.apps)]
        if len(ports) != config.apps:
            raise StackError(f"{config.apps} app processes need {config.apps} ports, got {ports}")
        self.app_ports = ports
        self.apps = [
            Child(
                f"app-{n}",
                [*REGISTRY_CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
                self.logs_dir / f"app-{n}.log",
            )
            for n, port in enumerate(ports, start=1)
        ]
        self.workers = [
            Child(
                f"worker-{n}",
                [*REGISTRY_CLI, "worker", "--threads", str(config.worker_threads)],
                self.logs_dir / f"worker-{n}.log",
            )
            for n in range(1, config.workers + 1)
        ]
        conf = self.nginx_dir / "nginx.conf"
        self.error_log = self.nginx_dir / "error.log"
        self.nginx = Child(
            "nginx",
            [nginx, "-p", str(self.nginx_dir), "-c", str(conf), "-e", str(self.error_log)],
            self.logs_dir / "nginx.log",
        )

    @property
    def url(self) -> str:
        """nginx's address: what readers use."""
        return f"http://{self.config.host}:{self.config.port}"

    def app_url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.app_ports[n]}"

    # ---- environment and configuration

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        env.setdefault("REGISTRY_ENVIRONMENT", "development")
        env.setdefault("REGISTRY_BASE_URL", self.url)
        env.setdefault("REGISTRY_DATA_DIR", str(self.state_dir / "data"))
        env.update(self.config.env)
        env["REGISTRY_DATABASE_URL"] = self.config.database_url
        env["REGISTRY_AUDIT_WORKERS"] = "0"  # audits run in the worker processes only
        return env

    def write_nginx_config(self) -> Path:
        """Fill the two templates in deploy/nginx/ into the state folder; returns nginx.conf."""
        self.nginx_dir.mkdir(parents=True, exist_ok=True)
        (self.nginx_dir / "temp").mkdir(exist_ok=True)
        user = ""
        if os.geteuid() == 0:
            # nginx's workers drop root; they must reach the cache and temp folders.
            user = self._unprivileged_user()
        servers = "\n".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in self.app_ports
        )
        site = (NGINX_DIR / "registry.conf").read_text()
        site = (
            site.replace("@UPSTREAM_SERVERS@", servers)
            .replace("@CACHE_DIR@", str(self.cache_dir))
            .replace("@LISTEN@", f"{self.config.host}:{self.config.port}")
        )
        (self.nginx_dir / "registry.conf").write_text(site)
        access = (
            f"{self.logs_dir / 'nginx-access.log'} registry" if self.config.access_log else "off"
        )
        main = (NGINX_DIR / "nginx-local.conf").read_text()
        main = (
            main.replace("@USER@", user)
            .replace("@STATE_DIR@", str(self.nginx_dir))
            .replace("@ACCESS_LOG@", access)
            .replace("    access_log", f"    {LOG_FORMAT}\n    access_log", 1)
        )
        conf = self.nginx_dir / "nginx.conf"
        conf.write_text(main)
        return conf

    def _unprivileged_user(self) -> str:
        try:
            pwd.getpwnam("nobody")
            group = "nogroup"
            grp.getgrnam(group)
        except KeyError:
            group = "nobody"
        for folder in [self.nginx_dir, *self.nginx_dir.parents]:
            if folder.stat().st_mode & 0o001 == 0:
                if self.state_dir in [folder, *folder.parents]:
                    folder.chmod(folder.stat().st_mode | 0o711)
                    continue
                raise StackError(
                    f"nginx's workers run as nobody and cannot enter {folder}: put --state-dir "
                    "under a folder others may enter (e.g. /tmp or /srv), or run as a normal user"
                )
        return f"user nobody {group};"

    # ---- starting and stopping

    def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(exist_ok=True)
        env = self.child_env()
        Path(env["REGISTRY_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        upgrade = subprocess.run(
            [*REGISTRY_CLI, "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if upgrade.returncode != 0:
            raise StackError(f"registry db upgrade failed:\n{upgrade.stderr[-2000:]}")
        try:
            self.start_apps()
            for worker in self.workers:
                worker.start(env, ROOT)
            self.write_nginx_config()
            self.nginx.start(env, ROOT)
            self._wait_until(self.nginx, f"{self.url}/health")
        except BaseException:
            self.stop()
            raise

    def start_apps(self, which: list[int] | None = None) -> None:
        env = self.child_env()
        chosen = range(len(self.apps)) if which is None else which
        for n in chosen:
            if not self.apps[n].running:
                self.apps[n].start(env, ROOT)
        for n in chosen:
            self._wait_until(self.apps[n], f"{self.app_url(n)}/health")

    def stop_apps(self, which: list[int] | None = None) -> None:
        chosen = range(len(self.apps)) if which is None else which
        threads = [
            threading.Thread(
                target=self.apps[n].stop, args=(signal.SIGTERM, self.config.stop_timeout_s)
            )
            for n in chosen
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def stop(self) -> None:
        """nginx first (no new requests), then the app processes, then the workers."""
        self.nginx.stop(signal.SIGQUIT, self.config.stop_timeout_s)
        self.stop_apps()
        for worker in self.workers:
            worker.stop(signal.SIGTERM, self.config.stop_timeout_s)

    def _wait_until(self, child: Child, url: str) -> None:
        deadline = time.monotonic() + self.config.start_timeout_s
        while time.monotonic() < deadline:
            if not child.running:
                raise StackError(f"{child.name} exited at start; its log ends:\n{child.log_tail()}")
            if _get_status(url) == 200:
                return
            time.sleep(0.1)
        raise StackError(
            f"{child.name} did not answer {url} within {self.config.start_timeout_s:.0f} s; "
            f"its log ends:\n{child.log_tail()}"
        )

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("REGISTRY_DATABASE_URL"),
        help="PostgreSQL URL (default: REGISTRY_DATABASE_URL)",
    )
    parser.add_argument("--apps", type=int, default=2, help="registry serve processes")
    parser.add_argument("--workers", type=int, default=1, help="registry worker processes")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port")
    parser.add_argument("--host", default="127.0.0.1", help="nginx's interface")
    parser.add_argument(
        "--app-ports", default="", help="comma-separated ports of the app processes (default: free)"
    )
    parser.add_argument("--state-dir", type=Path, default=Path("data/local-stack"))
    parser.add_argument("--access-log", action="store_true", help="nginx access log in logs/")
    parser.add_argument("--nginx", default=None, help="nginx binary (default: from the PATH)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set --database-url or REGISTRY_DATABASE_URL (a PostgreSQL URL)")
    if not args.database_url.startswith("postgresql"):
        parser.error(
            f"--database-url must be PostgreSQL (postgresql+psycopg://...), not "
            f"{args.database_url.split(':', 1)[0]}: several processes share one database"
        )
    try:
        app_ports = [int(p) for p in args.app_ports.split(",") if p.strip()]
    except ValueError:
        parser.error(f"--app-ports: expected comma-separated port numbers, got {args.app_ports!r}")
    config = StackConfig(
        database_url=args.database_url,
        state_dir=args.state_dir,
        apps=args.apps,
        workers=args.workers,
        worker_threads=args.worker_threads,
        port=args.port,
        host=args.host,
        app_ports=app_ports,
        access_log=args.access_log,
        nginx=args.nginx,
    )
    stopping = threading.Event()

    def _stop(*_args: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        stack = LocalStack(config)
        stack.start()
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"registry through nginx: {stack.url}/  (Ctrl-C stops everything)")
    for n, app in enumerate(stack.apps):
        print(f"  {app.name}: {stack.app_url(n)} (pid {app.process.pid if app.process else '?'})")
    for worker in stack.workers:
        print(f"  {worker.name}: pid {worker.process.pid if worker.process else '?'}")
    print(f"  logs: {stack.logs_dir}  cache: {stack.cache_dir}")
    try:
        while not stopping.wait(1.0):
            for child in [stack.nginx, *stack.workers]:
                if not child.running:
                    tail = child.log_tail()
                    print(f"{child.name} exited; its log ends:\n{tail}", file=sys.stderr)
                    stopping.set()
    finally:
        print("stopping nginx, the app processes and the workers...")
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
