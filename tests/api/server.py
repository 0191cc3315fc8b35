"""A real API server process on loopback for tests: started as a subprocess, waited for on
/healthz, stopped by signal. No in-process shortcuts: requests go over TCP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiServer:
    """``dispatch serve`` (``how='cli'``) or ``python -m uvicorn --factory`` (``how='uvicorn'``)."""

    def __init__(self, db_path: Path, how: str = "cli", workers: int = 2, log_path: Optional[Path] = None, **env: str):
        self.db_path = db_path
        self.how = how
        self.workers = workers
        self.env = {k: str(v) for k, v in env.items()}
        self.log_path = log_path or db_path.with_suffix(".log")
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> "ApiServer":
        self.port = free_port()
        env = {**os.environ, "DISPATCH_DB": str(self.db_path), "DISPATCH_WORKERS": str(self.workers), **self.env}
        env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        if self.how == "cli":
            cmd = [sys.executable, "-m", "optimizer.cli", "serve", "--port", str(self.port), "--log-level", "warning"]
        else:
            cmd = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--port", str(self.port), "--log-level", "warning"]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; log:\n{self.log()}")
            try:
                health = httpx.get(self.url + "/healthz", timeout=1.0).json()
                if health["workers_ready"] == self.workers:
                    return self
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not become ready in {timeout_s} s; log:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 15.0) -> None:
        """Signal the server's process group (the server and its workers) and wait."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # leftover workers, if any
        except ProcessLookupError:
            pass
        self.proc = None
        self._log.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-4000:]
        except OSError:
            return ""

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 60.0), **kwargs)
