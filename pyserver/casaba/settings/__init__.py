"""Configuration: every key in ``keys``, loading and checking in ``load``."""

from casaba.settings.load import Settings, SettingsError, load, load_from_environment

__all__ = ["Settings", "SettingsError", "load", "load_from_environment"]
