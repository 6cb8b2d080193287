"""Static files as browsers should get them: hashed names cached for a year, gzip and brotli copies.

WhiteNoise's ``CompressedManifestStaticFilesStorage`` with two changes. Brotli at its top
quality takes 30 s on plotly.js alone (4.8 MB) for 10% over quality 9, so files over
``LARGE_FILE_BYTES`` are compressed at quality 9 and the rest at 11. And the hashed name is
used even with ``DEBUG`` on, so the demo (which runs with ``DEBUG``) serves what production
serves: Django's manifest storage otherwise gives unhashed names under ``DEBUG``, which
WhiteNoise can only serve with ``max-age=0``.
"""

import brotli
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

LARGE_FILE_BYTES = 1024 * 1024


class QuickBrotliCompressor(Compressor):
    """Brotli quality 11 for small files, 9 for large ones (same gzip as WhiteNoise)."""

    def compress_brotli(self, data: bytes) -> bytes:
        return brotli.compress(data, quality=9 if len(data) > LARGE_FILE_BYTES else 11)


class HashedCompressedStorage(CompressedManifestStaticFilesStorage):
    """Content-hashed, compressed static files, named by hash whatever ``DEBUG`` says."""

    def create_compressor(self, **kwargs):
        return QuickBrotliCompressor(**kwargs)

    def url(self, name, force=False):
        return super().url(name, force=True)
