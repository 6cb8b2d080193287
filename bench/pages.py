"""Benchmark: the chart pages loaded cold in headless Chromium, against a running server.

    make demo                                     # in one terminal
    uv run python bench/pages.py                  # in another
    uv run python bench/pages.py --base-url http://127.0.0.1:8001 --runs 5

It signs in as the demo's lead, finds the pages that draw plotly charts (each contract's
compliance trends, each scorecard evaluation's radar, the vendor comparison) and loads each
one ``--runs`` times in a fresh browser context, so the HTTP cache is empty every time (only
the login page, which has no chart, is loaded first to get a session). A page counts as
loaded when every chart on it has drawn its SVG; the time is measured by the browser from
the start of the navigation. It also prints what plotly.js cost on the wire (brotli or gzip
when the server compresses it) and its Cache-Control.

Target (issue 17): every chart page under 1.5 s (median) on the demo.
"""

import argparse
import re
import statistics
import sys

from playwright.sync_api import sync_playwright

TARGET_SECONDS = 1.5
CHROMIUM = "/usr/bin/chromium"
CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('[data-plotly]')].every(e => e.querySelector('.main-svg'))"
    " && document.querySelectorAll('[data-plotly]').length > 0"
)
PLOTLY_ENTRY = (
    "() => { const e = performance.getEntriesByType('resource').find(r => /plotly/.test(r.name));"
    " return e ? [e.transferSize, e.decodedBodySize] : null; }"
)


def _log_in(browser, base: str, username: str, password: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return context, page


def _chart_pages(page, base: str) -> list[str]:
    """Contract pages, evaluation pages and the comparison of the first three vendors."""
    found = []
    for listing, pattern in (("/contracts/", r"^/contracts/\d+/$"), ("/scorecards/", r"^/scorecards/\d+/$")):
        page.goto(f"{base}{listing}")
        hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
        found += sorted({h for h in hrefs if re.match(pattern, h)})
    page.goto(f"{base}/vendors/")
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    vendors = sorted({int(m.group(1)) for h in hrefs if (m := re.match(r"^/vendors/(\d+)/$", h))})[:3]
    if len(vendors) > 1:
        found.append("/scorecards/compare/?" + "&".join(f"vendor={pk}" for pk in vendors))
    return found


def _load_cold(browser, base: str, path: str, username: str, password: str) -> tuple[float, list | None, str]:
    context, page = _log_in(browser, base, username, password)
    try:
        response = page.goto(f"{base}{path}", wait_until="commit")
        if response is None or response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status if response else 'no response'}")
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        seconds = page.evaluate("performance.now()") / 1000
        plotly = page.evaluate(PLOTLY_ENTRY)
        scripts = page.eval_on_selector_all("script[src]", "s => s.map(x => x.src)")
        cache = ""
        for src in scripts:
            if "plotly" in src:
                cache = page.request.get(src, headers={"Accept-Encoding": "br, gzip"}).headers.get("cache-control", "")
        return seconds, plotly, cache
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="lead")
    parser.add_argument("--password", default="lead-demo-pass")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context, page = _log_in(browser, base, args.username, args.password)
        paths = _chart_pages(page, base)
        context.close()
        if not paths:
            print("No chart page found: is the demo loaded?")
            return 1
        print(f"{'page':<42} {'median s':>9} {'max s':>7}  plotly on the wire")
        slow = 0
        for path in paths:
            results = [_load_cold(browser, base, path, args.username, args.password) for _ in range(args.runs)]
            times = [seconds for seconds, _, _ in results]
            plotly, cache = results[-1][1], results[-1][2]
            wire = f"{plotly[0] / 1e6:.2f} MB of {plotly[1] / 1e6:.2f} MB; {cache}" if plotly else "not loaded"
            median = statistics.median(times)
            slow += median >= TARGET_SECONDS
            print(f"{path:<42} {median:>9.2f} {max(times):>7.2f}  {wire}")
        browser.close()
    print(f"target: every page under {TARGET_SECONDS} s (median); {slow} page{'s' if slow != 1 else ''} above it")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
