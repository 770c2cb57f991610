"""Configuration: Cantaloupe's .properties syntax and key names, environment twins, clear errors."""

from dataclasses import FrozenInstanceError, fields, is_dataclass
from types import UnionType
from typing import get_args, get_origin, get_type_hints

import pytest

from casaba.settings import Settings, SettingsError, load
from casaba.settings.keys import KEYS, PATHS, TIF_COMPRESSIONS, Key, Sections
from casaba.settings.kinds import AnyCaseChoice, Bool, ByteSize, Choice, Color, FilenamePattern, Float, Int, OverlayPosition, Str


def write(tmp_path, text):
    p = tmp_path / "casaba.properties"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_match_cantaloupe():
    s = load(None, environ={})
    assert s.http.port == 8182
    assert s.http.host == "0.0.0.0"
    assert s.iiif.max_pixels == 10_000_000
    assert s.iiif.max_scale == 1.0
    assert s.processor.jpg_quality == 80
    assert s.processor.tif_compression == "LZW"
    assert s.source.static == "FilesystemSource"
    assert s.iiif.v3_enabled is True
    assert s.processor.downscale_filter == s.processor.upscale_filter == "bicubic"


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
    assert s.http.port == 8200
    assert s.iiif.base_uri == "https://images.example.org"
    assert s.filesystem_source.path_prefix == "/srv/images/"
    assert s.filesystem_source.path_suffix == ".tif"
    assert s.iiif.max_scale == 2.0
    assert s.iiif.slash_substitute == "\u2044"
    assert s.iiif.v2_enabled is False
    assert s.processor.jpg_quality == 90
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
    assert s.processor.tif_compression == value
    assert TIF_COMPRESSIONS[value] == {"": "none", "RLE": "packbits"}.get(value, value.lower())
    assert s.processor.webp_quality == 55


def test_environment_twins_override_the_file(tmp_path):
    p = write(tmp_path, "http.port = 8200\n")
    s = load(p, environ={"CASABA_HTTP_PORT": "8300", "CASABA_FILESYSTEMSOURCE_BASICLOOKUPSTRATEGY_PATH_PREFIX": "/x/"})
    assert s.http.port == 8300
    assert s.filesystem_source.path_prefix == "/x/"


def test_overrides_win_and_are_checked(tmp_path):
    s = load(None, environ={"CASABA_HTTP_PORT": "8300"}, overrides={"http.port": "8400"})
    assert s.http.port == 8400
    with pytest.raises(SettingsError, match="command line"):
        load(None, environ={}, overrides={"http.port": "x"})


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(SettingsError, match="cannot read"):
        load(tmp_path / "nope.properties", environ={})


@pytest.mark.parametrize("raw, value", [("0", 0), ("1048576", 1 << 20), ("64M", 64 << 20), ("1.5G", 3 << 29), ("512 kb", 512 << 10)])
def test_byte_sizes_take_units(raw, value):
    assert load(None, environ={"CASABA_CACHE_DECODED_TILES_MAX_SIZE": raw}).decoded_tiles.max_size == value


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
    assert s.source.static == "HttpSource"
    assert s.http_source.request_timeout == 30.0
    assert s.http_source.chunking.chunk_size == 512 * 1024
    assert s.http_source.chunking.cache_max_size == 5 * 1024 * 1024
    assert s.s3_source.secret_key == "abc"
    assert s.retrieval.fallback_strategy == "CacheStrategy"
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
    assert s.server_cache.derivative_ttl_seconds == 3600
    assert any("cache.server.ttl_seconds is read as cache.server.derivative.ttl_seconds" in w for w in s.warnings)
    both = load(write(tmp_path, "cache.server.ttl_seconds = 3600\ncache.server.derivative.ttl_seconds = 60\n"), environ={})
    assert both.server_cache.derivative_ttl_seconds == 60


def test_every_key_is_one_field_and_every_field_one_key():
    settings = Settings()
    paths = {}
    for name, path in PATHS.items():
        assert path not in paths.values(), f"{name} shares its attribute with another key"
        paths[name] = path
        assert settings.value(name) == KEYS[name].default
    assert set(PATHS) == set(KEYS)

    def leaves(obj, path=()):
        for f in fields(obj):
            inner = getattr(obj, f.name)
            if is_dataclass(inner):
                yield from leaves(inner, (*path, f.name))
            else:
                yield (*path, f.name)

    section_fields = set(leaves(Sections()))
    assert section_fields == set(PATHS.values())


# What each kind of key reads into: the attribute's declared type must say the same.
TYPES = {Str: str, Bool: bool, Float: float, Choice: str, AnyCaseChoice: str, ByteSize: int, OverlayPosition: str, FilenamePattern: str}


def reads(kind):
    if isinstance(kind, Int):
        return int | None if kind.optional else int
    if isinstance(kind, Color):
        return tuple[int, int, int, int] if kind.alpha else tuple[int, int, int]
    return TYPES[type(kind)]


def test_every_attribute_is_typed_as_its_key_reads():
    def declared(path):
        cls = Sections
        for attribute in path[:-1]:
            cls = get_type_hints(cls)[attribute]
        return get_type_hints(cls)[path[-1]]

    for name, path in PATHS.items():
        kind = KEYS[name].kind
        hint = declared(path)
        assert hint == reads(kind), name
        runtime = get_args(hint) if get_origin(hint) is UnionType else (get_origin(hint) or hint)
        assert isinstance(KEYS[name].default, runtime), name


def test_settings_are_frozen_and_have_no_access_by_key_string():
    s = load(None, environ={})
    with pytest.raises(FrozenInstanceError):
        s.processor.jpg_quality = 90
    with pytest.raises(TypeError):
        s["processor.jpg.quality"]


def test_changed_makes_new_checked_settings_and_leaves_the_old_ones_alone():
    s = load(None, environ={})
    new = s.changed({"processor.jpg.quality": "90", "HttpSource.chunking.chunk_size": "512K", "processor.background_color": "black"})
    assert (new.processor.jpg_quality, new.http_source.chunking.chunk_size, new.processor.background_color) == (90, 512 << 10, (0, 0, 0))
    assert s.processor.jpg_quality == 80
    assert new.http == s.http
    with pytest.raises(SettingsError, match=r"processor.jpg.quality = '101' \(changed\) is not allowed: expected an integer from 1 to 100"):
        s.changed({"processor.jpg.quality": "101"})
    with pytest.raises(SettingsError, match="unknown configuration key nope.nope"):
        s.changed({"nope.nope": "1"})
    with pytest.raises(SettingsError, match="url_prefix"):
        s.changed({"source.static": "HttpSource"})
    with pytest.raises(SettingsError, match="asks the delegate"):
        s.changed({"source.delegate": "true"})


def test_a_delegates_keys_are_read_by_name_and_changed_like_casabas(tmp_path):
    keys = (Key("rules.realm", Str(), "Archive", "The realm."), Key("rules.limit", Int(1), 5, "A limit."))
    s = load(write(tmp_path, "rules.realm = Museum\n"), environ={"CASABA_RULES_LIMIT": "9"}, extra_keys=keys)
    assert (s.value("rules.realm"), s.value("rules.limit"), s.value("http.port")) == ("Museum", 9, 8182)
    assert s.warnings == ()
    new = s.changed({"rules.limit": "7"})
    assert (new.value("rules.realm"), new.value("rules.limit")) == ("Museum", 7)
    with pytest.raises(SettingsError, match="rules.limit = '0'"):
        s.changed({"rules.limit": "0"})
    with pytest.raises(KeyError):
        s.value("rules.other")


@pytest.mark.parametrize(
    "raw, value",
    [("65536", 65536), ("64K", 64 << 10), ("512KB", 512 << 10), ("5M", 5 << 20), ("1G", 1 << 30), ("1T", 1 << 40), ("1.5G", 3 << 29), ("512 K", 512 << 10), ("2 mb", 2 << 20), ("100B", 100)],
)
def test_one_byte_size_parser_takes_every_spelling(raw, value):
    assert ByteSize().parse(raw) == value


def test_a_byte_size_below_its_keys_lower_bound_is_refused():
    with pytest.raises(SettingsError, match="HttpSource.chunking.chunk_size = '512' .* of at least 1024"):
        load(None, environ={"CASABA_HTTPSOURCE_CHUNKING_CHUNK_SIZE": "512"})
    assert load(None, environ={"CASABA_HTTPSOURCE_CHUNKING_CHUNK_SIZE": "1K"}).http_source.chunking.chunk_size == 1024


@pytest.mark.parametrize("group", ["casaba.delegates", "casaba.overlays"])
def test_the_example_plugins_keys_are_read_by_name(group):
    from casaba.plugins import installed, plugin_class

    for name in installed(group):
        keys = plugin_class(group, "plugins", name).settings_keys
        s = load(None, environ={}, extra_keys=keys)
        assert keys and all(s.value(k.name) == k.default for k in keys), name


def test_every_default_is_written_as_text_that_reads_back():
    for key in KEYS.values():
        assert key.kind.parse(key.kind.text(key.default)) == key.default, key.name


def test_an_enabled_control_panel_needs_a_secret():
    with pytest.raises(SettingsError, match="endpoint.admin.secret"):
        load(None, environ={}, overrides={"endpoint.admin.enabled": "true"})
    assert load(None, environ={}, overrides={"endpoint.admin.enabled": "true", "endpoint.admin.secret": "s"}).admin.enabled
