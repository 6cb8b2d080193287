"""HTML to PDF with WeasyPrint, and plotly figures to SVG for it, with nothing fetched from outside.

Reports carry text that users typed (vendor names, notes, labels, annotator ids). Django's
templates escape it, and the URL fetcher below is the second lock: WeasyPrint may read files
under our ``static/`` folders, ``data:`` URIs and the charts this report drew (``chart:N``),
and nothing else. A ``file:`` path outside ``static/`` (``../`` is resolved first), an
``http(s)://`` image, any other scheme is refused without being opened, so a hostile name can
neither read the server's files into a PDF nor make the server call out.

Fonts come from fontconfig (Liberation Sans, DejaVu Sans for missing glyphs), never from a
URL, and WeasyPrint embeds the subsets it uses, so a PDF looks the same on every reader.
"""

import logging
import os
import threading
from pathlib import Path
from urllib.request import url2pathname

import plotly.graph_objects as go
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

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
CHART_TIMEOUT_SECONDS = 120


class RefusedFetch(ValueError):
    """A resource the report may not load; WeasyPrint logs it and leaves the resource out."""


def static_roots() -> list[Path]:
    """The folders our own static files are read from: the project's ``static/`` and collectstatic's."""
    return [Path(p).resolve() for p in [*settings.STATICFILES_DIRS, settings.STATIC_ROOT]]


class StaticOnlyFetcher(URLFetcher):
    """Fetch our charts, ``data:`` URIs and files under our static folders; refuse every other URL unopened."""

    def __init__(self, charts: "ChartSet | None" = None, **kwargs):
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
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _content_type(path)})
        logger.warning("report refused to fetch %.200s", url)
        raise RefusedFetch(f"reports load only their own static files, not {url[:200]}")


def _file_path(url: str) -> str:
    return url2pathname(url.split("?", 1)[0].split("#", 1)[0].removeprefix("file://").removeprefix("file:"))


def _content_type(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )


def render_pdf(*, template: str, context: dict, paper: str = "a4", charts: "ChartSet | None" = None) -> bytes:
    """Render a report template to PDF bytes on A4 or Letter, with its charts drawn first."""
    if charts is not None:
        charts.draw()
    return html_to_pdf(render_to_string(template, {**context, "paper": PAPER_SIZES[paper]}), charts=charts)


def html_to_pdf(html: str, *, charts: "ChartSet | None" = None) -> bytes:
    """PDF bytes of an HTML document whose relative links resolve in ``static/``, the only folder it may read."""
    base_url = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher(charts)).write_pdf()


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
            kaleido.start_sync_server(silence_warnings=True)
            _kaleido_started = True
    return kaleido


def figure_svg(figure: go.Figure, *, width: int, height: int | None = None) -> bytes:
    """The figure as SVG at the given size in CSS pixels, in the PDF's font.

    Kaleido's server draws one figure at a time, so concurrent requests (threads of a web
    worker) take turns on the process's one Chromium.
    """
    figure = go.Figure(figure)
    figure.update_layout(font_family=PDF_FONT, font_size=11, paper_bgcolor="white")
    height = height or figure.layout.height or 320
    with _kaleido_lock:
        return _kaleido().calc_fig_sync(figure, opts=dict(format="svg", width=width, height=height))


class ChartSet:
    """The charts of one report: a template shows chart N as ``<img src="chart:N">``.

    The URL fetcher hands WeasyPrint the SVG drawn for chart N, so the HTML stays small (no
    base64) and a template can only show charts this report drew. All charts are drawn
    before layout starts: drawing them on a thread while WeasyPrint styles the HTML was
    measured slower (both sides are Python work contending for the GIL).
    """

    def __init__(self, paper: str):
        self.paper = paper
        self._figures: list[tuple[go.Figure, int, int]] = []
        self._svgs: list[bytes] = []

    def add(self, figure: go.Figure, *, share: float = 1.0, height: int | None = None) -> dict:
        """Queue a figure fitted to ``share`` of the page width; returns what the template needs to place it."""
        width = int(CONTENT_WIDTH_PX[self.paper] * share)
        height = height or figure.layout.height or 320
        self._figures.append((figure, width, height))
        return {"src": f"{CHART_SCHEME}:{len(self._figures) - 1}", "width": width, "height": height}

    def __len__(self) -> int:
        return len(self._figures)

    def draw(self) -> None:
        """Draw every chart (once); a failure is raised here rather than leaving a report without its chart."""
        if len(self._svgs) != len(self._figures):
            self._svgs = [figure_svg(f, width=w, height=h) for f, w, h in self._figures]

    def svg(self, index: int) -> bytes:
        self.draw()
        return self._svgs[index]


def _chart_response(url: str, charts: ChartSet | None) -> URLFetcherResponse:
    number = url.split(":", 1)[1]
    if charts is None or not number.isdigit() or int(number) >= len(charts):
        raise RefusedFetch(f"no chart {url[:50]} in this report")
    return URLFetcherResponse(url, charts.svg(int(number)), {"Content-Type": "image/svg+xml"})
