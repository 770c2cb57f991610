"""Configuration: how raw text becomes a value in ``kinds``, every key (by section) in ``keys``,
loading, checking and changing in ``load``."""

from casaba.settings.load import Settings, SettingsError, load, load_from_environment

__all__ = ["Settings", "SettingsError", "load", "load_from_environment"]
