"""The ``casaba`` command: ``serve`` runs the server; ``inspect`` shows how a file is read;
``pyramid`` writes a tiled pyramidal TIFF of an image; ``cache purge`` empties caches.
Every option has an environment twin, shown in ``--help``."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

from casaba.workers import FOLDER_ENV
from casaba.settings import SettingsError
from casaba.settings.keys import FilesystemSourceSettings, HttpSettings, key_of
from casaba.settings.load import CONFIG_ENV

log = logging.getLogger("casaba")

HOST, PORT, WORKERS = (key_of(HttpSettings, name) for name in ("host", "port", "workers"))
PREFIX = key_of(FilesystemSourceSettings, "path_prefix")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="casaba")
def main() -> None:
    """Casaba, a fast IIIF image server."""
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s] %(name)s: %(message)s")


@main.command()
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), envvar=CONFIG_ENV, show_envvar=True, help="A Cantaloupe-style .properties file.")
@click.option("--host", envvar=HOST.env, show_envvar=True, help=f"Listen address ({HOST.name}).")
@click.option("--port", type=int, envvar=PORT.env, show_envvar=True, help=f"Listen port ({PORT.name}).")
@click.option("--workers", type=int, envvar=WORKERS.env, show_envvar=True, help=f"Worker processes ({WORKERS.name}); 0 = one per core.")
def serve(config: Path | None, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve IIIF Image API requests. Without an image folder configured, serve the demo images."""
    from casaba.delegates.loading import checked_manager, configure
    from casaba.delegates.manager import DelegateManager

    overrides = {k.name: str(v) for k, v in ((HOST, host), (PORT, port), (WORKERS, workers)) if v is not None}
    try:
        settings, delegates = configure(config, overrides=overrides)
        # Made once here so that a delegate or an overlay that cannot work stops start-up, not
        # each worker.
        manager = checked_manager(settings, delegates)
    except SettingsError as e:
        raise click.ClickException(str(e)) from None
    for warning in settings.warnings:
        log.warning(warning)
    if isinstance(manager, DelegateManager):
        log.info("Delegates: %s; methods answered: %s", ", ".join(manager.plugins), ", ".join(sorted(manager.implemented)) or "none")
    if settings.source.static == "FilesystemSource" and not settings.filesystem_source.path_prefix:
        from casaba import demo

        folder = demo.default_folder()
        log.info("No %s configured: serving the demo images in %s (drawing them on first run)", PREFIX.name, folder)
        demo.ensure(folder)
        overrides[PREFIX.name] = str(folder) + os.sep
        settings, _ = configure(config, overrides=overrides)
        names = sorted(p.name for p in folder.iterdir() if p.suffix in (".tif", ".png", ".jpg"))
        shown = "127.0.0.1" if settings.http.host in ("0.0.0.0", "::") else settings.http.host
        for name in names:
            log.info("  http://%s:%s/iiif/3/%s/info.json", shown, settings.http.port, name)
    # Workers read their settings from the environment: the file, plus the overrides as twins.
    if config is not None:
        os.environ[CONFIG_ENV] = str(config.resolve())
    for name, raw in overrides.items():
        os.environ[settings.declared_keys()[name].env] = raw
    # Where the workers tell each other of purges and keep the HTTP API's tasks: gone with the server.
    shared = tempfile.mkdtemp(prefix="casaba-workers-")
    os.environ[FOLDER_ENV] = shared

    from granian import Granian
    from granian.constants import Interfaces, Loops

    try:
        Granian(
            target="casaba.app:create_app",
            factory=True,
            interface=Interfaces.RSGI,
            address=settings.http.host,
            port=settings.http.port,
            workers=settings.http.workers or os.cpu_count() or 1,
            # uvloop: measured on 2 cores, 256² tiles from 4 connections went from 11,000-15,000 to
            # 17,500 req/s, and info.json from 14,700-16,500 to 18,000.
            loop=Loops.uvloop,
            # A worker that dies (it should not) is replaced instead of leaving the port short of one.
            respawn_failed_workers=True,
        ).serve()
    finally:
        shutil.rmtree(shared, ignore_errors=True)


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--page", type=int, default=1, help="The page of a multi-page source.")
@click.option("--tile", type=int, default=256, help="Tile width and height.")
@click.option("--quality", type=int, default=90, help="JPEG quality of the tiles.")
def pyramid(source: Path, target: Path, page: int, tile: int, quality: int) -> None:
    """Write SOURCE (whole, upright) as a tiled pyramidal JPEG TIFF at TARGET."""
    from casaba import _core
    from casaba.sources import pyramids

    try:
        built = pyramids.build(source, target, page, tile, quality)
    except _core.CoreError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"{target}: {'built' if built else 'already built, or being built by another process'}")


@main.command()
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), envvar=CONFIG_ENV, show_envvar=True, help="A Cantaloupe-style .properties file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("request", required=False, default="full/max/0/default.jpg")
def inspect(config: Path | None, file: Path, request: str) -> None:
    """Show FILE's structure and the plan the server makes of it for REQUEST
    (region/size/rotation/quality.format), with the configured limits, encoders and filters."""
    from casaba import _core
    from casaba.errors import HttpError
    from casaba.serving.derivatives import plan, resolve_region
    from casaba.iiif.params import Limits, Version, parse_image_request
    from casaba.settings import load

    try:
        settings = load(config)
        image = _core.Image.open(str(file))
        req = parse_image_request(file.name, request.strip("/").split("/"), Version.V3)
        resolved, region = resolve_region(req, image.width, image.height, None, Limits(settings.iiif.max_pixels, settings.iiif.max_scale))
        made = plan(image, region, resolved, settings.processor)
    except SettingsError as e:
        raise click.ClickException(str(e)) from None
    except (_core.CoreError, HttpError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"format:      {image.format} ({image.compression})")
    click.echo(f"size:        {image.width} x {image.height}, {image.channels} channel(s)")
    click.echo(f"tiles:       {image.tile_size or 'none'}")
    click.echo("levels:      " + ", ".join(f"{w}x{h}" for w, h in image.levels))
    click.echo("plan:")
    for step in made.steps:
        click.echo(f"  {step}")
    if not made.passthrough:
        click.echo(f"passthrough: no, {made.passthrough_refusal}")


@main.group()
def cache() -> None:
    """The derivative cache (cache.server.derivative) and the source cache."""


@cache.command()
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), envvar=CONFIG_ENV, show_envvar=True, help="A Cantaloupe-style .properties file.")
@click.option("--identifier", help="Purge every derivative and info of this image (all its pages).")
@click.option("--all", "everything", is_flag=True, help="Purge the whole derivative cache and the source cache.")
@click.option("--expired", is_flag=True, help="Purge what is older than cache.server.derivative.ttl_seconds.")
def purge(config: Path | None, identifier: str | None, everything: bool, expired: bool) -> None:
    """Purge cached derivatives: of one image, all, or the expired ones. Running servers notice
    within a second."""
    from casaba.caches.purge import NothingToPurge
    from casaba.caches.purge import purge as run_purge
    from casaba.delegates.loading import configure

    if sum([identifier is not None, everything, expired]) != 1:
        raise click.UsageError("give exactly one of --identifier ID, --all or --expired")
    try:
        settings, _ = configure(config)
        done = asyncio.run(run_purge(settings, identifier=identifier, everything=everything, expired=expired))
    except (SettingsError, NothingToPurge) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"purged {done.derivatives} derivative cache entries and {done.sources} downloaded sources and pyramids")


if __name__ == "__main__":
    sys.exit(main())
