"""Configuration: Cantaloupe's .properties syntax and key names, environment twins, clear errors."""

import pytest

from casaba.settings import SettingsError, load
from casaba.settings.keys import KEYS, TIF_COMPRESSIONS


def write(tmp_path, text):
    p = tmp_path / "casaba.properties"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_match_cantaloupe():
    s = load(None, environ={})
    assert s["http.port"] == 8182
    assert s["http.host"] == "0.0.0.0"
    assert s["max_pixels"] == 10_000_000
    assert s["max_scale"] == 1.0
    assert s["processor.jpg.quality"] == 80
    assert s["processor.tif.compression"] == "LZW"
    assert s["source.static"] == "FilesystemSource"
    assert s["endpoint.iiif.3.enabled"] is True
    assert s["processor.downscale_filter"] == s["processor.upscale_filter"] == "bicubic"


def test_a_cantaloupe_file_is_read(tmp_path):
    p = write(
        tmp_path,
        "# comment\n"
        "http.port: 8200\n"
        "base_uri = https://images.example.org\n"
        "FilesystemSource.BasicLookupStrategy.path_prefix = /srv/images/\n"
        "FilesystemSource.BasicLookupStrategy.path_suffix = .tif\n"
        "max_scale = 2.0\n"
        "slash_substitute = \\u2044\n"
        "endpoint.iiif.2.enabled = false\n"
        "processor.jpg.quality = 90\n"
        "Java2dProcessor.jpg.quality = 0.7f\n"
        "long.value = a \\\n    b\n",
    )
    s = load(p, environ={})
    assert s["http.port"] == 8200
    assert s["base_uri"] == "https://images.example.org"
    assert s["FilesystemSource.BasicLookupStrategy.path_prefix"] == "/srv/images/"
    assert s["FilesystemSource.BasicLookupStrategy.path_suffix"] == ".tif"
    assert s["max_scale"] == 2.0
    assert s["slash_substitute"] == "\u2044"
    assert s["endpoint.iiif.2.enabled"] is False
    assert s["processor.jpg.quality"] == 90
    assert len(s.warnings) == 1
    assert "Java2dProcessor.jpg.quality" in s.warnings[0] and "long.value" in s.warnings[0]


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("http.port = eighty", "http.port"),
        ("http.port = 70000", "1 to 65535"),
        ("max_pixels = -1", "max_pixels"),
        ("max_scale = lots", "max_scale"),
        ("endpoint.iiif.3.enabled = maybe", "true or false"),
        ("source.static = AzureStorageSource", "one of FilesystemSource"),
        ("processor.jpg.quality = 0", "processor.jpg.quality"),
        ("processor.background_color = teal-ish", "#RRGGBB"),
        ("processor.tif.compression = ZIP", "one of (blank), Deflate, JPEG, LZW, RLE"),
        ("processor.webp.quality = 101", "processor.webp.quality"),
    ],
)
def test_a_bad_value_names_key_value_and_what_is_allowed(tmp_path, line, fragment):
    p = write(tmp_path, line + "\n")
    with pytest.raises(SettingsError) as e:
        load(p, environ={})
    message = str(e.value)
    assert fragment in message
    assert line.split("=")[1].strip() in message


@pytest.mark.parametrize("value", ["", "Deflate", "JPEG", "LZW", "RLE"])
def test_tif_compression_takes_cantaloupes_values_and_blank_for_none(tmp_path, value):
    s = load(write(tmp_path, f"processor.tif.compression = {value}\nprocessor.webp.quality = 55\n"), environ={})
    assert s["processor.tif.compression"] == value
    assert TIF_COMPRESSIONS[value] == {"": "none", "RLE": "packbits"}.get(value, value.lower())
    assert s["processor.webp.quality"] == 55


def test_environment_twins_override_the_file(tmp_path):
    p = write(tmp_path, "http.port = 8200\n")
    s = load(p, environ={"CASABA_HTTP_PORT": "8300", "CASABA_FILESYSTEMSOURCE_BASICLOOKUPSTRATEGY_PATH_PREFIX": "/x/"})
    assert s["http.port"] == 8300
    assert s["FilesystemSource.BasicLookupStrategy.path_prefix"] == "/x/"


def test_overrides_win_and_are_checked(tmp_path):
    s = load(None, environ={"CASABA_HTTP_PORT": "8300"}, overrides={"http.port": "8400"})
    assert s["http.port"] == 8400
    with pytest.raises(SettingsError, match="command line"):
        load(None, environ={}, overrides={"http.port": "x"})


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(SettingsError, match="cannot read"):
        load(tmp_path / "nope.properties", environ={})


@pytest.mark.parametrize("raw, value", [("0", 0), ("1048576", 1 << 20), ("64M", 64 << 20), ("1.5G", 3 << 29), ("512 kb", 512 << 10)])
def test_byte_sizes_take_units(raw, value):
    assert load(None, environ={"CASABA_CACHE_DECODED_TILES_MAX_SIZE": raw})["cache.decoded_tiles.max_size"] == value


def test_every_key_is_documented_and_its_default_parses():
    for key in KEYS.values():
        assert key.doc.endswith(".") and len(key.doc) > 10
        assert key.env.startswith("CASABA_") and key.env.isupper()
        if isinstance(key.default, (bool, int, float, str)):
            raw = str(key.default).lower() if isinstance(key.default, bool) else str(key.default)
            assert key.kind.parse(raw) == key.default


def test_cantaloupes_source_keys_are_read(tmp_path):
    p = write(
        tmp_path,
        "source.static = HttpSource\n"
        "source.delegate = false\n"
        "HttpSource.BasicLookupStrategy.url_prefix = https://example.org/flags/\n"
        "HttpSource.BasicLookupStrategy.auth.basic.username = reader\n"
        "HttpSource.request_timeout =\n"
        "HttpSource.chunking.chunk_size = 512K\n"
        "HttpSource.chunking.cache.max_size = 5M\n"
        "S3Source.endpoint =\n"
        "S3Source.access_key_id = AKIA\n"
        "S3Source.secret_key = abc\n"
        "processor.stream_retrieval_strategy = StreamStrategy\n"
        "processor.fallback_retrieval_strategy = CacheStrategy\n"
        "FilesystemCache.pathname = /var/cache/casaba\n",
    )
    s = load(p, environ={})
    assert s["source.static"] == "HttpSource"
    assert s["HttpSource.request_timeout"] == 30.0
    assert s["HttpSource.chunking.chunk_size"] == 512 * 1024
    assert s["HttpSource.chunking.cache.max_size"] == 5 * 1024 * 1024
    assert s["S3Source.secret_key"] == "abc"
    assert s["processor.fallback_retrieval_strategy"] == "CacheStrategy"
    assert s.warnings == ()


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("source.delegate = true\n", "asks the delegate, but there is none"),
        ("source.static = HttpSource\nHttpSource.lookup_strategy = ScriptLookupStrategy\n", "asks the delegate"),
        ("meta_identifier.transformer = DelegateMetaIdentifierTransformer\n", "asks the delegate"),
        ("delegates.timeout = 0\n", "delegates.timeout"),
        ("HttpSource.chunking.chunk_size = lots\n", "64K or 5M"),
        ("HttpSource.request_timeout = 0\n", "HttpSource.request_timeout"),
        ("source.static = HttpSource\n", "url_prefix"),
        ("source.static = HttpSource\nHttpSource.BasicLookupStrategy.url_prefix = /srv/images/\n", "http:// or https://"),
        ("source.static = S3Source\n", "bucket.name"),
        ("S3Source.access_key_id = AKIA\n", "go together"),
        ("processor.stream_retrieval_strategy = CacheStrategy\n", "FilesystemCache.pathname"),
        ("processor.fallback_retrieval_strategy = CacheStrategy\n", "FilesystemCache.pathname"),
        ("processor.stream_retrieval_strategy = AbortStrategy\n", "StreamStrategy"),
    ],
)
def test_source_settings_that_cannot_work_stop_start_up(tmp_path, text, fragment):
    with pytest.raises(SettingsError, match=fragment):
        load(write(tmp_path, text), environ={})


@pytest.mark.parametrize("raw, value", [("65536", 65536), ("64K", 65536), ("64kb", 65536), ("5M", 5 << 20), ("1G", 1 << 30), ("0", 0)])
def test_byte_sizes_are_read_as_cantaloupe_writes_them(raw, value):
    assert KEYS["S3Source.chunking.cache.max_size"].kind.parse(raw) == value


def test_a_key_by_its_former_cantaloupe_name_is_read_as_its_current_one(tmp_path):
    s = load(write(tmp_path, "cache.server.ttl_seconds = 3600\n"), environ={})
    assert s["cache.server.derivative.ttl_seconds"] == 3600
    assert any("cache.server.ttl_seconds is read as cache.server.derivative.ttl_seconds" in w for w in s.warnings)
    both = load(write(tmp_path, "cache.server.ttl_seconds = 3600\ncache.server.derivative.ttl_seconds = 60\n"), environ={})
    assert both["cache.server.derivative.ttl_seconds"] == 60
