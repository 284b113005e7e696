"""The production topology on one machine, with real processes: `make prod-up` / `make prod-down`.

PostgreSQL (tracker store), Redis (lock store), two action servers, two Rasa servers, the widget
server (when `widget/server.py` exists) and nginx in front on port 8000: REST (`/webhooks/`) to the
least busy Rasa server, socket.io (`/socket.io/`) sticky by client address, the action servers behind
a second, internal nginx port. Each service is a private instance under one state directory (`var/prod/` for
`make prod-up`, a temporary one in the tests) with its generated config, pid file and log.

    python -m deploy.local up|down|status [--root var/prod]
    python -m deploy.local compose-nginx-conf   # writes deploy/nginx/nginx.conf for Docker Compose

`up` is idempotent (running services are kept) and returns when every service answers.
The tests (`tests/prod/`) and the benchmark (`benchmarks/prod.py`) use `Topology` directly.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MODEL = PROJECT_ROOT / "models" / "leaky-gut-assistant.tar.gz"
PYTHON = sys.executable
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}
DB_NAME = "rasa"
DB_USER = "rasa"
RASA_START_TIMEOUT = 300.0
COMPOSE_NGINX_CONF = PROJECT_ROOT / "deploy" / "nginx" / "nginx.conf"


class TopologyError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=3).status_code == 200
    except requests.RequestException:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    # An exited process whose parent has not collected it yet (e.g. an orphan of `make prod-up`).
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def postgres_bin() -> Path:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    if not versions:
        raise TopologyError("PostgreSQL is not installed: run scripts/prod/install-deps.sh (make prod-deps).")
    return versions[-1].parent


def nginx_bin() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise TopologyError("nginx is not installed: run scripts/prod/install-deps.sh (make prod-deps).")
    return found


def redis_bin() -> str:
    found = shutil.which("redis-server")
    if not found:
        raise TopologyError(
            "redis-server is not installed: run scripts/prod/install-deps.sh (make prod-deps)."
        )
    return found


@dataclass
class Ports:
    nginx: int = 8000
    actions_lb: int = 8001
    postgres: int = 8432
    redis: int = 8379
    widget: int = 8002
    rasa: List[int] = field(default_factory=lambda: [8010, 8011])
    actions: List[int] = field(default_factory=lambda: [8020, 8021])
    review: int = 8004  # the staff review page itself
    review_front: int = 8081  # nginx's port for it (the practice's internal network)

    @classmethod
    def free(cls, rasa_servers: int = 2, action_servers: int = 2) -> "Ports":
        return cls(
            free_port(),
            free_port(),
            free_port(),
            free_port(),
            free_port(),
            [free_port() for _ in range(rasa_servers)],
            [free_port() for _ in range(action_servers)],
            free_port(),
            free_port(),
        )


@dataclass
class Service:
    """One background process with its pid file and log under the state directory."""

    name: str
    args: List[str]
    root: Path
    is_ready: Callable[[], bool]
    env: Callable[[], Dict[str, str]] = dict  # evaluated at start (reads the generated passwords)
    user: Optional[str] = None  # run as this user (PostgreSQL refuses to run as root)
    stop_signal: int = signal.SIGTERM
    prepare: Optional[Callable[[], object]] = None  # writes the generated config, just before starting

    @property
    def pid_file(self) -> Path:
        return self.root / "pids" / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "logs" / f"{self.name}.log"

    def pid(self) -> Optional[int]:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    @property
    def running(self) -> bool:
        return self.pid() is not None

    def start(self) -> None:
        if self.running:
            return
        if self.prepare:
            self.prepare()
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        args = (["runuser", "-u", self.user, "--"] if self.user else []) + self.args
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                args,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **QUIET_ENV, **self.env()},
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))

    def stop(self, timeout: float = 30) -> None:
        pid = self.send_stop()
        if pid is not None:
            self.wait_stopped(pid, timeout)

    def kill(self) -> None:
        """Ends the service as a crash would (SIGKILL to its process group): it cleans nothing up."""
        pid = self.pid()
        if pid is not None:
            _signal_group(pid, signal.SIGKILL)
            self.wait_stopped(pid, timeout=10)

    def send_stop(self) -> Optional[int]:
        pid = self.pid()
        if pid is not None:
            _signal_group(pid, self.stop_signal)
        return pid

    def wait_stopped(self, pid: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.1)
        if _pid_alive(pid):
            _signal_group(pid, signal.SIGKILL)
            _reap(pid)
        self.pid_file.unlink(missing_ok=True)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise TopologyError(f"{self.name} exited; its log ({self.log_file}) ends:\n{self.log_tail()}")
            if self.is_ready():
                return
            time.sleep(0.3)
        raise TopologyError(f"{self.name} not ready after {timeout:.0f}s; its log ends:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_file.read_text(errors="replace")[-chars:] if self.log_file.exists() else ""


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _reap(pid: int) -> None:
    # Our own children (tests, benchmark) become zombies until waited for.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


@dataclass
class Topology:
    root: Path
    ports: Ports = field(default_factory=Ports)
    model: Path = MODEL
    sanic_workers: int = 1
    with_widget: bool = True
    # The staff review page starts only with a staff password (review/access.py): set STAFF_PASSWORD.
    staff_password: Optional[str] = field(default_factory=lambda: os.environ.get("STAFF_PASSWORD") or None)

    @property
    def with_review(self) -> bool:
        return bool(self.staff_password)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self._postgres_user = "postgres" if os.geteuid() == 0 else None

    # --- secrets and settings -------------------------------------------------------------------

    def _secret(self, name: str) -> str:
        path = self.root / "secrets" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.parent.chmod(0o700)
            path.write_text(secrets.token_urlsafe(24))
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.nginx}"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports.rasa[index]}"

    def rasa_env(self) -> Dict[str, str]:
        """The environment variables endpoints.yml reads (the same names as in deploy/docker-compose.yml)."""
        return {
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.ports.actions_lb}/webhook",
            "TRACKER_STORE": "sql",
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(self.ports.postgres),
            "DB_NAME": DB_NAME,
            "DB_USER": DB_USER,
            "DB_PASSWORD": self._secret("db_password"),
            "LOCK_STORE": "redis",
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(self.ports.redis),
            "REDIS_DB": "1",
            "REDIS_PASSWORD": self._secret("redis_password"),
            "SANIC_WORKERS": str(self.sanic_workers),
            # the widget's page is served through nginx: its origin may open socket.io connections
            "WIDGET_ALLOWED_ORIGINS": f"http://localhost:{self.ports.nginx},{self.url}",
        }

    def db_connection_url(self) -> str:
        return (
            f"postgresql://{DB_USER}:{self._secret('db_password')}@127.0.0.1:{self.ports.postgres}/{DB_NAME}"
        )

    # --- services -------------------------------------------------------------------------------

    @property
    def pg_data(self) -> Path:
        return self.root / "postgres" / "data"

    @property
    def pg_socket_dir(self) -> Path:
        return self.root / "postgres" / "run"

    def postgres(self) -> Service:
        args = [
            str(postgres_bin() / "postgres"),
            "-D",
            str(self.pg_data),
            "-p",
            str(self.ports.postgres),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={self.pg_socket_dir}",
            "-c",
            "max_connections=200",
        ]
        # SIGINT: PostgreSQL's "fast" shutdown (SIGTERM would wait for every client to disconnect).
        return Service(
            "postgres",
            args,
            self.root,
            lambda: self._postgres_accepts(),
            user=self._postgres_user,
            stop_signal=signal.SIGINT,
        )

    def redis(self) -> Service:
        return Service(
            "redis",
            [redis_bin(), str(self._redis_config)],
            self.root,
            self._redis_ping,
            prepare=self._write_redis_config,
        )

    def action_server(self, index: int) -> Service:
        port = self.ports.actions[index]
        return Service(
            f"actions-{index + 1}",
            [PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
            self.root,
            lambda: _http_ok(f"http://127.0.0.1:{port}/health"),
        )

    def rasa_server(self, index: int) -> Service:
        port = self.ports.rasa[index]
        args = [
            PYTHON,
            "-m",
            "addons.rasa_main",
            "run",
            "--model",
            str(self.model),
            "--port",
            str(port),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ]
        return Service(
            f"rasa-{index + 1}",
            args,
            self.root,
            lambda: _http_ok(f"{self.rasa_url(index)}/webhooks/rest/"),
            env=self.rasa_env,
        )

    def widget(self) -> Optional[Service]:
        if not self.with_widget or not (PROJECT_ROOT / "widget" / "server.py").exists():
            return None
        port = self.ports.widget
        return Service(
            "widget",
            [PYTHON, "-m", "widget.server", "--port", str(port), "--rasa-url", self.url],
            self.root,
            lambda: _port_open(port),
        )

    def review(self) -> Optional[Service]:
        """The staff review page on the same tracker store, behind nginx's review port; it activates
        models in the project's models/, which the Rasa servers watch (addons/model_reload.py)."""
        if not self.with_review:
            return None
        port = self.ports.review
        return Service(
            "review",
            [PYTHON, "-m", "review.server", "--port", str(port)],
            self.root,
            lambda: _port_open(port),
            # Sanic takes the client address from nginx's X-Forwarded-For (one proxy in front).
            env=lambda: {
                **self.rasa_env(),
                "STAFF_PASSWORD": self.staff_password or "",
                "SANIC_PROXIES_COUNT": "1",
            },
        )

    def nginx(self) -> Service:
        prefix = self.root / "nginx"
        args = [
            nginx_bin(),
            "-p",
            str(prefix),
            "-c",
            str(self._nginx_config),
            "-e",
            str(prefix / "logs" / "error.log"),
            "-g",
            "daemon off;",
        ]
        return Service(
            "nginx",
            args,
            self.root,
            lambda: _http_ok(f"{self.url}/webhooks/rest/"),
            prepare=self._write_nginx_config,
        )

    def services(self) -> List[Service]:
        """Every service, in start order."""
        found = [self.postgres(), self.redis()]
        found += [self.action_server(i) for i in range(len(self.ports.actions))]
        found += [self.rasa_server(i) for i in range(len(self.ports.rasa))]
        optional = [service for service in (self.widget(), self.review()) if service is not None]
        return found + optional + [self.nginx()]

    # --- up and down ----------------------------------------------------------------------------

    def up(self, timeout: float = RASA_START_TIMEOUT) -> "Topology":
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.model.exists():
            raise TopologyError(f"No trained model at {self.model}: run `make train` first.")
        self._init_postgres()
        self.start_and_wait(self.postgres(), 60)
        self._create_database()
        self.start_and_wait(self.redis(), 30)
        backends = [self.action_server(i) for i in range(len(self.ports.actions))]
        backends += [self.rasa_server(i) for i in range(len(self.ports.rasa))]
        backends += [service for service in (self.widget(), self.review()) if service is not None]
        for service in backends:  # Rasa servers load their models in parallel
            service.start()
        for service in backends:
            service.wait_ready(timeout)
        self.start_and_wait(self.nginx(), 30)
        return self

    def down(self) -> None:
        """Stops nginx first, then the servers (together), then the stores."""
        services = {service.name: service for service in self.services()}
        stores = [services.pop("postgres"), services.pop("redis")]
        front = [services.pop("nginx")]
        for tier in (front, list(services.values()), stores):
            signalled = [(service, service.send_stop()) for service in tier]
            for service, pid in signalled:
                if pid is not None:
                    service.wait_stopped(pid, timeout=60 if service.name == "postgres" else 30)
                service.pid_file.unlink(missing_ok=True)

    @staticmethod
    def start_and_wait(service: Service, timeout: float) -> None:
        service.start()
        service.wait_ready(timeout)

    def status(self) -> Dict[str, str]:
        return {s.name: (f"running (pid {s.pid()})" if s.running else "stopped") for s in self.services()}

    # --- PostgreSQL -----------------------------------------------------------------------------

    def _chown_to_postgres(self, path: Path) -> None:
        if self._postgres_user:
            entry = pwd.getpwnam(self._postgres_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _init_postgres(self) -> None:
        if (self.pg_data / "PG_VERSION").exists():
            return
        for directory in (self.root / "postgres", self.pg_data, self.pg_socket_dir):
            directory.mkdir(parents=True, exist_ok=True)
            self._chown_to_postgres(directory)
        self.pg_data.chmod(0o700)
        self._check_reachable_by_postgres()
        prefix = ["runuser", "-u", self._postgres_user, "--"] if self._postgres_user else []
        # Local socket: only the postgres OS user (peer); TCP: password (scram) for the role `rasa`.
        result = subprocess.run(
            prefix
            + [
                str(postgres_bin() / "initdb"),
                "-D",
                str(self.pg_data),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise TopologyError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def _check_reachable_by_postgres(self) -> None:
        if not self._postgres_user:
            return
        probe = subprocess.run(["runuser", "-u", self._postgres_user, "--", "test", "-w", str(self.pg_data)])
        if probe.returncode != 0:
            raise TopologyError(
                f"The postgres user cannot reach {self.pg_data}: every parent folder must be "
                "searchable by others (chmod o+x)."
            )

    def _psql(self, sql: str, database: str = "postgres") -> str:
        prefix = ["runuser", "-u", self._postgres_user, "--"] if self._postgres_user else []
        result = subprocess.run(
            prefix
            + [
                str(postgres_bin() / "psql"),
                "-h",
                str(self.pg_socket_dir),
                "-p",
                str(self.ports.postgres),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-tAc",
                sql,
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise TopologyError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def _postgres_accepts(self) -> bool:
        result = subprocess.run(
            [str(postgres_bin() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.ports.postgres)]
        )
        return result.returncode == 0

    def _create_database(self) -> None:
        password = self._secret("db_password").replace("'", "''")
        if self._psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{DB_USER}'") != "1":
            self._psql(f"CREATE ROLE {DB_USER} LOGIN PASSWORD '{password}'")
        if self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") != "1":
            self._psql(f"CREATE DATABASE {DB_NAME} OWNER {DB_USER}")

    # --- Redis ----------------------------------------------------------------------------------

    @property
    def _redis_config(self) -> Path:
        return self.root / "redis" / "redis.conf"

    def _write_redis_config(self) -> Path:
        directory = self._redis_config.parent
        directory.mkdir(parents=True, exist_ok=True)
        config = self._redis_config
        # Locks live for seconds: no persistence. Only loopback, with a password.
        config.write_text(
            "\n".join(
                [
                    f"port {self.ports.redis}",
                    "bind 127.0.0.1",
                    "protected-mode yes",
                    "daemonize no",
                    f"dir {directory}",
                    'save ""',
                    "appendonly no",
                    "loglevel notice",
                    'logfile ""',
                    f"requirepass {self._secret('redis_password')}",
                    "",
                ]
            )
        )
        config.chmod(0o600)
        return config

    def _redis_ping(self) -> bool:
        import redis

        try:
            client = redis.Redis(
                host="127.0.0.1",
                port=self.ports.redis,
                password=self._secret("redis_password"),
                socket_timeout=1,
            )
            return bool(client.ping())
        except redis.RedisError:
            return False

    # --- nginx ----------------------------------------------------------------------------------

    @property
    def _nginx_config(self) -> Path:
        return self.root / "nginx" / "conf" / "nginx.conf"

    def _write_nginx_config(self) -> Path:
        prefix = self.root / "nginx"
        for sub in ("conf", "logs", "tmp"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        config = self._nginx_config
        config.write_text(
            render_nginx_config(
                NginxLayout.local(self.ports, prefix, self.widget() is not None, self.with_review)
            )
        )
        return config


@dataclass
class NginxLayout:
    """Where nginx listens and what it sends where: loopback ports here, service names in Docker Compose."""

    listen: str
    actions_listen: str
    rasa_servers: List[str]
    action_servers: List[str]
    widget: Optional[str] = None
    prefix: Optional[Path] = None  # private instance: pid, logs and temp files under it
    review: Optional[str] = None  # the staff review page
    review_listen: Optional[str] = None

    @classmethod
    def local(cls, ports: Ports, prefix: Path, with_widget: bool, with_review: bool = False) -> "NginxLayout":
        return cls(
            f"127.0.0.1:{ports.nginx}",
            f"127.0.0.1:{ports.actions_lb}",
            [f"127.0.0.1:{port}" for port in ports.rasa],
            [f"127.0.0.1:{port}" for port in ports.actions],
            f"127.0.0.1:{ports.widget}" if with_widget else None,
            prefix,
            f"127.0.0.1:{ports.review}" if with_review else None,
            f"127.0.0.1:{ports.review_front}" if with_review else None,
        )

    @classmethod
    def compose(cls) -> "NginxLayout":
        """deploy/nginx/nginx.conf for deploy/docker-compose.yml."""
        return cls(
            "8000",
            "5055",
            ["rasa-1:5005", "rasa-2:5005"],
            ["actions-1:5055", "actions-2:5055"],
            "widget:8080",
            review="review:8081",
            review_listen="8081",
        )


def _servers(addresses: List[str], fail_timeout: int) -> str:
    return "\n".join(
        f"        server {address} max_fails=1 fail_timeout={fail_timeout}s;" for address in addresses
    )


def render_nginx_config(layout: NginxLayout) -> str:
    prefix = layout.prefix
    process_files = (
        f"""pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
"""
        if prefix
        else ""
    )
    http_files = (
        f"""    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/tmp/client_body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
"""
        if prefix
        else ""
    )
    widget = (
        f"""
        location / {{
            proxy_pass http://{layout.widget};
            proxy_set_header Host $host;
        }}"""
        if layout.widget
        else ""
    )
    review = (
        f"""

    # The staff review page (review/): its own port, to be reachable from the practice's network only.
    server {{
        listen {layout.review_listen};
        proxy_connect_timeout 2s;
        proxy_read_timeout 60s;
        location / {{
            proxy_pass http://{layout.review};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}"""
        if layout.review
        else ""
    )
    return f"""# Generated by deploy/local.py (render_nginx_config) - do not edit by hand.
worker_processes 1;
{process_files}events {{ worker_connections 2048; }}

http {{
    # Conversations are health data: the access log holds paths and statuses, never request bodies.
{http_files}    client_max_body_size 64k;

    # REST is stateless between requests (tracker in PostgreSQL, locks in Redis): each request goes to the
    # server with the fewest requests in progress (messages differ in cost; round-robin queued them unevenly).
    upstream rasa_rest {{
        least_conn;
{_servers(layout.rasa_servers, 5)}
        keepalive 32;
    }}
    # socket.io keeps session state in the server process: one client stays on one server.
    upstream rasa_socketio {{
        hash $remote_addr consistent;
{_servers(layout.rasa_servers, 5)}
    }}
    upstream action_servers {{
{_servers(layout.action_servers, 2)}
        keepalive 16;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}

    server {{
        listen {layout.listen};
        proxy_connect_timeout 2s;
        proxy_read_timeout 60s;

        location /webhooks/ {{
            proxy_pass http://rasa_rest;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # A server that is restarting refuses the connection before the request is sent: try the other.
            proxy_next_upstream error timeout;
        }}

        location /socket.io/ {{
            proxy_pass http://rasa_socketio;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 3600s;
        }}{widget}
    }}

    # The Rasa servers call their custom actions here (internal only).
    server {{
        listen {layout.actions_listen};
        location / {{
            proxy_pass http://action_servers;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout;
        }}
    }}{review}
}}
"""


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down", "status", "compose-nginx-conf"])
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT / "var" / "prod")
    parser.add_argument("--timeout", type=float, default=RASA_START_TIMEOUT)
    parser.add_argument(
        "--nginx-port", type=int, default=Ports().nginx, help="the public port (default 8000)"
    )
    arguments = parser.parse_args(argv)
    if arguments.command == "compose-nginx-conf":
        COMPOSE_NGINX_CONF.write_text(render_nginx_config(NginxLayout.compose()))
        return 0
    topology = Topology(
        arguments.root,
        Ports(nginx=arguments.nginx_port),
        sanic_workers=int(os.environ.get("SANIC_WORKERS", "1")),
    )
    try:
        if arguments.command == "up":
            print(
                "Starting PostgreSQL, Redis, 2 action servers, 2 Rasa servers, widget, nginx "
                "(the Rasa servers need a minute or two) ...",
                flush=True,
            )
            topology.up(arguments.timeout)
            print(
                f"Ready: {topology.url} (REST {topology.url}/webhooks/rest/webhook, socket.io /socket.io/). "
                f"Logs and pids: {topology.root}. Stop: make prod-down"
            )
        elif arguments.command == "down":
            topology.down()
            print("Stopped.")
        for name, state in topology.status().items():
            print(f"  {name:10s} {state}")
    except TopologyError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
