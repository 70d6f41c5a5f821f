"""A live service on loopback and Debian's Chromium driven by Playwright, for browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("LOCMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


def require_browser():
    """Skip outside CI when Chromium or Playwright is missing; in CI, fail instead."""
    missing = None
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        missing = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed (pip install -e '.[test]')"
    if missing:
        if os.environ.get("LOCMAP_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


@contextmanager
def chromium():
    """Debian's Chromium under Playwright, headless, for a module of browser tests."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sample_database(folder) -> tuple[str, object]:
    """A SQLite file in ``folder`` holding the six sample localities: its URL and an engine (dispose it after)."""
    from app.storage.db import create_schema, make_engine
    from app.web.main import load_samples_if_empty

    url = f"sqlite:///{folder / 'locmap.db'}"
    engine = make_engine(url)
    create_schema(engine)
    load_samples_if_empty(engine)
    return url, engine


def free_port() -> int:
    """A port free on loopback now, for a server started in another process.

    The port is released before that server binds it; in-process servers use
    :func:`live_server`, which keeps its socket, so parallel workers never race for one.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(database_url: str, demo: bool = True):
    """Run the app with uvicorn in a thread on 127.0.0.1; yields the base URL."""
    import uvicorn

    from app.config import Settings
    from app.web.main import create_app

    # Bound here and handed to uvicorn, so no other test worker can take the port in between.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    app = create_app(Settings(database_url=database_url, demo=demo, load_samples=True))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


class PageWatch:
    """Records console errors, page errors, dialogs and every request a page makes."""

    def __init__(self, page, allowed_host: str | None = "127.0.0.1"):
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)

        def route(r):
            url = r.request.url
            self.requests.append(url)
            parsed = urlparse(url)
            local = parsed.scheme in ("file", "data", "blob", "about") or parsed.hostname == allowed_host
            if not local:
                self.foreign.append(url)
                r.abort()
            else:
                r.continue_()

        page.route("**/*", route)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@contextmanager
def watched_page(browser, width: int = 1366, height: int = 900, **context_options):
    """A page in a fresh context of ``width`` x ``height`` (its :class:`PageWatch` as ``page.watch``);
    on leaving, it must have made no request beyond the test server and logged no console error."""
    context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
    page = context.new_page()
    watch = page.watch = PageWatch(page)
    yield page
    context.close()
    assert watch.foreign == [], f"requests left 127.0.0.1: {watch.foreign}"
    assert watch.errors == [], f"console errors: {watch.errors}"
