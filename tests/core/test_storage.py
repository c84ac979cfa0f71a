"""A stored file read a piece at a time: on S3-compatible storage only the asked range is fetched."""

from unittest import mock

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from moto import mock_aws
from storages.backends.s3 import S3Storage

from zhibu.core.storage import CHUNK, read_range

DATA = bytes(range(256)) * 4096  # 1 MiB, every offset distinguishable by its neighbours


def test_on_object_storage_a_range_is_fetched_without_the_whole_object():
    with mock_aws():
        storage = S3Storage(bucket_name="zhibu-test", region_name="us-east-1", access_key="k", secret_key="s")
        storage.connection.meta.client.create_bucket(Bucket="zhibu-test")
        name = storage.save("library/2026/video.mp4", ContentFile(DATA))
        with mock.patch.object(S3Storage, "open", side_effect=AssertionError("the whole object was fetched")):
            assert b"".join(read_range(storage, name, 1000, 5000)) == DATA[1000:6000]
            chunks = list(read_range(storage, name, 10, len(DATA) - 10))
        assert b"".join(chunks) == DATA[10:] and max(len(c) for c in chunks) <= CHUNK
        assert list(read_range(storage, name, 0, 0)) == []


def test_on_local_files_the_same_bytes(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("video.mp4", ContentFile(DATA))
    assert b"".join(read_range(storage, name, 1000, 5000)) == DATA[1000:6000]
    assert b"".join(read_range(storage, name, len(DATA) - 3, 10)) == DATA[-3:]  # a short file ends the read
