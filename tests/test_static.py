"""Static files as a browser gets them: hashed names, a year of caching, brotli and gzip copies."""

from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

from vendorscore.settings import BASE_DIR

HASHED = {"BACKEND": "vendorscore.staticfiles.HashedCompressedStorage"}
ONLY_OURS = ["django.contrib.staticfiles.finders.FileSystemFinder"]


def test_plotly_is_served_hashed_compressed_and_cached_for_a_year(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = ONLY_OURS
    settings.WHITENOISE_KEEP_ONLY_HASHED_FILES = True
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": HASHED}, DEBUG=True):
        call_command("collectstatic", interactive=False, verbosity=0)
        url = static("vendor/plotly-vendorscore.min.js")  # hashed even with DEBUG on, as in the demo
    name = url.removeprefix("/static/")
    assert name.startswith("vendor/plotly-vendorscore.min.") and name != "vendor/plotly-vendorscore.min.js"
    original = (BASE_DIR / "static/vendor/plotly-vendorscore.min.js").stat().st_size
    collected = tmp_path / name
    assert collected.stat().st_size == original
    assert (tmp_path / f"{name}.br").stat().st_size < original / 3
    assert (tmp_path / f"{name}.gz").stat().st_size < original / 2
    assert not (tmp_path / "vendor/plotly-vendorscore.min.js").exists(), "only hashed copies are kept"

    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": HASHED}):
        response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br"
        assert "max-age=315360000" in response["Cache-Control"] and "immutable" in response["Cache-Control"]
        assert int(response["Content-Length"]) == (tmp_path / f"{name}.br").stat().st_size
        gzipped = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert gzipped["Content-Encoding"] == "gzip"
