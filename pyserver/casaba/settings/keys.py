"""Every configuration key: its name (Cantaloupe's where Cantaloupe has one), type, default and
one line of documentation. Each key also has an environment twin, ``CASABA_`` plus the key in
upper case with every other character turned into ``_``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class Kind:
    """How a raw string becomes a value; ``allowed`` says what is accepted, for error messages."""

    allowed = "text"

    def parse(self, raw: str) -> Any:
        return raw


class Str(Kind):
    pass


class Bool(Kind):
    allowed = "true or false"
    _values = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}

    def parse(self, raw: str) -> bool:
        try:
            return self._values[raw.strip().lower()]
        except KeyError:
            raise ValueError from None


@dataclass(frozen=True)
class Int(Kind):
    low: int = 0
    high: int | None = None
    #: A blank entry is allowed and means None (Cantaloupe leaves some numbers blank).
    optional: bool = False

    @property
    def allowed(self) -> str:  # type: ignore[override]
        bound = f" to {self.high}" if self.high is not None else " up"
        return f"an integer from {self.low}{bound}" + (" or blank" if self.optional else "")

    def parse(self, raw: str) -> int | None:
        if not raw.strip() and self.optional:
            return None
        value = int(raw.strip())
        if value < self.low or (self.high is not None and value > self.high):
            raise ValueError
        return value


@dataclass(frozen=True)
class Bytes(Kind):
    """A size in bytes, as Cantaloupe writes them: 65536, 64K, 512KB, 5M, 1G (powers of 1024)."""

    low: int = 0
    allowed = "a size in bytes such as 65536, 64K or 5M"
    _units = {"": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "G": 1 << 30, "GB": 1 << 30}

    def parse(self, raw: str) -> int:
        m = re.fullmatch(r"(\d+)\s*([KMG]B?)?", raw.strip().upper())
        if not m:
            raise ValueError
        value = int(m.group(1)) * self._units[m.group(2) or ""]
        if value < self.low:
            raise ValueError
        return value


@dataclass(frozen=True)
class Float(Kind):
    low: float = 0.0
    #: The value of a blank entry (Cantaloupe's sample leaves some numbers blank), if allowed.
    blank: float | None = None

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return f"a number from {self.low:g} up" + (" or blank" if self.blank is not None else "")

    def parse(self, raw: str) -> float:
        if not raw.strip() and self.blank is not None:
            return self.blank
        value = float(raw.strip().rstrip("fF"))
        if not value >= self.low or value == float("inf"):
            raise ValueError
        return value


@dataclass(frozen=True)
class Choice(Kind):
    options: tuple[str, ...]

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(o or "(blank)" for o in self.options)

    def parse(self, raw: str) -> str:
        value = raw.strip()
        if value not in self.options:
            raise ValueError
        return value


_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "T": 1 << 40, "TB": 1 << 40}


class ByteSize(Kind):
    allowed = "a number of bytes, optionally with a unit: 512K, 64M, 2G, 1T"

    def parse(self, raw: str) -> int:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", raw)
        if not m or m.group(2).upper() not in _UNITS:
            raise ValueError
        return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


_NAMED_COLORS = {"white": (255, 255, 255), "black": (0, 0, 0)}


class Color(Kind):
    allowed = "white, black or a #RRGGBB colour"

    def parse(self, raw: str) -> tuple[int, int, int]:
        value = raw.strip().lower()
        if value in _NAMED_COLORS:
            return _NAMED_COLORS[value]
        if re.fullmatch(r"#[0-9a-f]{6}", value):
            return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
        raise ValueError


@dataclass(frozen=True)
class Key:
    name: str
    kind: Kind
    default: Any
    doc: str

    @property
    def env(self) -> str:
        return "CASABA_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper())


def chunking_keys(source: str) -> list[Key]:
    """Cantaloupe's chunking keys, which mean here: reads of a remote image are rounded out to
    chunks, and the chunks last read are kept with the opened image for later reads."""
    return [
        Key(f"{source}.chunking.enabled", Bool(), True, "Round remote reads out to chunks and keep recent chunks per image."),
        Key(f"{source}.chunking.chunk_size", Bytes(low=1024), 64 << 10, "Size of one chunk (Cantaloupe's default is 512K)."),
        Key(f"{source}.chunking.cache.enabled", Bool(), True, "Keep the chunks last read with each opened image."),
        Key(
            f"{source}.chunking.cache.max_size",
            Bytes(),
            1 << 20,
            "Bytes of chunks kept per opened image (Cantaloupe's is 5M per request).",
        ),
    ]


#: How a source turns an identifier into where the image is: configuration, or the delegate.
LOOKUP_STRATEGIES = ("BasicLookupStrategy", "ScriptLookupStrategy")

DELEGATE_KEYS = [
    Key("delegate_script.enabled", Bool(), False, "Use the delegate script: a Python file defining class CustomDelegate."),
    Key(
        "delegate_script.pathname",
        Str(),
        "delegates.py",
        "The delegate script; a relative path is looked for beside the configuration file, then in the working folder.",
    ),
    Key(
        "delegates.plugins",
        Str(),
        "",
        "Installed delegate packages to use (entry-point names in the group casaba.delegates), comma-separated, in order.",
    ),
    Key("delegate_script.cache.enabled", Bool(), False, "Remember each delegate method's answer for the rest of the request."),
    Key(
        "delegates.timeout",
        Float(0.001),
        10.0,
        "Seconds one delegate method may take; past it the request fails with 500 (a blocking method is left to finish).",
    ),
]

HTTP_SOURCE_KEYS = [
    Key(
        "HttpSource.lookup_strategy",
        Choice(LOOKUP_STRATEGIES),
        "BasicLookupStrategy",
        "How HttpSource turns an identifier into a URL: prefix and suffix, or the delegate's httpsource_resource_info.",
    ),
    Key("HttpSource.BasicLookupStrategy.url_prefix", Str(), "", "URL (with trailing slash) put before the identifier."),
    Key("HttpSource.BasicLookupStrategy.url_suffix", Str(), "", "Text put after the identifier in the URL, e.g. '.tif'."),
    Key("HttpSource.BasicLookupStrategy.auth.basic.username", Str(), "", "User name for HTTP Basic authentication at the origin."),
    Key("HttpSource.BasicLookupStrategy.auth.basic.secret", Str(), "", "Password for HTTP Basic authentication at the origin."),
    Key(
        "HttpSource.BasicLookupStrategy.send_head_requests",
        Bool(),
        True,
        "Check each image with HEAD; false sends a one-byte ranged GET instead (for pre-signed URLs).",
    ),
    Key("HttpSource.request_timeout", Float(0.001, blank=30.0), 30.0, "Seconds one request to the origin may take; blank for 30."),
    Key("HttpSource.allow_insecure", Bool(), False, "Accept origins whose TLS certificates do not verify."),
    *chunking_keys("HttpSource"),
]

S3_SOURCE_KEYS = [
    Key("S3Source.endpoint", Str(), "", "Endpoint URL of an S3-compatible store (path-style addressing); empty for AWS."),
    Key("S3Source.region", Str(), "", "AWS region; empty leaves it to the AWS configuration."),
    Key("S3Source.access_key_id", Str(), "", "Access key ID; empty (with secret_key) uses the standard AWS credential chain."),
    Key("S3Source.secret_key", Str(), "", "Secret access key; empty (with access_key_id) uses the standard AWS credential chain."),
    Key(
        "S3Source.lookup_strategy",
        Choice(LOOKUP_STRATEGIES),
        "BasicLookupStrategy",
        "How S3Source turns an identifier into a bucket and key: prefix and suffix, or the delegate's s3source_object_info.",
    ),
    Key("S3Source.BasicLookupStrategy.bucket.name", Str(), "", "The bucket holding the images."),
    Key("S3Source.BasicLookupStrategy.path_prefix", Str(), "", "Key prefix put before the identifier, e.g. 'images/'."),
    Key("S3Source.BasicLookupStrategy.path_suffix", Str(), "", "Text put after the identifier in the key, e.g. '.tif'."),
    Key("S3Source.request_timeout", Float(0.001, blank=30.0), 30.0, "Seconds one request to S3 may take (not a Cantaloupe key)."),
    *chunking_keys("S3Source"),
]

#: cache.server.derivative's values: where derivatives and infos are shared.
DERIVATIVE_CACHES = ("", "FilesystemCache", "HeapCache", "RedisCache", "S3Cache")

CACHE_KEYS = [
    Key("cache.client.enabled", Bool(), True, "Send Cache-Control (from the cache.client.* keys) with images and info.json."),
    Key("cache.client.max_age", Int(0, optional=True), 2592000, "Cache-Control max-age in seconds; blank for none."),
    Key("cache.client.shared_max_age", Int(0, optional=True), None, "Cache-Control s-maxage in seconds; blank for none."),
    Key("cache.client.public", Bool(), True, "Cache-Control public."),
    Key("cache.client.private", Bool(), False, "Cache-Control private (when public is false)."),
    Key("cache.client.no_cache", Bool(), False, "Cache-Control no-cache."),
    Key("cache.client.no_store", Bool(), False, "Cache-Control no-store."),
    Key("cache.client.must_revalidate", Bool(), False, "Cache-Control must-revalidate."),
    Key("cache.client.proxy_revalidate", Bool(), False, "Cache-Control proxy-revalidate."),
    Key("cache.client.no_transform", Bool(), True, "Cache-Control no-transform."),
    Key("cache.server.derivative.enabled", Bool(), False, "Keep every image made (and each image's info) in the derivative cache."),
    Key(
        "cache.server.derivative",
        Choice(DERIVATIVE_CACHES),
        "",
        "The derivative cache: FilesystemCache (this machine), HeapCache (each worker's memory), RedisCache or S3Cache (shared by many nodes).",
    ),
    Key(
        "cache.server.derivative.ttl_seconds",
        Int(0, optional=True),
        2592000,
        "Seconds a derivative stays valid after it is made; blank or 0 for ever.",
    ),
    Key("cache.server.info.enabled", Bool(), True, "Keep images' infos in memory (per worker) to answer info.json and find derivatives."),
    Key(
        "cache.server.resolve_first",
        Bool(),
        False,
        "Ask the source whether an image still exists and is the same version before serving anything cached.",
    ),
    Key("cache.server.purge_missing", Bool(), False, "Purge what is cached of an image that its source no longer has."),
    Key(
        "cache.server.source.ttl_seconds",
        Int(0, optional=True),
        2592000,
        "Seconds a downloaded source or a built pyramid is kept after its last use; blank or 0 for ever.",
    ),
    Key(
        "cache.server.source.max_size",
        ByteSize(),
        10 << 30,
        "Most bytes of downloaded sources and pyramids kept (not a Cantaloupe key); the least recently used go first. 0 for no bound.",
    ),
    Key(
        "FilesystemCache.pathname",
        Str(),
        "",
        "Folder of the filesystem cache: derivatives in image/, infos in info/, CacheStrategy downloads in source/.",
    ),
    Key("FilesystemCache.dir.depth", Int(0, 8), 3, "Levels of folders (named from a hash of the identifier) above each entry."),
    Key("FilesystemCache.dir.name_length", Int(1, 8), 2, "Characters in the name of each of those folders."),
    Key(
        "FilesystemCache.max_size",
        ByteSize(),
        10 << 30,
        "Most bytes of derivatives kept (not a Cantaloupe key); the least recently used go first. 0 for no bound.",
    ),
    Key(
        "HeapCache.target_size",
        ByteSize(),
        2 << 30,
        "Most bytes of derivatives kept in memory by each worker (Cantaloupe's default, for its one JVM); the least recently used go first.",
    ),
    Key("RedisCache.host", Str(), "localhost", "Host name of the Redis server."),
    Key("RedisCache.port", Int(1, 65535), 6379, "Port of the Redis server."),
    Key("RedisCache.ssl", Bool(), False, "Talk TLS to the Redis server."),
    Key("RedisCache.password", Str(), "", "Password of the Redis server; empty for none."),
    Key("RedisCache.database", Int(0), 0, "Number of the Redis database."),
    Key("S3Cache.endpoint", Str(), "", "Endpoint URL of an S3-compatible store (path-style addressing); empty for AWS."),
    Key("S3Cache.region", Str(), "", "AWS region; empty leaves it to the AWS configuration."),
    Key("S3Cache.access_key_id", Str(), "", "Access key ID; empty (with secret_key) uses the standard AWS credential chain."),
    Key("S3Cache.secret_key", Str(), "", "Secret access key; empty (with access_key_id) uses the standard AWS credential chain."),
    Key("S3Cache.bucket.name", Str(), "", "The bucket holding the cache."),
    Key("S3Cache.object_key_prefix", Str(), "", "Put before every object key of the cache, e.g. 'casaba/'."),
]

#: Keys by the names older Cantaloupe versions gave them, read as their current names.
FORMER_NAMES = {"cache.server.ttl_seconds": "cache.server.derivative.ttl_seconds"}

#: Cantaloupe's resampling filters (processor.downscale_filter, processor.upscale_filter).
RESAMPLING_FILTERS = ("bell", "bicubic", "box", "bspline", "hermite", "lanczos3", "mitchell", "triangle")

#: processor.tif.compression's values, Cantaloupe's names (blank for none), as the core names them.
TIF_COMPRESSIONS = {"": "none", "Deflate": "deflate", "JPEG": "jpeg", "LZW": "lzw", "RLE": "packbits"}

KEYS: dict[str, Key] = {
    k.name: k
    for k in [
        Key("http.host", Str(), "0.0.0.0", "Address the HTTP server listens on."),
        Key("http.port", Int(1, 65535), 8182, "TCP port the HTTP server listens on."),
        Key("http.workers", Int(0, 256), 0, "Server worker processes; 0 means one per CPU core."),
        Key("base_uri", Str(), "", "Public base URI for ids and Link headers behind a proxy; empty means from the request."),
        Key("slash_substitute", Str(), "", "Character sequence that stands for '/' in identifiers; empty for none."),
        Key(
            "meta_identifier.transformer",
            Choice(("StandardMetaIdentifierTransformer", "DelegateMetaIdentifierTransformer")),
            "StandardMetaIdentifierTransformer",
            "How a page number and scale constraint are written inside an identifier: with the delimiter, or by the delegate.",
        ),
        Key(
            "meta_identifier.transformer.StandardMetaIdentifierTransformer.delimiter",
            Str(),
            ";",
            "Separates the identifier from its page number, as in 'scan.tif;2'.",
        ),
        Key("max_pixels", Int(0), 10_000_000, "Most pixels a response may have; 0 for no limit."),
        Key("max_scale", Float(0.0), 1.0, "Largest scale a request may ask for (1.0 = full size); 0 for no limit."),
        Key(
            "source.static",
            Choice(("FilesystemSource", "HttpSource", "S3Source")),
            "FilesystemSource",
            "The source that serves every identifier: a folder, a web server or an S3 bucket.",
        ),
        Key(
            "source.delegate",
            Bool(),
            False,
            "Choose the source per identifier with the delegate's source method (source.static when it answers None).",
        ),
        Key(
            "FilesystemSource.lookup_strategy",
            Choice(LOOKUP_STRATEGIES),
            "BasicLookupStrategy",
            "How FilesystemSource turns an identifier into a path: prefix and suffix, or the delegate's filesystemsource_pathname.",
        ),
        Key(
            "FilesystemSource.BasicLookupStrategy.path_prefix",
            Str(),
            "",
            "Folder (with trailing slash) put before the identifier; empty serves Casaba's demo images.",
        ),
        Key("FilesystemSource.BasicLookupStrategy.path_suffix", Str(), "", "Text put after the identifier, e.g. '.tif'."),
        *HTTP_SOURCE_KEYS,
        *S3_SOURCE_KEYS,
        *DELEGATE_KEYS,
        Key(
            "processor.stream_retrieval_strategy",
            Choice(("StreamStrategy", "DownloadStrategy", "CacheStrategy")),
            "StreamStrategy",
            "How remote images are read: by ranges where the format allows it, downloaded per request, or into the source cache.",
        ),
        Key(
            "processor.fallback_retrieval_strategy",
            Choice(("DownloadStrategy", "CacheStrategy", "AbortStrategy")),
            "DownloadStrategy",
            "For remote images StreamStrategy does not read by ranges (all but TIFF, and origins ignoring Range).",
        ),
        *CACHE_KEYS,
        Key("endpoint.iiif.2.enabled", Bool(), True, "Serve the IIIF Image API 2.1 at /iiif/2."),
        Key("endpoint.iiif.3.enabled", Bool(), True, "Serve the IIIF Image API 3.0 at /iiif/3."),
        Key("endpoint.iiif.min_size", Int(1), 64, "Smallest size listed in info.json sizes."),
        Key("endpoint.iiif.min_tile_size", Int(1), 512, "Tile size advertised for images that are not tiled."),
        Key(
            "source.pyramids.enabled",
            Bool(),
            True,
            "Build a tiled pyramid of each large untiled image in the background (under FilesystemCache.pathname) and serve it in the image's place.",
        ),
        Key("source.pyramids.min_pixels", Int(1), 16_000_000, "Images with at least this many pixels get a pyramid."),
        Key(
            "source.pyramids.max_pixels",
            Int(1),
            1 << 32,
            "Images with more pixels than this get no pyramid: a build reads band by band, but its time and disk grow with the image (and a header of a few bytes can declare billions of pixels).",
        ),
        Key(
            "cache.decoded_tiles.max_size",
            ByteSize(),
            64 << 20,
            "Memory for decoded tiles shared by neighbouring requests, per worker; as much again for JPEG tiles re-coded for partial reads, and an eighth for edge tiles cut to the image. 0 turns it off.",
        ),
        Key("processor.jpg.quality", Int(1, 100), 80, "JPEG output quality."),
        Key(
            "processor.jpg.progressive",
            Bool(),
            False,
            "Progressive JPEG output (Cantaloupe's default is true; baseline decodes faster and costs less to make).",
        ),
        Key("processor.webp.quality", Int(1, 100), 80, "WebP output quality (WebP output is lossy; alpha is kept exactly)."),
        Key(
            "processor.tif.compression",
            Choice(tuple(TIF_COMPRESSIONS)),
            "LZW",
            "TIFF output compression: Deflate, JPEG (at processor.jpg.quality), LZW, RLE (PackBits), or blank for none.",
        ),
        Key("processor.background_color", Color(), (255, 255, 255), "Colour behind transparent pixels in formats without alpha."),
        Key("processor.downscale_filter", Choice(RESAMPLING_FILTERS), "bicubic", "Resampling filter for making images smaller."),
        Key("processor.upscale_filter", Choice(RESAMPLING_FILTERS), "bicubic", "Resampling filter for making images larger."),
    ]
}
