"""Browser tests: Playwright driving Debian's Chromium against the app served as `make run`
serves it. Fixtures (one server and one browser per session, so each test costs a page):

- ``live_server``: gunicorn on a free 127.0.0.1 port, a temporary database seeded from
  fixtures/ plus one not-yet-valid certificate, "today" pinned to tests/conftest.py's TODAY,
  TANJI_PUBLIC_BASE_URL = the server's URL. ``.url``, ``.database``, ``.get(path)``.
- ``certificates``: status -> (certificate number, GTIN) of a product whose label has that
  status: valid, expired, not_yet_valid, suspended, revoked.
- ``other_origin``: a second server (another port, so another origin), e.g. a retailer's
  page: ``other_origin.serve("/shop.html", html)`` returns the page's URL.
- ``page``: a fresh context and page (1280x800, locale zh-CN, base URL = ``live_server.url``:
  ``page.goto("/c/...")``; ``?lang=en`` for English).
  Every request to a host other than 127.0.0.1/localhost is aborted; the test FAILS (at
  teardown) on any console error, uncaught page error or blocked request. A test that expects
  one says so: ``page_errors.allow(r"status of 404")``. ``open_page(**context_options)``
  opens more such pages (another locale, ``java_script_enabled=False``, a phone viewport);
  ``open_page(camera=True, ...)`` opens one in ``camera_browser``.
- ``barcode_photo``: a PNG of WATER's EAN-13 barcode, as a shopper would photograph it.
- ``camera_browser``: a second Chromium whose fake camera films that barcode (one per session).
- ``axe(page_or_frame)``: runs axe-core in the page and in each of its frames; fails on
  any serious or critical violation.
- ``screenshot(page, name)``: saves build/screenshots/<name>-390x844.png and -1280x800.png
  (test artefacts, gitignored), then restores the viewport. `make screenshots` also refreshes
  the few the README shows (README_SCREENSHOTS) in docs/screenshots/.

No Chromium (a user's clone, not root): the tests are skipped saying so; with CI=true they fail.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import sync_playwright

from app import create_app
from app.db import close_thread_connections
from bench.abuse import free_port
from fixtures.certificates import rows
from tests import imaging
from tests.conftest import ROOT, app_settings

CHROMIUM = Path("/usr/bin/chromium")
#: The product the barcode photo and the fake camera show (a valid certificate).
WATER = "09506000134352"
#: Headless, and quiet: without the background-networking flags Chromium keeps calling home.
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces beside the route() block below: no host name resolves but localhost.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SIZES = ((390, 844), (1280, 800))
SCREENSHOTS = ROOT / "build" / "screenshots"
BIN = ROOT / ".venv" / "bin"

#: A product whose only certificate takes effect after TODAY (the fixtures have none).
NOT_YET_VALID = {
    **{k: v for k, v in next(rows(1, start=1)).items() if v != ""},
    "issued_on": "2026-07-01",
    "valid_until": "2029-06-30",
}


@dataclass
class LiveServer:
    url: str
    database: Path

    def get(self, path: str, headers: dict | None = None):
        """A plain HTTP GET (no browser): (status, headers, body)."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()


def _prepare_database(database: Path, url: str) -> None:
    """Seed the database as the app does, then publish the not-yet-valid certificate through
    the ingest API, as a certification body would."""
    app = create_app(app_settings(database, PUBLIC_BASE_URL=url))
    result = app.test_cli_runner().invoke(args=["keys", "create", NOT_YET_VALID["body"]])
    assert result.exit_code == 0, result.output
    key = result.output.splitlines()[-1]
    resp = app.test_client().post(
        "/v1/admin/certificates", json=NOT_YET_VALID, headers={"X-API-Key": key}
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    close_thread_connections()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    database = tmp / "tanji.db"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    _prepare_database(database, url)
    settings = app_settings(database, PUBLIC_BASE_URL=url)
    env = {**os.environ, **{f"TANJI_{k}": str(v) for k, v in settings.items() if k != "TESTING"}}
    log = open(tmp / "gunicorn.log", "wb")  # closed below
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            os.devnull,
            "--no-control-socket",  # its default path would be shared with other servers
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = LiveServer(url, database)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if server.get("/v1/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(
                    "gunicorn did not start: " + (tmp / "gunicorn.log").read_text()[-2000:]
                )
            time.sleep(0.05)
        yield server
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # quick shutdown: nothing to finish
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def certificates(catalogue_data) -> dict[str, tuple[str, str]]:
    """status -> (certificate number, GTIN): each the current certificate of its product."""
    return {
        "valid": ("TJS-PCF-2025-0028", "09506000134352"),
        "expired": ("TJS-PCF-2021-0001", "00210104000114"),
        "not_yet_valid": (NOT_YET_VALID["number"], NOT_YET_VALID["gtin"]),
        "suspended": ("TJS-PCF-2025-0009", "00220113000166"),
        "revoked": ("TJS-PCF-2024-0008", "00280109000501"),
    }


class OtherOrigin:
    """Serves pages given to it, from another port of 127.0.0.1: another origin."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(self, path: str, html: str) -> str:
        self.pages[path] = html.encode()
        return self.url + path


@pytest.fixture(scope="session")
def other_origin():
    origin = OtherOrigin()
    origin.thread.start()
    yield origin
    origin.server.shutdown()
    origin.server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = (
            "Debian's Chromium is not installed (/usr/bin/chromium): `apt-get install chromium`, "
            "which `make test` does when run as root"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def barcode_photo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "water.png"
    path.write_bytes(imaging.to_bytes(imaging.pad(imaging.linear_image("ean13", WATER[1:13]))))
    return path


def camera_video(path, photo: bytes, size=(640, 480), frames: int = 5) -> None:
    """A Y4M video (what Chromium's fake camera plays) of the barcode photo, centred on grey."""
    width, height = size
    picture = imaging.Image.new("L", size, 200)
    barcode = imaging.Image.open(io.BytesIO(photo)).convert("L")
    barcode.thumbnail((width - 40, height - 40))
    picture.paste(barcode, ((width - barcode.width) // 2, (height - barcode.height) // 2))
    chroma = bytes([128]) * (width // 2 * height // 2 * 2)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + picture.tobytes() + chroma)


@pytest.fixture(scope="session")
def camera_browser(browser, barcode_photo, tmp_path_factory):
    """Chromium whose camera (its fake device) plays a video of the barcode photo."""
    video = tmp_path_factory.mktemp("camera") / "camera.y4m"
    camera_video(video, barcode_photo.read_bytes())
    camera = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield camera
    camera.close()


@dataclass
class PageErrors:
    """What went wrong in the page: console errors, uncaught errors, blocked requests."""

    seen: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Expect errors matching ``pattern`` (a regular expression) in this test."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


def _block_the_network(errors: PageErrors):
    def handle(route):
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            errors.seen.append(f"blocked request: {url}")
            route.abort("internetdisconnected")

    return handle


@pytest.fixture
def open_page(request, browser, live_server, page_errors):
    """Opens a page in a fresh context (keyword arguments: Playwright context options, e.g.
    ``java_script_enabled=False``), network blocked and errors watched like ``page``'s.
    ``camera=True``: in ``camera_browser``, whose camera films the barcode."""
    contexts = []

    def open_(camera: bool = False, **options):
        options = {
            "base_url": live_server.url,
            "locale": "zh-CN",  # Accept-Language of a shopper in China (the default language)
            "viewport": {"width": 1280, "height": 800},
            "service_workers": "block",  # every request goes through the route below
            **options,
        }
        chromium = request.getfixturevalue("camera_browser") if camera else browser
        context = chromium.new_context(**options)
        contexts.append(context)
        context.route("**/*", _block_the_network(page_errors))
        page = context.new_page()

        def console(message):
            if message.type == "error":
                where = message.location["url"]
                page_errors.seen.append(f"console error: {message.text} ({where})")

        page.on("console", console)
        page.on("pageerror", lambda error: page_errors.seen.append(f"page error: {error}"))
        return page

    yield open_
    for context in contexts:
        context.close()
    unexpected = page_errors.unexpected()
    if unexpected:
        pytest.fail("errors in the browser:\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture
def page(open_page):
    return open_page()


_AXE = Axe()
#: Each frame is checked on its own (axe would otherwise wait for frames it cannot reach).
_AXE_OPTIONS = {"resultTypes": ["violations"], "iframes": False}


@pytest.fixture(scope="session")
def axe():
    def check(target) -> list[dict]:
        """axe-core in the page (or frame) and each of its frames: no serious or critical
        violation. Returns every violation found (minor and moderate ones included)."""
        frames = target.frames if hasattr(target, "frames") else [target]
        violations = []
        for frame in frames:
            if frame.url in ("", "about:blank"):
                continue
            for v in _AXE.run(frame, options=_AXE_OPTIONS).response["violations"]:
                violations.append({**v, "frame": frame.url})
        serious = [
            f"{v['id']} ({v['impact']}) in {v['frame']}: {v['help']}: "
            + "; ".join(n["html"][:120] for n in v["nodes"][:3])
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, "\n".join(serious)
        return violations

    return check


#: The screenshots the README shows, copied to docs/screenshots/ (as small palette PNGs) when
#: TANJI_README_SCREENSHOTS is set: `make screenshots`.
README_SCREENSHOTS = {"product-390x844", "estimate-result-1280x800"}
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


def _copy_for_the_readme(path: Path) -> None:
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(64, method=Image.Quantize.MEDIANCUT)
        small.save(DOCS_SCREENSHOTS / path.name, optimize=True)


@pytest.fixture(scope="session")
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for_readme = bool(os.environ.get("TANJI_README_SCREENSHOTS"))
    if for_readme:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> list[Path]:
        """Screenshots of the page at a phone's and a laptop's size (viewport, not full page)."""
        original = page.viewport_size
        paths = []
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            # From the top, once layout (and resize observers: the embed's height) settled.
            page.evaluate(
                "() => new Promise(r => { scrollTo(0, 0); requestAnimationFrame(() => setTimeout(r, 50)); })"
            )
            path = SCREENSHOTS / f"{name}-{width}x{height}.png"
            page.screenshot(path=path)
            paths.append(path)
            if for_readme and path.stem in README_SCREENSHOTS:
                _copy_for_the_readme(path)
        page.set_viewport_size(original)
        return paths

    return take
