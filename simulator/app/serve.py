"""Serve the what-if page on this machine: a free port on 127.0.0.1 unless told
otherwise, the address printed, a browser opened on it."""

from __future__ import annotations

import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

import uvicorn

from ..api.whatif import WhatIf
from .page import make_app
from .tipping import Tipping

LOCAL = "127.0.0.1"


def free_port(host: str = LOCAL) -> int:
    """A port nobody listens on now (the system's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serve(
    session: WhatIf,
    results: Path,
    *,
    host: str = LOCAL,
    port: int | None = None,
    browser: bool = True,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the page until interrupted; `announce` is told its address first. The
    tipping points' background search stops with it."""
    port = free_port(host) if port is None else port
    address = f"http://{host}:{port}/"
    announce(address)
    if browser:
        threading.Timer(1.0, webbrowser.open, (address,)).start()
    tipping = Tipping(session)
    app = make_app(session, results, tipping)
    try:
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run()
    finally:
        tipping.close()
        session.close()
