"""Serving the app and driving Debian's Chromium: shared by the browser tests and the app benchmark."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
#: Flags that keep a headless Chromium from reaching outside this machine (see shared/notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen, timeout_s: float) -> None:
    """Block until `url` answers; RuntimeError if the server process exits or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the app server exited (code {proc.returncode}) before serving {url}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not answer on {url} within {timeout_s:.0f} s") from None
            time.sleep(0.3)


def stop_server(proc: subprocess.Popen, timeout_s: float = 10.0) -> None:
    """Stop an app server started with Popen: terminate, and kill if it has not exited in `timeout_s`."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
