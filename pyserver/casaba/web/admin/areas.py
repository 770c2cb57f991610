"""What the control panel shows where: its areas (each key in the first whose prefixes match its
name), the labels Cantaloupe's control panel gives keys, and which keys hold secrets."""

from __future__ import annotations

from dataclasses import dataclass

from casaba.settings.keys import Key


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    #: Key names, and name prefixes ending in ``.``, of the keys shown here.
    prefixes: tuple[str, ...]

    def holds(self, name: str) -> bool:
        return any(name == p or (p.endswith(".") and name.startswith(p)) for p in self.prefixes)


AREAS = (
    Area("server", "Server and endpoints", ("http.", "endpoint.", "base_uri", "slash_substitute", "meta_identifier.")),
    Area("source", "Source", ("source.static", "source.delegate", "FilesystemSource.", "HttpSource.", "S3Source.")),
    Area("processing", "Processing", ("processor.", "max_pixels", "max_scale", "source.pyramids.", "overload.")),
    Area("caches", "Caches", ("cache.", "FilesystemCache.", "HeapCache.", "RedisCache.", "S3Cache.")),
    Area("overlays", "Overlays", ("overlays.",)),
    Area("redaction", "Redaction", ("redaction.",)),
    Area("delegates", "Delegates", ("delegate_script.", "delegates.")),
    Area("logging", "Logging", ("log.",)),
)
#: Where the keys no area names go: those the configured delegates and overlay plugins declare.
OTHER = Area("other", "Keys of delegates and plugins", ())

#: Cantaloupe's control panel's labels, where it has them.
LABELS = {
    "overlays.BasicStrategy.enabled": "Basic Strategy Enabled",
    "overlays.BasicStrategy.type": "Type",
    "overlays.BasicStrategy.string": "String",
    "overlays.BasicStrategy.image": "Image File",
    "source.static": "Static Source",
    "HttpSource.BasicLookupStrategy.url_prefix": "URL Prefix",
    "S3Source.BasicLookupStrategy.bucket.name": "Bucket Name",
    "S3Source.access_key_id": "Access Key ID",
    "S3Source.secret_key": "Secret Key",
    "delegate_script.enabled": "Delegate Script Enabled",
}
#: Cantaloupe's Logging section: a heading per log and per appender, then the field's label.
_LOG_WORDS = {
    "application": "Application Log",
    "error": "Error Log",
    "access": "Access Log",
    "level": "Log Level",
    "ConsoleAppender": "Console Appender",
    "FileAppender": "File Appender",
    "RollingFileAppender": "Rolling File Appender",
    "SyslogAppender": "Syslog Appender",
    "TimeBasedRollingPolicy": "",
    "enabled": "Enabled",
    "pathname": "Pathname",
    "policy": "Policy",
    "filename_pattern": "Filename Pattern",
    "max_history": "Max History",
    "host": "Host",
    "port": "Port",
    "facility": "Facility",
    "format": "Format",
}
#: Parts of key names that say nothing in a label (the area or strategy already says it).
_QUIET = {"overlays", "BasicStrategy", "BasicLookupStrategy", "processor", "endpoint"}


def area_of(name: str) -> Area:
    return next((a for a in AREAS if a.holds(name)), OTHER)


def label(key: Key) -> str:
    """Cantaloupe's label for the key, else one made of its name's words."""
    if key.name in LABELS:
        return LABELS[key.name]
    if key.name.startswith("log."):
        return " · ".join(_LOG_WORDS[part] for part in key.name.split(".")[1:] if _LOG_WORDS[part])
    words = " ".join(part.replace("_", " ") for part in key.name.split(".") if part not in _QUIET)
    return words[:1].upper() + words[1:]


def secret(name: str) -> bool:
    """Whether the key holds a password or a secret key: its value never goes to the browser."""
    return name.endswith(("secret", "secret_key", "password"))
