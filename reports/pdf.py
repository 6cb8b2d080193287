"""HTML to PDF with WeasyPrint, and plotly figures to SVG for it, with nothing fetched from outside.

Reports carry text that users typed (vendor names, notes, labels, annotator ids). Django's
templates escape it, and the URL fetcher below is the second lock: WeasyPrint may read files
under our ``static/`` folders, ``data:`` URIs and the charts this report drew (``chart:N``),
and nothing else. A ``file:`` path outside ``static/`` (``../`` is resolved first), an
``http(s)://`` image, any other scheme is refused without being opened, so a hostile name can
neither read the server's files into a PDF nor make the server call out.

Fonts come from fontconfig (Liberation Sans, DejaVu Sans for missing glyphs), never from a
URL, and WeasyPrint embeds the subsets it uses, so a PDF looks the same on every reader.

Speed (``bench/reports.py``): charts are kept as SVG files by a hash of their figure, drawn
while WeasyPrint styles the HTML when they are new, and the garbage collector is paused
during a render; see ``chart_svg``, ``ChartSet`` and ``gc_paused`` for why each helps.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import shutil
import threading
from contextlib import contextmanager
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.request import url2pathname

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.template.loader import render_to_string

if TYPE_CHECKING:
    import plotly.graph_objects as go

logger = logging.getLogger(__name__)
# WeasyPrint narrates each rendering step at INFO; a worker's log needs only its warnings.
for _name in ("weasyprint.progress", "kaleido", "choreographer", "logistro"):
    logging.getLogger(_name).setLevel(logging.WARNING)

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
# Content width of each paper size at 96 px per inch, with the margins of report.css
# (18 mm left and right): charts are rendered at this width so they are never scaled down.
CONTENT_WIDTH_PX = {"a4": 658, "letter": 680}
PDF_FONT = "Liberation Sans, DejaVu Sans, sans-serif"
CHART_SCHEME = "chart"


class RefusedFetch(ValueError):
    """A resource the report may not load; WeasyPrint logs it and leaves the resource out."""


def static_roots() -> list[Path]:
    """The folders our own static files are read from: the project's ``static/`` and collectstatic's."""
    return [Path(p).resolve() for p in [*settings.STATICFILES_DIRS, settings.STATIC_ROOT]]


def __getattr__(name: str):
    """``StaticOnlyFetcher`` is built on first use: WeasyPrint is imported only by a process that renders a PDF.

    Importing it (with its fonts and CSS machinery) cost every command and web process over a
    second at start-up, most of which never render a report (issue 20).
    """
    if name == "StaticOnlyFetcher":
        return _static_only_fetcher()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _static_only_fetcher() -> type:
    import weasyprint  # noqa: F401 - the whole of it, once (see render_pdf)
    from weasyprint import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        """Fetch our charts, ``data:`` URIs and files under our static folders; refuse every other URL unopened."""

        def __init__(self, charts: ChartSet | None = None, **kwargs):
            super().__init__(**kwargs)
            self.charts = charts

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == CHART_SCHEME:
                return _chart_response(url, self.charts)
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(_file_path(url)).resolve()
                if any(path.is_relative_to(root) for root in static_roots()) and path.is_file():
                    return _response(url, path.read_bytes(), _content_type(path))
            logger.warning("report refused to fetch %.200s", url)
            raise RefusedFetch(f"reports load only their own static files, not {url[:200]}")

    return StaticOnlyFetcher


def _response(url: str, content: bytes, content_type: str):
    from weasyprint.urls import URLFetcherResponse

    return URLFetcherResponse(url, content, {"Content-Type": content_type})


def _file_path(url: str) -> str:
    return url2pathname(url.split("?", 1)[0].split("#", 1)[0].removeprefix("file://").removeprefix("file:"))


def _content_type(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )


def render_pdf(*, template: str, context: dict, paper: str = "a4", charts: ChartSet | None = None) -> bytes:
    """Render a report template to PDF bytes on A4 or Letter, its charts drawn while the HTML is styled."""
    if charts is None:
        return html_to_pdf(render_to_string(template, {**context, "paper": PAPER_SIZES[paper]}))
    # Imported before the charts' thread starts: two threads importing at once (WeasyPrint here,
    # plotly's JSON encoder there) can meet a module the other has half imported.
    _static_only_fetcher()
    charts.start()
    content = html_to_pdf(render_to_string(template, {**context, "paper": PAPER_SIZES[paper]}), charts=charts)
    # WeasyPrint logs a failed image and leaves it out; a report must not go out without its chart.
    charts.wait()
    return content


def html_to_pdf(html: str, *, charts: ChartSet | None = None) -> bytes:
    """PDF bytes of an HTML document whose relative links resolve in ``static/``, the only folder it may read."""
    from weasyprint import HTML

    base_url = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=_static_only_fetcher()(charts)).write_pdf()


# Charts ------------------------------------------------------------------------------------

_kaleido_lock = threading.RLock()
_kaleido_started = False


def _kaleido():
    """Kaleido with one Chromium kept running for the life of the process (the first chart pays its start)."""
    global _kaleido_started
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    import kaleido

    with _kaleido_lock:
        if not _kaleido_started:
            _browser_check(os.environ["BROWSER_PATH"])
            kaleido.start_sync_server(silence_warnings=True)
            _kaleido_started = True
    return kaleido


def _browser_check(path: str) -> None:
    """Refuse to start kaleido without its browser: it then waits for one forever, and so did the report job."""
    if shutil.which(path) is None:  # a path, or a name found on PATH
        raise ChartsUnavailable(
            f"Charts cannot be drawn: no Chromium at {path} (BROWSER_PATH). Install it (scripts/system-deps.sh)."
        )


class ChartsUnavailable(RuntimeError):
    """The browser that draws the charts is missing."""


# Where drawn charts are kept in the report cache, beside the PDFs, so every web process and worker shares them.
CHART_FOLDER = "reports/charts"


def report_cache():
    """The storage of rendered reports and charts (``STORAGES["reports"]``, ``vendorscore.files``)."""
    return storages["reports"]


@cache
def _renderer() -> str:
    """The versions that decide how a figure is drawn: a new plotly.js may draw the same figure differently."""
    import plotly

    return f"plotly {plotly.__version__}, kaleido {version('kaleido')}"


def pdf_figure(figure: go.Figure) -> dict:
    """The figure as plotly JSON in the PDF's font on white: what kaleido draws and what the chart cache hashes."""
    spec = json.loads(figure.to_json())
    layout = spec.setdefault("layout", {})
    layout["font"] = {**layout.get("font", {}), "family": PDF_FONT, "size": 11}
    layout["paper_bgcolor"] = "white"
    return spec


def chart_key(spec: dict, *, width: int, height: int) -> str:
    """A hash of everything that decides the SVG: the figure's JSON, its size and the renderer's versions."""
    payload = {"figure": spec, "width": width, "height": height, "renderer": _renderer()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _draw_svg(spec: dict, *, width: int, height: int) -> bytes:
    """Kaleido's server draws one figure at a time, so threads of a web worker take turns on its one Chromium.

    Several figures in one kaleido call (its ``write_fig_from_object`` with several tabs) was
    measured no faster on two cores: the time is plotly.js drawing in Chromium, not the call.
    """
    with _kaleido_lock:
        return _kaleido().calc_fig_sync(spec, opts=dict(format="svg", width=width, height=height))


def chart_svg(figure: go.Figure, *, width: int, height: int | None = None) -> tuple[bytes, bool]:
    """The figure as SVG at the given size in CSS pixels, in the PDF's font, and whether it was drawn now.

    Drawing a chart costs a fifth of a second in Chromium, so SVGs are kept by a hash of the
    figure's JSON: a report rendered again because other data changed (a new certification,
    a corrected note) reuses the charts whose figures are identical, and a figure that changed
    in any way (one more batch, a new threshold) has another hash and is drawn afresh. A hit
    touches the file, so the cleanup (``services.report_cache_clean``) sees when it was last used.
    """
    spec = pdf_figure(figure)
    height = height or spec["layout"].get("height") or 320
    name = f"{CHART_FOLDER}/{chart_key(spec, width=width, height=height)}.svg"
    cache = report_cache()
    if cache.mark_used(name):
        with cache.open_stream(name) as stream:
            return stream.read(), False
    svg = _draw_svg(spec, width=width, height=height)
    cache.save(name, ContentFile(svg))
    return svg, True


class ChartSet:
    """The charts of one report: a template shows chart N as ``<img src="chart:N">``.

    The URL fetcher hands WeasyPrint the SVG drawn for chart N, so the HTML stays small (no
    base64) and a template can only show charts this report drew. ``start`` draws them on a
    thread while WeasyPrint parses and styles the HTML, which it does before it asks for the
    first image (about 0.5 s into the benchmark's vendor report): the drawing is Chromium's
    work in another process, so the two overlap. Measured with the garbage collector paused
    (``gc_paused``), which keeps the thread's own Python work small: 0.2 s faster (median)
    than drawing every chart first, on a busy two-core machine. Charts from the chart cache
    make the thread a few file reads.
    """

    def __init__(self, paper: str):
        self.paper = paper
        self._figures: list[tuple[go.Figure, int, int]] = []
        self._svgs: list[bytes] = []
        self._thread: threading.Thread | None = None
        self._error: Exception | None = None
        self.drawn = 0

    def add(self, figure: go.Figure, *, share: float = 1.0, height: int | None = None) -> dict:
        """Queue a figure fitted to ``share`` of the page width; returns what the template needs to place it."""
        width = int(CONTENT_WIDTH_PX[self.paper] * share)
        height = height or figure.layout.height or 320
        self._figures.append((figure, width, height))
        return {"src": f"{CHART_SCHEME}:{len(self._figures) - 1}", "width": width, "height": height}

    def __len__(self) -> int:
        return len(self._figures)

    def draw(self) -> None:
        """Draw every chart (once); a failure is raised here rather than leaving a report without its chart.

        ``drawn`` counts the charts Chromium drew; the others came from the chart cache.
        """
        if len(self._svgs) != len(self._figures):
            results = [chart_svg(f, width=w, height=h) for f, w, h in self._figures]
            self._svgs = [svg for svg, _ in results]
            self.drawn = sum(drawn for _, drawn in results)

    def start(self) -> None:
        """Start drawing the charts on a thread; ``wait`` (or the first ``svg``) joins it."""
        if self._thread is None and len(self._svgs) != len(self._figures):
            self._thread = threading.Thread(target=self._draw_on_thread, name="report-charts", daemon=True)
            self._thread.start()

    def _draw_on_thread(self) -> None:
        try:
            self.draw()
        except Exception as error:  # handed to the caller by wait()
            self._error = error

    def wait(self) -> None:
        """Every chart drawn, or the drawing's failure raised."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        self.draw()

    def svg(self, index: int) -> bytes:
        self.wait()
        return self._svgs[index]


def _chart_response(url: str, charts: ChartSet | None):
    number = url.split(":", 1)[1]
    if charts is None or not number.isdigit() or int(number) >= len(charts):
        raise RefusedFetch(f"no chart {url[:50]} in this report")
    return _response(url, charts.svg(int(number)), "image/svg+xml")


# Garbage collection --------------------------------------------------------------------------

_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a report renders, then collect the young objects once.

    A render allocates millions of short-lived objects (plotly's validated figures, WeasyPrint's
    styles and boxes). Every burst of allocations starts a collection, and the full ones rescan
    the hundreds of thousands of long-lived objects of Django, plotly and WeasyPrint: the
    benchmark's vendor report (``bench/reports.py``) took 2.7 s of CPU with the collector on and
    1.75 s with it paused. Reference counting frees most of the garbage anyway; the cycles left
    (about 165,000 objects, a few MB) go in one young-generation collection at the end, about
    0.15-0.2 s, paid inside the render. Renders that overlap (threads of a web worker) share
    one pause: the collector comes back when the last one ends, and only if it was on before.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            resume = _gc_pausers == 0 and _gc_was_enabled
            if resume:
                gc.enable()
        if resume:
            gc.collect(0)
