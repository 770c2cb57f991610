"""Every configuration key, declared once as a field of a small frozen section: its name
(Cantaloupe's where Cantaloupe has one), kind (``kinds``), default and one line of documentation.
Each key also has an environment twin, ``CASABA_`` plus the key in upper case with every other
character turned into ``_``. ``KEYS`` (name -> ``Key``) is derived from the sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Delegates import the kinds from here too, beside Key, to declare their own keys; the rest of
# Casaba imports Key, build and key_of from here.
from casaba.settings.declare import Key, build, key, key_of, names, section, walk
from casaba.settings.kinds import Bool, ByteSize, Choice, Color, Float, Int, Kind, OverlayPosition, Str
from casaba.settings.log_keys import LogSettings


#: How a source turns an identifier into where the image is: configuration, or the delegate.
LOOKUP_STRATEGIES = ("BasicLookupStrategy", "ScriptLookupStrategy")

#: cache.server.derivative's values: where derivatives and infos are shared.
DERIVATIVE_CACHES = ("", "FilesystemCache", "HeapCache", "RedisCache", "S3Cache")

#: Cantaloupe's resampling filters (processor.downscale_filter, processor.upscale_filter).
RESAMPLING_FILTERS = ("bell", "bicubic", "box", "bspline", "hermite", "lanczos3", "mitchell", "triangle")

#: processor.tif.compression's values, Cantaloupe's names (blank for none), as the core names them.
TIF_COMPRESSIONS = {"": "none", "Deflate": "deflate", "JPEG": "jpeg", "LZW": "lzw", "RLE": "packbits"}

#: overlays.strategy's values: the overlays.BasicStrategy keys, or the delegate's ``overlay``.
OVERLAY_STRATEGIES = ("BasicStrategy", "ScriptStrategy")

#: Keys by the names older Cantaloupe versions gave them, read as their current names.
FORMER_NAMES = {"cache.server.ttl_seconds": "cache.server.derivative.ttl_seconds"}


@dataclass(frozen=True)
class HttpSettings:
    host: str = key("http.host", Str(), "0.0.0.0", "Address the HTTP server listens on.", live=False)
    port: int = key("http.port", Int(1, 65535), 8182, "TCP port the HTTP server listens on.", live=False)
    workers: int = key("http.workers", Int(0, 256), 0, "Server worker processes; 0 means one per CPU core.", live=False)


@dataclass(frozen=True)
class ApiSettings:
    """Cantaloupe's HTTP API for cache purges, at /tasks."""

    enabled: bool = key("endpoint.api.enabled", Bool(), False, "Serve the HTTP API (cache purges as tasks) at /tasks, behind HTTP Basic.")
    username: str = key("endpoint.api.username", Str(), "", "User name of the HTTP API's HTTP Basic credentials; required when it is enabled.")
    secret: str = key("endpoint.api.secret", Str(), "", "Secret of the HTTP API's HTTP Basic credentials; required when it is enabled.")


@dataclass(frozen=True)
class IiifSettings:
    base_uri: str = key("base_uri", Str(), "", "Public base URI for ids and Link headers behind a proxy; empty means from the request.")
    slash_substitute: str = key("slash_substitute", Str(), "", "Character sequence that stands for '/' in identifiers; empty for none.")
    v2_enabled: bool = key("endpoint.iiif.2.enabled", Bool(), True, "Serve the IIIF Image API 2.1 at /iiif/2.")
    v3_enabled: bool = key("endpoint.iiif.3.enabled", Bool(), True, "Serve the IIIF Image API 3.0 at /iiif/3.")
    min_size: int = key("endpoint.iiif.min_size", Int(1), 64, "Smallest size listed in info.json sizes.")
    min_tile_size: int = key("endpoint.iiif.min_tile_size", Int(1), 512, "Tile size advertised for images that are not tiled.")
    max_pixels: int = key("max_pixels", Int(0), 10_000_000, "Most pixels a response may have; 0 for no limit.")
    max_scale: float = key("max_scale", Float(0.0), 1.0, "Largest scale a request may ask for (1.0 = full size); 0 for no limit.")

    def serves(self, version: str) -> bool:
        """Whether the endpoint of the Image API ``version`` ("2" or "3") is enabled."""
        return {"2": self.v2_enabled, "3": self.v3_enabled}[version]


@dataclass(frozen=True)
class MetaIdentifierSettings:
    transformer: str = key(
        "meta_identifier.transformer",
        Choice(("StandardMetaIdentifierTransformer", "DelegateMetaIdentifierTransformer")),
        "StandardMetaIdentifierTransformer",
        "How a page number and scale constraint are written inside an identifier: with the delimiter, or by the delegate.",
    )
    delimiter: str = key(
        "meta_identifier.transformer.StandardMetaIdentifierTransformer.delimiter",
        Str(),
        ";",
        "Separates the identifier from its page number, as in 'scan.tif;2'.",
    )

    @property
    def by_delegate(self) -> bool:
        return self.transformer == "DelegateMetaIdentifierTransformer"


@dataclass(frozen=True)
class SourceSettings:
    static: str = key(
        "source.static",
        Choice(("FilesystemSource", "HttpSource", "S3Source")),
        "FilesystemSource",
        "The source that serves every identifier: a folder, a web server or an S3 bucket.",
    )
    delegate: bool = key(
        "source.delegate",
        Bool(),
        False,
        "Choose the source per identifier with the delegate's source method (source.static when it answers None).",
    )


@dataclass(frozen=True)
class FilesystemSourceSettings:
    lookup_strategy: str = key(
        "FilesystemSource.lookup_strategy",
        Choice(LOOKUP_STRATEGIES),
        "BasicLookupStrategy",
        "How FilesystemSource turns an identifier into a path: prefix and suffix, or the delegate's filesystemsource_pathname.",
    )
    path_prefix: str = key(
        "FilesystemSource.BasicLookupStrategy.path_prefix",
        Str(),
        "",
        "Folder (with trailing slash) put before the identifier; empty serves Casaba's demo images.",
    )
    path_suffix: str = key("FilesystemSource.BasicLookupStrategy.path_suffix", Str(), "", "Text put after the identifier, e.g. '.tif'.")


@dataclass(frozen=True)
class ChunkingSettings:
    """Cantaloupe's chunking keys of a remote source (names after its prefix), which mean here:
    reads of a remote image are rounded out to chunks, and the chunks last read are kept with the
    opened image for later reads."""

    enabled: bool = key("chunking.enabled", Bool(), True, "Round remote reads out to chunks and keep recent chunks per image.")
    chunk_size: int = key("chunking.chunk_size", ByteSize(low=1024), 64 << 10, "Size of one chunk (Cantaloupe's default is 512K).")
    cache_enabled: bool = key("chunking.cache.enabled", Bool(), True, "Keep the chunks last read with each opened image.")
    cache_max_size: int = key(
        "chunking.cache.max_size", ByteSize(), 1 << 20, "Bytes of chunks kept per opened image (Cantaloupe's is 5M per request)."
    )


@dataclass(frozen=True)
class HttpSourceSettings:
    lookup_strategy: str = key(
        "HttpSource.lookup_strategy",
        Choice(LOOKUP_STRATEGIES),
        "BasicLookupStrategy",
        "How HttpSource turns an identifier into a URL: prefix and suffix, or the delegate's httpsource_resource_info.",
    )
    url_prefix: str = key("HttpSource.BasicLookupStrategy.url_prefix", Str(), "", "URL (with trailing slash) put before the identifier.")
    url_suffix: str = key("HttpSource.BasicLookupStrategy.url_suffix", Str(), "", "Text put after the identifier in the URL, e.g. '.tif'.")
    username: str = key("HttpSource.BasicLookupStrategy.auth.basic.username", Str(), "", "User name for HTTP Basic authentication at the origin.")
    secret: str = key("HttpSource.BasicLookupStrategy.auth.basic.secret", Str(), "", "Password for HTTP Basic authentication at the origin.")
    send_head_requests: bool = key(
        "HttpSource.BasicLookupStrategy.send_head_requests",
        Bool(),
        True,
        "Check each image with HEAD; false sends a one-byte ranged GET instead (for pre-signed URLs).",
    )
    request_timeout: float = key(
        "HttpSource.request_timeout", Float(0.001, blank=30.0), 30.0, "Seconds one request to the origin may take; blank for 30."
    )
    allow_insecure: bool = key("HttpSource.allow_insecure", Bool(), False, "Accept origins whose TLS certificates do not verify.")
    chunking: ChunkingSettings = section(ChunkingSettings, "HttpSource.")


@dataclass(frozen=True)
class S3SourceSettings:
    endpoint: str = key("S3Source.endpoint", Str(), "", "Endpoint URL of an S3-compatible store (path-style addressing); empty for AWS.")
    region: str = key("S3Source.region", Str(), "", "AWS region; empty leaves it to the AWS configuration.")
    access_key_id: str = key(
        "S3Source.access_key_id", Str(), "", "Access key ID; empty (with secret_key) uses the standard AWS credential chain."
    )
    secret_key: str = key(
        "S3Source.secret_key", Str(), "", "Secret access key; empty (with access_key_id) uses the standard AWS credential chain."
    )
    lookup_strategy: str = key(
        "S3Source.lookup_strategy",
        Choice(LOOKUP_STRATEGIES),
        "BasicLookupStrategy",
        "How S3Source turns an identifier into a bucket and key: prefix and suffix, or the delegate's s3source_object_info.",
    )
    bucket_name: str = key("S3Source.BasicLookupStrategy.bucket.name", Str(), "", "The bucket holding the images.")
    path_prefix: str = key("S3Source.BasicLookupStrategy.path_prefix", Str(), "", "Key prefix put before the identifier, e.g. 'images/'.")
    path_suffix: str = key("S3Source.BasicLookupStrategy.path_suffix", Str(), "", "Text put after the identifier in the key, e.g. '.tif'.")
    request_timeout: float = key(
        "S3Source.request_timeout", Float(0.001, blank=30.0), 30.0, "Seconds one request to S3 may take (not a Cantaloupe key)."
    )
    chunking: ChunkingSettings = section(ChunkingSettings, "S3Source.")


@dataclass(frozen=True)
class DelegateSettings:
    script_enabled: bool = key(
        "delegate_script.enabled", Bool(), False, "Use the delegate script: a Python file defining class CustomDelegate."
    )
    script_pathname: str = key(
        "delegate_script.pathname",
        Str(),
        "delegates.py",
        "The delegate script; a relative path is looked for beside the configuration file, then in the working folder.",
    )
    plugins: str = key(
        "delegates.plugins",
        Str(),
        "",
        "Installed delegate packages to use (entry-point names in the group casaba.delegates), comma-separated, in order.",
    )
    cache_enabled: bool = key(
        "delegate_script.cache.enabled", Bool(), False, "Remember each delegate method's answer for the rest of the request."
    )
    timeout: float = key(
        "delegates.timeout",
        Float(0.001),
        10.0,
        "Seconds one delegate method may take; past it the request fails with 500 (a blocking method is left to finish).",
    )

    @property
    def plugin_names(self) -> list[str]:
        """The entry-point names in ``plugins``, in order."""
        return names(self.plugins)

    @property
    def configured(self) -> bool:
        """Whether a delegate is configured at all."""
        return self.script_enabled or bool(self.plugin_names)


@dataclass(frozen=True)
class RedactionSettings:
    enabled: bool = key(
        "redaction.enabled",
        Bool(),
        True,
        "Ask the delegates' redactions method on image requests and fill the rectangles it answers; false never asks it.",
    )


@dataclass(frozen=True)
class RetrievalSettings:
    stream_strategy: str = key(
        "processor.stream_retrieval_strategy",
        Choice(("StreamStrategy", "DownloadStrategy", "CacheStrategy")),
        "StreamStrategy",
        "How remote images are read: by ranges where the format allows it, downloaded per request, or into the source cache.",
    )
    fallback_strategy: str = key(
        "processor.fallback_retrieval_strategy",
        Choice(("DownloadStrategy", "CacheStrategy", "AbortStrategy")),
        "DownloadStrategy",
        "For remote images StreamStrategy does not read by ranges (all but TIFF, and origins ignoring Range).",
    )


@dataclass(frozen=True)
class ClientCacheSettings:
    enabled: bool = key("cache.client.enabled", Bool(), True, "Send Cache-Control (from the cache.client.* keys) with images and info.json.")
    max_age: int | None = key("cache.client.max_age", Int(0, optional=True), 2592000, "Cache-Control max-age in seconds; blank for none.")
    shared_max_age: int | None = key(
        "cache.client.shared_max_age", Int(0, optional=True), None, "Cache-Control s-maxage in seconds; blank for none."
    )
    public: bool = key("cache.client.public", Bool(), True, "Cache-Control public.")
    private: bool = key("cache.client.private", Bool(), False, "Cache-Control private (when public is false).")
    no_cache: bool = key("cache.client.no_cache", Bool(), False, "Cache-Control no-cache.")
    no_store: bool = key("cache.client.no_store", Bool(), False, "Cache-Control no-store.")
    must_revalidate: bool = key("cache.client.must_revalidate", Bool(), False, "Cache-Control must-revalidate.")
    proxy_revalidate: bool = key("cache.client.proxy_revalidate", Bool(), False, "Cache-Control proxy-revalidate.")
    no_transform: bool = key("cache.client.no_transform", Bool(), True, "Cache-Control no-transform.")

    @property
    def flags(self) -> list[str]:
        """The Cache-Control directives without a value that are on, in Cantaloupe's order."""
        on = [
            ("no-cache", self.no_cache),
            ("no-store", self.no_store),
            ("must-revalidate", self.must_revalidate),
            ("proxy-revalidate", self.proxy_revalidate),
            ("no-transform", self.no_transform),
        ]
        return [name for name, set_ in on if set_]


@dataclass(frozen=True)
class ServerCacheSettings:
    derivative_enabled: bool = key(
        "cache.server.derivative.enabled", Bool(), False, "Keep every image made (and each image's info) in the derivative cache."
    )
    derivative: str = key(
        "cache.server.derivative",
        Choice(DERIVATIVE_CACHES),
        "",
        "The derivative cache: FilesystemCache (this machine), HeapCache (each worker's memory), RedisCache or S3Cache (shared by many nodes).",
    )
    derivative_ttl_seconds: int | None = key(
        "cache.server.derivative.ttl_seconds",
        Int(0, optional=True),
        2592000,
        "Seconds a derivative stays valid after it is made; blank or 0 for ever.",
    )
    info_enabled: bool = key(
        "cache.server.info.enabled", Bool(), True, "Keep images' infos in memory (per worker) to answer info.json and find derivatives."
    )
    resolve_first: bool = key(
        "cache.server.resolve_first",
        Bool(),
        False,
        "Ask the source whether an image still exists and is the same version before serving anything cached.",
    )
    purge_missing: bool = key(
        "cache.server.purge_missing", Bool(), False, "Purge what is cached of an image that its source no longer has."
    )


@dataclass(frozen=True)
class SourceCacheSettings:
    ttl_seconds: int | None = key(
        "cache.server.source.ttl_seconds",
        Int(0, optional=True),
        2592000,
        "Seconds a downloaded source or a built pyramid is kept after its last use; blank or 0 for ever.",
    )
    max_size: int = key(
        "cache.server.source.max_size",
        ByteSize(),
        10 << 30,
        "Most bytes of downloaded sources and pyramids kept (not a Cantaloupe key); the least recently used go first. 0 for no bound.",
    )


@dataclass(frozen=True)
class FilesystemCacheSettings:
    pathname: str = key(
        "FilesystemCache.pathname",
        Str(),
        "",
        "Folder of the filesystem cache: derivatives in image/, infos in info/, CacheStrategy downloads in source/.",
    )
    dir_depth: int = key("FilesystemCache.dir.depth", Int(0, 8), 3, "Levels of folders (named from a hash of the identifier) above each entry.")
    dir_name_length: int = key("FilesystemCache.dir.name_length", Int(1, 8), 2, "Characters in the name of each of those folders.")
    max_size: int = key(
        "FilesystemCache.max_size",
        ByteSize(),
        10 << 30,
        "Most bytes of derivatives kept (not a Cantaloupe key); the least recently used go first. 0 for no bound.",
    )


@dataclass(frozen=True)
class HeapCacheSettings:
    target_size: int = key(
        "HeapCache.target_size",
        ByteSize(),
        2 << 30,
        "Most bytes of derivatives kept in memory by each worker (Cantaloupe's default, for its one JVM); the least recently used go first.",
    )


@dataclass(frozen=True)
class RedisCacheSettings:
    host: str = key("RedisCache.host", Str(), "localhost", "Host name of the Redis server.")
    port: int = key("RedisCache.port", Int(1, 65535), 6379, "Port of the Redis server.")
    ssl: bool = key("RedisCache.ssl", Bool(), False, "Talk TLS to the Redis server.")
    password: str = key("RedisCache.password", Str(), "", "Password of the Redis server; empty for none.")
    database: int = key("RedisCache.database", Int(0), 0, "Number of the Redis database.")


@dataclass(frozen=True)
class S3CacheSettings:
    endpoint: str = key("S3Cache.endpoint", Str(), "", "Endpoint URL of an S3-compatible store (path-style addressing); empty for AWS.")
    region: str = key("S3Cache.region", Str(), "", "AWS region; empty leaves it to the AWS configuration.")
    access_key_id: str = key(
        "S3Cache.access_key_id", Str(), "", "Access key ID; empty (with secret_key) uses the standard AWS credential chain."
    )
    secret_key: str = key(
        "S3Cache.secret_key", Str(), "", "Secret access key; empty (with access_key_id) uses the standard AWS credential chain."
    )
    bucket_name: str = key("S3Cache.bucket.name", Str(), "", "The bucket holding the cache.")
    object_key_prefix: str = key("S3Cache.object_key_prefix", Str(), "", "Put before every object key of the cache, e.g. 'casaba/'.")


@dataclass(frozen=True)
class PyramidSettings:
    enabled: bool = key(
        "source.pyramids.enabled",
        Bool(),
        True,
        "Build a tiled pyramid of each large untiled image in the background (under FilesystemCache.pathname) and serve it in the image's place.",
    )
    min_pixels: int = key("source.pyramids.min_pixels", Int(1), 16_000_000, "Images with at least this many pixels get a pyramid.")
    max_pixels: int = key(
        "source.pyramids.max_pixels",
        Int(1),
        1 << 32,
        "Images with more pixels than this get no pyramid: a build reads band by band, but its time and disk grow with the image (and a header of a few bytes can declare billions of pixels).",
    )


@dataclass(frozen=True)
class OverloadSettings:
    """How much pixel work each worker takes on before it answers 503 with Retry-After
    (``serving/admission.py``)."""

    queue: int | None = key(
        "overload.queue",
        Int(0, optional=True),
        None,
        "Images each worker may have waiting for a pixel thread, beyond those being made; more are answered 503 with Retry-After. Blank: twice the pixel threads (one per core).",
    )
    max_wait: float = key(
        "overload.max_wait", Float(0.001), 2.0, "Seconds an image may wait for a pixel thread; then it is answered 503 with Retry-After."
    )
    memory: int = key(
        "overload.memory",
        ByteSize(),
        1 << 30,
        "Bytes of pixels the images being made by one worker may hold at once (estimated from each one's region and size); more wait. One image larger than this is made alone.",
    )
    deadline: float = key(
        "overload.deadline",
        Float(0.001),
        30.0,
        "Seconds a request may take to be answered, waiting, reading the source and rendering included (not sending); then its work is stopped and it is answered 503.",
    )


@dataclass(frozen=True)
class DecodedTileSettings:
    max_size: int = key(
        "cache.decoded_tiles.max_size",
        ByteSize(),
        64 << 20,
        "Memory for decoded tiles shared by neighbouring requests, per worker; as much again for JPEG tiles re-coded for partial reads, and an eighth for edge tiles cut to the image. 0 turns it off.",
    )


@dataclass(frozen=True)
class ProcessorSettings:
    jpg_quality: int = key("processor.jpg.quality", Int(1, 100), 80, "JPEG output quality.")
    jpg_progressive: bool = key(
        "processor.jpg.progressive",
        Bool(),
        False,
        "Progressive JPEG output (Cantaloupe's default is true; baseline decodes faster and costs less to make).",
    )
    webp_quality: int = key("processor.webp.quality", Int(1, 100), 80, "WebP output quality (WebP output is lossy; alpha is kept exactly).")
    tif_compression: str = key(
        "processor.tif.compression",
        Choice(tuple(TIF_COMPRESSIONS)),
        "LZW",
        "TIFF output compression: Deflate, JPEG (at processor.jpg.quality), LZW, RLE (PackBits), or blank for none.",
    )
    background_color: tuple[int, int, int] = key(
        "processor.background_color", Color(), (255, 255, 255), "Colour behind transparent pixels in formats without alpha."
    )
    max_decode_pixels: int = key(
        "processor.max_decode_pixels",
        Int(0),
        1 << 27,
        "Most pixels one image may be decoded into (not a Cantaloupe key): a larger PNG, GIF or WebP, or a larger read of any image (a whole level of a TIFF, a progressive JPEG), is refused with 403 before its pixels are allocated, whatever a header claims. 0 for the core's own bound, 2^30.",
    )
    downscale_filter: str = key("processor.downscale_filter", Choice(RESAMPLING_FILTERS), "bicubic", "Resampling filter for making images smaller.")
    upscale_filter: str = key("processor.upscale_filter", Choice(RESAMPLING_FILTERS), "bicubic", "Resampling filter for making images larger.")

    @property
    def tiff_compression(self) -> str:
        """``tif_compression`` as the core names it."""
        return TIF_COMPRESSIONS[self.tif_compression]

    @property
    def plan_options(self) -> dict[str, Any]:
        """The options of the core's ``Image.plan`` that these keys set."""
        return {
            "jpeg_quality": self.jpg_quality,
            "jpeg_progressive": self.jpg_progressive,
            "webp_quality": self.webp_quality,
            "tiff_compression": self.tiff_compression,
            "background": self.background_color,
            "downscale_filter": self.downscale_filter,
            "upscale_filter": self.upscale_filter,
        }


@dataclass(frozen=True)
class HealthSettings:
    enabled: bool = key("endpoint.health.enabled", Bool(), True, "Answer /health: 200 while the server can serve, 500 naming what fails.")
    dependency_check: bool = key(
        "endpoint.health.dependency_check",
        Bool(),
        False,
        "Have /health also read from the source and write to and read from the derivative cache (slower; off when those have checks of their own).",
    )


@dataclass(frozen=True)
class AdminSettings:
    """Cantaloupe's control panel, at /admin."""

    enabled: bool = key("endpoint.admin.enabled", Bool(), False, "Serve the control panel at /admin, behind HTTP Basic; needs endpoint.admin.secret.")
    username: str = key("endpoint.admin.username", Str(), "admin", "User name of the control panel's HTTP Basic credentials.")
    secret: str = key("endpoint.admin.secret", Str(), "", "Password of the control panel's HTTP Basic credentials; required when it is enabled.")


@dataclass(frozen=True)
class OverlaySettings:
    """Cantaloupe's overlay keys; where Cantaloupe's code has a default for a key its sample
    configuration sets otherwise, the code's default is the one here."""

    strategy: str = key(
        "overlays.strategy",
        Choice(OVERLAY_STRATEGIES),
        "BasicStrategy",
        "BasicStrategy draws the overlays.BasicStrategy overlay; ScriptStrategy draws what the delegate's overlay method answers.",
    )
    enabled: bool = key("overlays.BasicStrategy.enabled", Bool(), False, "Draw the BasicStrategy overlay on image responses.")
    type: str = key("overlays.BasicStrategy.type", Choice(("image", "string")), "image", "What the BasicStrategy overlay is: image or string.")
    image: str = key(
        "overlays.BasicStrategy.image",
        Str(),
        "",
        "The overlay image: a path (relative to the working folder) or an http(s) URL, read once at start; PNG keeps its transparency.",
    )
    string: str = key("overlays.BasicStrategy.string", Str(), "", "The overlay text; \\n starts a new line.")
    font: str = key(
        "overlays.BasicStrategy.string.font",
        Str(),
        "SansSerif",
        "A font file's path, or a font's name (looked for among the system's fonts); others draw with the bundled DejaVu Sans.",
    )
    font_size: int = key("overlays.BasicStrategy.string.font.size", Int(1, 10_000), 18, "Font size in points (a point is a pixel of the output).")
    font_min_size: int = key(
        "overlays.BasicStrategy.string.font.min_size",
        Int(1, 10_000),
        14,
        "If the text does not fit at font.size, the largest size down to this at which it fits; smaller than that, no text is drawn.",
    )
    font_weight: float = key("overlays.BasicStrategy.string.font.weight", Float(0.0), 1.0, "Font weight: 1 regular, 1.5 and above bold.")
    glyph_spacing: float = key("overlays.BasicStrategy.string.glyph_spacing", Float(-1.0), 0.0, "Space added after each glyph, in ems (e.g. 0.02).")
    color: tuple[int, int, int, int] = key("overlays.BasicStrategy.string.color", Color(alpha=True), (255, 255, 255, 255), "Text colour (CSS).")
    stroke_color: tuple[int, int, int, int] = key(
        "overlays.BasicStrategy.string.stroke.color", Color(alpha=True), (0, 0, 0, 255), "Colour of the text's outline (CSS)."
    )
    stroke_width: float = key("overlays.BasicStrategy.string.stroke.width", Float(0.0), 2.0, "Width of the text's outline in pixels; 0 for none.")
    background_color: tuple[int, int, int, int] = key(
        "overlays.BasicStrategy.string.background.color",
        Color(alpha=True),
        (0, 0, 0, 0),
        "Colour of a box drawn behind the text (CSS, alpha allowed: rgba(0, 0, 0, 100)); transparent for none.",
    )
    position: str = key(
        "overlays.BasicStrategy.position",
        OverlayPosition(),
        "bottom right",
        "Where the overlay goes: top left, top center, top right, left center, center, right center, bottom left, bottom center, bottom right, repeat (images: tiled) or scaled (images: fit inside the inset); words in any order.",
    )
    inset: int = key("overlays.BasicStrategy.inset", Int(0), 0, "Pixels between the overlay and the image's edge (not for repeat).")
    output_width_threshold: int = key(
        "overlays.BasicStrategy.output_width_threshold", Int(0), 0, "Image responses narrower than this get no overlay; 0 for every width."
    )
    output_height_threshold: int = key(
        "overlays.BasicStrategy.output_height_threshold", Int(0), 0, "Image responses shorter than this get no overlay; 0 for every height."
    )
    plugins: str = key(
        "overlays.plugins",
        Str(),
        "",
        "Installed overlay packages that draw on every image response (entry-point names in the group casaba.overlays), comma-separated, in order.",
    )

    @property
    def plugin_names(self) -> list[str]:
        """The entry-point names in ``plugins``, in order."""
        return names(self.plugins)


@dataclass(frozen=True)
class Sections:
    """Casaba's keys, by section; ``Settings`` adds where they came from."""

    http: HttpSettings = section(HttpSettings)
    iiif: IiifSettings = section(IiifSettings)
    api: ApiSettings = section(ApiSettings)
    meta_identifier: MetaIdentifierSettings = section(MetaIdentifierSettings)
    source: SourceSettings = section(SourceSettings)
    filesystem_source: FilesystemSourceSettings = section(FilesystemSourceSettings)
    http_source: HttpSourceSettings = section(HttpSourceSettings)
    s3_source: S3SourceSettings = section(S3SourceSettings)
    retrieval: RetrievalSettings = section(RetrievalSettings)
    pyramids: PyramidSettings = section(PyramidSettings)
    delegates: DelegateSettings = section(DelegateSettings)
    redaction: RedactionSettings = section(RedactionSettings)
    client_cache: ClientCacheSettings = section(ClientCacheSettings)
    server_cache: ServerCacheSettings = section(ServerCacheSettings)
    source_cache: SourceCacheSettings = section(SourceCacheSettings)
    filesystem_cache: FilesystemCacheSettings = section(FilesystemCacheSettings)
    heap_cache: HeapCacheSettings = section(HeapCacheSettings)
    redis_cache: RedisCacheSettings = section(RedisCacheSettings)
    s3_cache: S3CacheSettings = section(S3CacheSettings)
    decoded_tiles: DecodedTileSettings = section(DecodedTileSettings)
    overload: OverloadSettings = section(OverloadSettings)
    processor: ProcessorSettings = section(ProcessorSettings)
    overlays: OverlaySettings = section(OverlaySettings)
    health: HealthSettings = section(HealthSettings)
    admin: AdminSettings = section(AdminSettings)
    log: LogSettings = section(LogSettings)

    def source_of(self, kind: str) -> FilesystemSourceSettings | HttpSourceSettings | S3SourceSettings:
        """The section of the source ``kind`` (one of source.static's values)."""
        by_kind: dict[str, FilesystemSourceSettings | HttpSourceSettings | S3SourceSettings] = {
            "FilesystemSource": self.filesystem_source,
            "HttpSource": self.http_source,
            "S3Source": self.s3_source,
        }
        return by_kind[kind]


#: Every key of Casaba's by name, and the attributes that hold its value.
PATHS: dict[str, tuple[str, ...]] = {k.name: path for k, path in walk(Sections)}
KEYS: dict[str, Key] = {k.name: k for k, _ in walk(Sections)}
