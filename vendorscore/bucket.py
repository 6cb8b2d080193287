"""The S3-compatible bucket backends: django-storages' ``S3Storage`` with what ``vendorscore.files`` adds.

Kept apart from ``vendorscore.files`` because boto3 is slow to import: only a setup whose
settings name these classes (``VENDORSCORE_STORAGE=s3``) imports it.
"""

import datetime as dt
import io
import mimetypes
import posixpath
from collections.abc import Iterator
from typing import BinaryIO

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from storages.backends.s3 import S3Storage
from storages.utils import clean_name
from urllib3.exceptions import HTTPError

from vendorscore.files import STREAM_BUFFER_BYTES

# A bucket object's modification time is its last use only to within this: the only way to change
# it is to copy the object onto itself, a request that every cache hit would otherwise pay.
TOUCH_AFTER = dt.timedelta(hours=12)
MISSING = ("NoSuchKey", "404")


class BucketFiles(S3Storage):
    """What users send: a name already taken gets a suffix, so two vendors' ``batch.csv`` never collide."""

    file_overwrite = False

    def get_default_settings(self):
        """As django-storages', but a file ``FieldFile.open`` downloads (an evidence document, a mail
        attachment) is spooled to disk past the upload memory limit; the intake and downloads stream
        instead (``vendorscore.files.stored_file_open``)."""
        return {**super().get_default_settings(), "max_memory_size": settings.FILE_UPLOAD_MAX_MEMORY_SIZE}

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def open_stream(self, name: str, *, start: int = 0, end: int | None = None) -> BinaryIO:
        """The object's body (or a range of it) as it arrives: one GET, nothing downloaded ahead."""
        ranged = {"Range": f"bytes={start}-{'' if end is None else end - 1}"} if start or end is not None else {}
        client = self.connection.meta.client
        try:
            body = client.get_object(Bucket=self.bucket_name, Key=self._key(name), **ranged)["Body"]
        except ClientError as error:
            if error.response["Error"]["Code"] in MISSING:
                raise FileNotFoundError(f"No stored file {name}") from error
            raise OSError(f"Reading {name} from the bucket failed: {error}") from error
        return io.BufferedReader(_BodyReader(body, name), STREAM_BUFFER_BYTES)

    def mark_used(self, name: str) -> bool:
        client, key = self.connection.meta.client, self._key(name)
        try:
            modified = client.head_object(Bucket=self.bucket_name, Key=key)["LastModified"]
        except ClientError as error:
            if error.response["Error"]["Code"] in MISSING:
                return False
            raise
        if dt.datetime.now(dt.UTC) - modified > TOUCH_AFTER:
            client.copy_object(
                Bucket=self.bucket_name,
                Key=key,
                CopySource={"Bucket": self.bucket_name, "Key": key},
                MetadataDirective="REPLACE",
                ContentType=mimetypes.guess_type(name)[0] or self.default_content_type,
            )
        return True

    def modified_times(self, folder: str) -> Iterator[tuple[str, dt.datetime]]:
        """One listing request per thousand objects, instead of a request per file."""
        prefix = self._key(folder).rstrip("/") + "/"
        pages = self.connection.meta.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket_name, Prefix=prefix, Delimiter="/"):
            for entry in page.get("Contents", ()):
                yield posixpath.join(folder, entry["Key"][len(prefix) :]), entry["LastModified"]


class BucketCache(BucketFiles):
    """The report cache: a name is a hash of its content, so a taken name is written again as is (a PUT is atomic)."""

    file_overwrite = True


class _BodyReader(io.RawIOBase):
    """An object's body as a raw stream whose network failures are ``OSError``s, as a disk's are."""

    def __init__(self, body, name: str):
        self._body, self._name = body, name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._body.read(len(buffer))
        except (BotoCoreError, HTTPError) as error:
            raise OSError(f"Reading {self._name} from the bucket failed: {error}") from error
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()
