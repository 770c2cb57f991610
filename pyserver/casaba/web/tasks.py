"""``/tasks``: Cantaloupe's HTTP API for purging caches, behind HTTP Basic
(``endpoint.api.enabled``, ``.username``, ``.secret``; a 404 while disabled).

- ``POST /tasks`` with a JSON object naming a verb (``PurgeItemFromCache`` with an
  ``identifier``, ``PurgeInvalidFromCache``, ``PurgeCache``, ``PurgeInfoCache``; other keys are
  ignored): ``202 Accepted`` with the task's URL in ``Location``. The task runs in the
  background of the worker that took it, one at a time per worker (as Cantaloupe's task queue).
- ``GET /tasks/{uuid}``: the task as Cantaloupe serializes it: ``verb``, ``uuid``, ``status``
  (``QUEUED``, ``RUNNING``, ``SUCCEEDED``, ``FAILED``), ``queued_at``, ``started_at``,
  ``stopped_at`` (ISO 8601, UTC; absent until then), ``done``, ``cancelled``, and ``exception``
  when it failed (a short public message here; the details go to the log).

Any worker of the server may get the task's URL: a task's record is a small JSON file, replaced
atomically at each change, in the folder the server's workers share (``purge_signal``).
A purge of a shared cache runs off the event loop; then it is announced to every worker, which
forgets what it keeps in memory before its next request, and the task succeeds once every
request that starts from then on sees the purge.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import time
import uuid
from collections.abc import Coroutine
from contextlib import suppress
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from casaba import meta_identifier
from casaba.caches.purge import NothingToPurge, purge
from casaba.caches.purge_signal import ALL, CHECK_SECONDS, EXPIRED, INFOS, ITEM, PurgeSignal
from casaba.errors import BadRequest, MethodNotAllowed, NotFound, UnsupportedMediaType
from casaba.http import Request, Response
from casaba.serving.iiif import IiifService
from casaba.settings import Settings
from casaba.web.basic_auth import require

log = logging.getLogger("casaba.tasks")

#: Cantaloupe's verbs (its version 5), and what each purges.
VERBS = {"PurgeItemFromCache": ITEM, "PurgeInvalidFromCache": EXPIRED, "PurgeCache": ALL, "PurgeInfoCache": INFOS}
REALM = "Casaba API Realm"
#: A command is a few dozen bytes; more is refused unread.
MAX_BODY = 64 * 1024
#: Records of tasks older than this are removed when a new task is taken.
KEPT_SECONDS = 7 * 24 * 3600
QUEUED, RUNNING, SUCCEEDED, FAILED = "QUEUED", "RUNNING", "SUCCEEDED", "FAILED"
NO_CACHE = ("cache-control", "no-cache")
JSON = "application/json; charset=utf-8"


async def tasks_endpoint(iiif: IiifService, request: Request, parts: list[str]) -> Response:
    """``/tasks`` and ``/tasks/{uuid}``."""
    api = iiif.settings.api
    if not api.enabled:
        raise NotFound("Not found.")
    require(request, api.username, api.secret, REALM)
    rest = [p for p in parts[2:] if p]
    if not rest:
        return await submit(iiif, request)
    if len(rest) == 1:
        return status(iiif.purges, request, rest[0])
    raise NotFound("No such task.")


async def submit(iiif: IiifService, request: Request) -> Response:
    if request.method == "OPTIONS":
        return Response(204, [("allow", "OPTIONS, POST"), NO_CACHE])
    if request.method != "POST":
        raise MethodNotAllowed("Only POST and OPTIONS are allowed.", [("allow", "OPTIONS, POST")])
    media_type = request.header("content-type").split(";")[0].strip().lower()
    if media_type and media_type != "application/json":
        raise UnsupportedMediaType("Send the task as JSON, with Content-Type: application/json.")
    verb, identifier = command(await request.body(MAX_BODY))
    records = Records(iiif.purges.folder)
    task = Task(str(uuid.uuid4()), verb, identifier, QUEUED, now())
    records.add(task)
    QUEUE.submit(run(task, iiif.settings, iiif.purges, records))
    location = f"{request.base_uri(iiif.settings.iiif.base_uri)}/tasks/{task.uuid}"
    return Response(202, [("location", location), NO_CACHE])


def status(purges: PurgeSignal, request: Request, name: str) -> Response:
    if request.method == "OPTIONS":
        return Response(204, [("allow", "GET, HEAD, OPTIONS"), NO_CACHE])
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed("Only GET, HEAD and OPTIONS are allowed.", [("allow", "GET, HEAD, OPTIONS")])
    body = Records(purges.folder).read(name)
    if body is None:
        raise NotFound("No such task.")
    return Response(200, [("content-type", JSON), NO_CACHE], body)


def command(body: bytes) -> tuple[str, str | None]:
    """The verb and (for PurgeItemFromCache) the identifier of a task's JSON, or a 400 saying
    what is wrong."""
    verbs = ", ".join(VERBS)
    try:
        data = json.loads(body)
    except ValueError:
        raise BadRequest(f'The request body is not JSON: send an object such as {{"verb": "PurgeCache"}} (verbs: {verbs}).') from None
    if not isinstance(data, dict) or "verb" not in data:
        raise BadRequest(f'The request body must be a JSON object with a "verb": one of {verbs}.')
    verb = data["verb"]
    if not isinstance(verb, str) or verb not in VERBS:
        raise BadRequest(f'The "verb" must be one of {verbs}.')
    identifier = data.get("identifier")
    if VERBS[verb] != ITEM:
        return verb, None
    if not isinstance(identifier, str) or not identifier:
        raise BadRequest('PurgeItemFromCache needs an "identifier": the image\'s identifier, as a string.')
    return verb, identifier


def now() -> str:
    """The time as Cantaloupe writes an instant: ISO 8601 in UTC."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Task:
    uuid: str
    verb: str
    #: The image, for PurgeItemFromCache.
    identifier: str | None
    status: str
    queued_at: str
    started_at: str | None = None
    stopped_at: str | None = None
    #: Why it failed, in public words.
    exception: str | None = None

    def to_json(self) -> bytes:
        # As Cantaloupe's Jackson writes a task: what is not known yet is left out.
        known = {k: v for k, v in asdict(self).items() if v is not None}
        return json.dumps({**known, "done": self.status in (SUCCEEDED, FAILED), "cancelled": False}).encode()


class Records:
    """Tasks' records, one JSON file each, in the ``tasks`` folder under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "tasks"

    def add(self, task: Task) -> None:
        """Record a new task, and remove the records of tasks past ``KEPT_SECONDS``."""
        self.folder.mkdir(exist_ok=True)
        old = time.time() - KEPT_SECONDS
        for entry in os.scandir(self.folder):
            # Another worker may be removing the same records.
            with suppress(FileNotFoundError):
                if entry.stat().st_mtime < old:
                    os.unlink(entry.path)
        self.write(task)

    def write(self, task: Task) -> None:
        temp = self.folder / f".{task.uuid}.{secrets.token_hex(4)}"
        temp.write_bytes(task.to_json())
        os.replace(temp, self.folder / f"{task.uuid}.json")

    def read(self, name: str) -> bytes | None:
        try:
            # Only the canonical form names a file: nothing else in the path reaches the disk.
            path = self.folder / f"{uuid.UUID(name)}.json"
            return path.read_bytes()
        except (ValueError, FileNotFoundError):
            return None


class TaskQueue:
    """Tasks run one at a time in this worker, in the order taken (as Cantaloupe's TaskQueue):
    purges do not run over each other."""

    def __init__(self) -> None:
        self._turn = asyncio.Lock()
        # The event loop keeps only weak references to tasks.
        self._running: set[asyncio.Task[None]] = set()

    def submit(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._in_turn(work))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _in_turn(self, work: Coroutine[Any, Any, None]) -> None:
        async with self._turn:
            try:
                await work
            except Exception:
                log.exception("a task's record could not be written")


QUEUE = TaskQueue()


async def run(task: Task, settings: Settings, purges: PurgeSignal, records: Records) -> None:
    task = replace(task, status=RUNNING, started_at=now())
    records.write(task)
    try:
        await carry_out(task.verb, task.identifier, settings, purges)
    except Exception as e:
        log.exception("task %s %s failed", task.verb, task.uuid)
        failure = f"The purge failed ({type(e).__name__}); the server's log has the details."
        task = replace(task, status=FAILED, stopped_at=now(), exception=failure)
    else:
        task = replace(task, status=SUCCEEDED, stopped_at=now())
    records.write(task)


async def carry_out(verb: str, identifier: str | None, settings: Settings, purges: PurgeSignal) -> None:
    """Purge what ``verb`` names (``identifier``'s entries for PurgeItemFromCache), in the
    shared caches and in every worker's memory."""
    what = VERBS[verb]
    base = None
    if identifier is not None:
        base = meta_identifier.parse(identifier, settings.meta_identifier.delimiter).identifier
    if what != INFOS:
        # In a thread of its own: emptying folders blocks.
        await asyncio.to_thread(purge_shared, settings, what, identifier)
    await purges.announce(what, base)
    # Every worker looks for purges before a request at least this often: from now on, every
    # request sees this one.
    await asyncio.sleep(CHECK_SECONDS)


def purge_shared(settings: Settings, what: str, identifier: str | None) -> None:
    """Purge the derivative cache and the source cache as ``casaba cache purge`` does."""
    try:
        asyncio.run(purge(settings, identifier=identifier, everything=what == ALL, expired=what == EXPIRED))
    except NothingToPurge:
        pass  # no cache outside the workers: their memory, told next, is all there is
