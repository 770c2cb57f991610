"""Secrets and access, on real servers: every credential a client gives is compared in constant
time; no secret (of the settings, of a client, of a delegate) reaches a log file, a response or
the control panel, whatever fails; ``/admin`` and ``/tasks`` are not there while disabled; and
a delegate's refusal holds by every route to an image (``test_delegates_with_caches`` has the
first of these: a derivative cached for an allowed request)."""

import ast
import base64
import json
import re
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from casaba.testing import free_port, running_server, write_properties
from casaba.web.admin.areas import area_of

from ..sources.origins import Behaviour, Moto, Origin

ROOT = Path(__file__).resolve().parents[2]

# --- 1. Credentials compared in constant time ------------------------------------------------

#: Names that hold a credential in Casaba's code.
CREDENTIAL = re.compile(r"secret|password|passwd|token|credential|authorization", re.IGNORECASE)
#: Comparisons of names like those that compare no credential a client gives.
NOT_CREDENTIALS = {
    "await cache.purged() != token",  # a cache's purge marker, random and public (testing)
    "token != self._purge_token",  # the same marker
    "''.join(tokens) != java",  # the pieces of a date pattern
    "bool(s.s3_source.access_key_id) != bool(s.s3_source.secret_key)",  # both set, or neither
    "bool(s.s3_cache.access_key_id) != bool(s.s3_cache.secret_key)",
}


def compared_credentials(path):
    """The lines of ``path`` that compare a credential with ``==``, ``!=`` or ``in`` (the time
    such a comparison takes tells how much of it was right)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for op in node.ops):
            names = [ast.unparse(n) for n in (node.left, *node.comparators) if not isinstance(n, ast.Constant)]
            if any(CREDENTIAL.search(name) for name in names) and ast.unparse(node) not in NOT_CREDENTIALS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_credential_is_compared_but_in_constant_time():
    files = [*(ROOT / "pyserver" / "casaba").rglob("*.py"), *(ROOT / "plugins").glob("*/src/**/*.py")]
    assert len(files) > 50
    assert [line for f in files for line in compared_credentials(f)] == []
    checks = [f for f in files if "compare_digest" in f.read_text()]
    assert sorted(str(f.relative_to(ROOT)) for f in checks) == ["pyserver/casaba/web/admin/guard.py", "pyserver/casaba/web/basic_auth.py"]


# --- 2. Secrets are never logged, echoed or shown -----------------------------------------------

ADMIN = ("keeper", "admin-secret-Qx81")
API = ("purger", "api-secret-Zr55")
READER = ("reader", "reader-secret-Pw09")
ORIGIN = ("fetcher", "origin-secret-Lm27")
#: Secrets the settings hold but nothing uses (and a key id, which is no secret): the panel
#: must not show the secrets either.
IDLE = {"RedisCache.password": "redis-secret-Hb12", "S3Cache.access_key_id": "cache-key", "S3Cache.secret_key": "s3cache-secret-Ty64"}
#: What clients send that is theirs alone.
WRONG = "wrong-secret-Vv40"
COOKIE = "cookie-secret-Cc73"
QUERY = "query-secret-Qq18"
BEARER = "bearer-secret-Bb52"
TYPED = "typed-secret-Nn33"
#: What the delegate gives HttpSource and S3Source, and the S3 store's key.
DELEGATE_ORIGIN = "delegate-origin-secret-Do61"
URL_PASSWORD = "url-password-Up24"
S3_KEY = "s3-secret-Sk90"
S3_DELEGATE = "s3-delegate-secret-Sd47"


def basic(user, secret):
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def every_form(*secrets):
    """Each secret as it is and as a Basic header would carry it with any user."""
    forms = set(secrets)
    for user in (ADMIN[0], API[0], READER[0], ORIGIN[0], "u"):
        forms |= {basic(user, s).split()[1] for s in secrets}
    return forms


class Exchanges:
    """An HTTP client that keeps every answer it got, to be searched for secrets afterwards."""

    def __init__(self, base):
        self.client = httpx.Client(base_url=base, timeout=30)
        self.seen = []

    def __call__(self, method, path, **options):
        r = self.client.request(method, path, **options)
        self.seen.append(r)
        return r

    def leaks(self, secrets):
        found = []
        for r in self.seen:
            text = r.content.decode("utf-8", "replace") + "\n".join(f"{k}: {v}" for k, v in r.headers.multi_items())
            found += [(r.request.method, str(r.request.url), r.status_code, s) for s in secrets if s in text]
        return found


def logged_settings(folder):
    """Every log, at its most talkative, written to files in ``folder``."""
    return {
        "log.application.level": "debug",
        "log.application.FileAppender.enabled": "true",
        "log.application.FileAppender.pathname": str(folder / "application.log"),
        "log.error.FileAppender.enabled": "true",
        "log.error.FileAppender.pathname": str(folder / "error.log"),
        "log.access.format": "combined",
        "log.access.FileAppender.enabled": "true",
        "log.access.FileAppender.pathname": str(folder / "access.log"),
    }


def log_leaks(folder, secrets):
    return [(p.name, s) for p in sorted(folder.iterdir()) if p.is_file() for s in secrets if s in p.read_text(errors="replace")]


@contextmanager
def origin_closed(origin):
    """``origin``, closed at the end (if the test has not closed it already)."""
    try:
        yield origin
    finally:
        origin.close()


def token_of(page):
    return re.search(r'name="_token" value="([0-9a-f]+)"', page).group(1)


def panel_shows_no_secret(ask, secrets):
    """The panel (its status with the last errors, every area's form) holds no secret, and a
    secret's field is a password field left empty."""
    page = ask("GET", "/admin", headers={"authorization": basic(*ADMIN)})
    assert page.status_code == 200
    assert "Last server errors" in page.text
    assert [s for s in secrets if s in page.text] == []
    for name in ("endpoint.admin.secret", "endpoint.api.secret", "HttpSource.BasicLookupStrategy.auth.basic.secret", "S3Source.secret_key", "RedisCache.password", "S3Cache.secret_key"):
        control = re.search(rf'<input type="([a-z]+)" id="k-{re.escape(name)}"[^>]*>', page.text)
        assert control and control.group(1) == "password" and 'value=""' in control.group(0), (name, control)
    return page


def test_no_secret_of_the_settings_or_a_client_is_logged_echoed_or_shown(images, tmp_path):
    """HttpSource with Basic credentials at the origin, the panel, the task API and images
    behind the basic-auth delegate; right and wrong credentials, a cookie and credentials in the
    query; then the origin refuses the password, fails, and goes away."""
    logs = tmp_path / "logs"
    logs.mkdir()
    files = {name: (images / name).read_bytes() for name in ("photo.jpg", "alpha.png", "big.png")}
    origin = Origin({**files, "broken/photo.jpg": files["photo.jpg"]}, Behaviour(credentials=ORIGIN, broken=("broken/",)))
    settings = {
        "source.static": "HttpSource",
        "HttpSource.BasicLookupStrategy.url_prefix": origin.url,
        "HttpSource.BasicLookupStrategy.auth.basic.username": ORIGIN[0],
        "HttpSource.BasicLookupStrategy.auth.basic.secret": ORIGIN[1],
        "HttpSource.request_timeout": "5",
        "endpoint.admin.enabled": "true",
        "endpoint.admin.username": ADMIN[0],
        "endpoint.admin.secret": ADMIN[1],
        "endpoint.api.enabled": "true",
        "endpoint.api.username": API[0],
        "endpoint.api.secret": API[1],
        "delegates.plugins": "basic-auth",
        "basic_auth.username": READER[0],
        "basic_auth.secret": READER[1],
        **IDLE,
        **logged_settings(logs),
    }
    secrets = every_form(ADMIN[1], API[1], READER[1], ORIGIN[1], IDLE["RedisCache.password"], IDLE["S3Cache.secret_key"], WRONG, COOKIE, QUERY, BEARER, TYPED)
    reader = {"authorization": basic(*READER)}
    with running_server(settings, log_path=logs / "console.log", config_path=tmp_path / "casaba.properties") as base, origin_closed(origin):
        ask = Exchanges(base)
        image = "/iiif/3/photo.jpg/full/64,/0/default.jpg"
        assert ask("GET", image, headers={**reader, "cookie": f"session={COOKIE}", "referer": f"https://viewer.example/?token={QUERY}"},
                   params={"token": QUERY, "access_token": QUERY, "api_key": QUERY, "X-Amz-Signature": QUERY}).status_code == 200
        assert ask("HEAD", image, headers=reader).status_code == 200
        assert ask("GET", "/iiif/2/photo.jpg/info.json", headers=reader).status_code == 200
        for headers in ({"authorization": basic(READER[0], WRONG)}, {"authorization": f"Bearer {BEARER}"}, {"cookie": f"token={COOKIE}"}, {}):
            for path in (image, "/iiif/3/photo.jpg/info.json"):
                refused = ask("GET", path, headers=headers, params={"password": QUERY})
                assert refused.status_code == 401 and refused.headers["www-authenticate"] == 'Basic realm="Casaba", charset="UTF-8"'
        # The panel and the task API, with the wrong secret, another's, and theirs.
        for user, secret in ((ADMIN[0], WRONG), (ADMIN[0], API[1]), (READER[0], READER[1])):
            assert ask("GET", "/admin", headers={"authorization": basic(user, secret)}, params={"secret": QUERY}).status_code == 401
            assert ask("GET", "/admin/preview.json", headers={"authorization": basic(user, secret)}).status_code == 401
        for user, secret in ((API[0], WRONG), (API[0], ADMIN[1])):
            assert ask("POST", "/tasks", headers={"authorization": basic(user, secret)}, json={"verb": "PurgeCache"}).status_code == 401
        task = ask("POST", "/tasks", headers={"authorization": basic(*API)}, json={"verb": "PurgeInfoCache", "token": QUERY})
        assert task.status_code == 202
        assert ask("GET", task.headers["location"], headers={"authorization": basic(*API)}).status_code == 200
        assert ask("GET", "/static/preview.js").status_code == 200, "the panel's script is there while the panel is"
        # A form refused: the secret typed into it is not shown again, nor in the reason.
        page = ask("GET", "/admin", headers={"authorization": basic(*ADMIN)})
        area = area_of("HttpSource.request_timeout").id
        form = {"_token": token_of(page.text), "_area": area, "HttpSource.BasicLookupStrategy.auth.basic.secret": TYPED, "HttpSource.request_timeout": "soon"}
        refused = ask("POST", "/admin", headers={"authorization": basic(*ADMIN), "origin": base}, data=form)
        assert refused.status_code == 400 and "HttpSource.request_timeout" in refused.text
        # The origin fails: a 500, then it takes another password, then it is gone.
        assert ask("GET", "/iiif/3/broken/photo.jpg/info.json", headers=reader).status_code == 502
        origin.behaviour.credentials = (ORIGIN[0], "the origin's new password")
        assert ask("GET", "/iiif/3/alpha.png/info.json", headers=reader).status_code == 403
        origin.close()
        assert ask("GET", "/iiif/3/big.png/info.json", headers=reader).status_code == 502
        time.sleep(1.2)  # the status page reads the errors as of the workers' last flush
        panel_shows_no_secret(ask, secrets)
        assert ask.leaks(secrets) == []
    written = (logs / "access.log").read_text()
    assert "token=***" in written and "X-Amz-Signature=***" in written and "access_token=***" in written
    assert "HTTP 401" in (logs / "application.log").read_text(), "the origin's refusal is logged"
    assert log_leaks(logs, secrets) == []


DELEGATE = """
from casaba.delegates import Delegate

ORIGIN = {origin!r}
DEAD = {dead!r}


class CustomDelegate(Delegate):
    blocking = False

    def source(self):
        return "S3Source" if self.context["identifier"].startswith("s3") else "HttpSource"

    def httpsource_resource_info(self):
        folder, _, name = self.context["identifier"].partition("/")
        if folder == "right":
            return {{"uri": ORIGIN + name, "username": "fetcher", "secret": {right!r}}}
        if folder == "wrong":
            return {{"uri": ORIGIN + name, "username": "fetcher", "secret": {wrong!r}}}
        if folder == "down":
            return {{"uri": DEAD + name, "username": "fetcher", "secret": {right!r}}}
        if folder == "userinfo":
            return ORIGIN.replace("http://", "http://fetcher:{url_password}@") + name
        if folder == "ftp":
            return "ftp://fetcher:{url_password}@" + ORIGIN[7:] + name
        return None

    def s3source_object_info(self):
        folder, _, name = self.context["identifier"].partition("/")
        if folder == "s3":
            return {{"bucket": "masters", "key": name}}
        if folder == "s3down":
            return {{"bucket": "masters", "key": name, "endpoint": DEAD, "access_key_id": "k", "secret_access_key": {s3_delegate!r}}}
        return {{"key": name, "access_key_id": "k", "secret_access_key": {s3_delegate!r}}}
"""


def test_no_secret_a_delegate_gives_a_source_is_logged_echoed_or_shown(images, tmp_path):
    """HttpSource and S3Source with the credentials a delegate gives (right, wrong, in the URL)
    and S3Source's own key: the store refuses the key, origins refuse the password or are
    gone, the delegate answers something malformed that holds a secret."""
    logs = tmp_path / "logs"
    logs.mkdir()
    data = (images / "photo.jpg").read_bytes()
    origin = Origin({"photo.jpg": data}, Behaviour(credentials=("fetcher", DELEGATE_ORIGIN)))
    store = Moto(tmp_path, enforce_auth=True)
    dead = f"http://127.0.0.1:{free_port()}/"
    script = tmp_path / "delegates.py"
    script.write_text(DELEGATE.format(origin=origin.url, dead=dead, right=DELEGATE_ORIGIN, wrong=WRONG, url_password=URL_PASSWORD, s3_delegate=S3_DELEGATE))
    settings = {
        "source.delegate": "true",
        "HttpSource.lookup_strategy": "ScriptLookupStrategy",
        "HttpSource.request_timeout": "5",
        "S3Source.lookup_strategy": "ScriptLookupStrategy",
        "S3Source.endpoint": store.endpoint,
        "S3Source.region": "us-east-1",
        "S3Source.access_key_id": "casaba",
        "S3Source.secret_key": S3_KEY,
        "S3Source.request_timeout": "5",
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(script),
        "endpoint.admin.enabled": "true",
        "endpoint.admin.username": ADMIN[0],
        "endpoint.admin.secret": ADMIN[1],
        **logged_settings(logs),
    }
    secrets = every_form(DELEGATE_ORIGIN, WRONG, URL_PASSWORD, S3_KEY, S3_DELEGATE, ADMIN[1])
    try:
        with running_server(settings, log_path=logs / "console.log", config_path=tmp_path / "casaba.properties") as base:
            ask = Exchanges(base)
            expected = {
                "right/photo.jpg": 200,
                "userinfo/photo.jpg": 403,  # the origin wants the other password
                "wrong/photo.jpg": 403,
                "down/photo.jpg": 502,
                "ftp/photo.jpg": 500,
                "s3/photo.jpg": 403,  # the store knows no such key
                "s3down/photo.jpg": 502,
                "s3bad/photo.jpg": 500,
            }
            for identifier, status in expected.items():
                for path in (f"/iiif/3/{identifier}/info.json", f"/iiif/3/{identifier}/full/32,/0/default.jpg"):
                    r = ask("GET", path)
                    assert r.status_code == status, (path, r.status_code, r.text)
            time.sleep(1.2)
            page = panel_shows_no_secret(ask, secrets)
            assert "httpsource_resource_info answered the uri" in page.text and "s3source_object_info answered a dict with the keys" in page.text
            assert ask.leaks(secrets) == []
    finally:
        store.close()
        origin.close()
    application = (logs / "application.log").read_text()
    assert f"http://fetcher:***@{origin.url[7:]}photo.jpg: HTTP 401" in application, "the URL is logged, its password masked"
    assert log_leaks(logs, secrets) == []


# --- 3. /admin and /tasks are not there while disabled -------------------------------------------

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
DISABLED = ["/admin", "/admin/", "/admin/preview.jpg", "/admin/preview.json", "/admin/preview.jpg?overlays.BasicStrategy.enabled=true",
            "/admin/anything", "/admin/a/b", "/static/preview.js", "/tasks", "/tasks/", "/tasks/0f8fad5b-d9cb-469f-a165-70867728950e", "/tasks/a/b"]


@pytest.mark.parametrize("method", METHODS)
def test_admin_and_tasks_are_not_there_while_disabled(client, method):
    """Whoever asks, however, with whatever credentials: the answer any unknown path gets."""
    unknown = client.request(method, "/no-such-endpoint")
    assert unknown.status_code == 404
    for path in DISABLED:
        for headers in ({}, {"authorization": basic("admin", "admin")}, {"content-type": "application/json"}):
            r = client.request(method, path, headers=headers, content=b'{"verb": "PurgeCache"}' if method in ("POST", "PUT", "PATCH") else None)
            assert r.status_code == 404, (method, path, r.status_code)
            assert "www-authenticate" not in r.headers and r.content == unknown.content, (method, path)
    landing = client.get("/").text
    assert "/admin" not in landing and "/tasks" not in landing


# --- 4. A delegate's refusal holds by every route --------------------------------------------

GATE = """
import json
from pathlib import Path

from casaba.delegates import Delegate

RULES = Path({rules!r})
ANSWERS = {{
    "deny": False,
    "challenge": {{"status_code": 401, "challenge": 'Bearer realm="reading-room"'}},
    "redirect": {{"status_code": 302, "location": "https://login.example/?back=here"}},
}}


class CustomDelegate(Delegate):
    blocking = False

    def decide(self, hook):
        rule = json.loads(RULES.read_text()).get(hook, {{}}).get(self.context["identifier"])
        return ANSWERS[rule] if rule else True

    def pre_authorize(self):
        return self.decide("pre_authorize")

    def authorize(self):
        return self.decide("authorize")
"""

#: Identifiers, and the other spellings of each (percent-encoded slash, slash_substitute, the
#: meta-identifier's page and scale forms).
SPELLINGS = {
    "photo.jpg": ["photo.jpg", "photo.jpg;1", "photo.jpg;1:2", "photo.jpg;2:4", "photo.jpg;1;1:1"],
    "sub/small.png": ["sub%2Fsmall.png", "sub%2fsmall.png", "sub$$small.png", "sub$$small.png;1:2"],
    "pages.tif": ["pages.tif", "pages.tif;2", "pages.tif;3", "pages.tif;2;1:2"],
}
IMAGE_REQUESTS = [
    ("GET", "/iiif/3/{}/full/max/0/default.jpg"),
    ("HEAD", "/iiif/3/{}/full/max/0/default.jpg"),
    ("GET", "/iiif/3/{}/0,0,32,32/16,/0/default.jpg"),
    ("GET", "/iiif/3/{}/full/max/90/gray.png"),
    ("GET", "/iiif/2/{}/full/full/0/default.jpg"),
    ("HEAD", "/iiif/2/{}/full/full/0/default.jpg"),
]
INFO_REQUESTS = [("GET", "/iiif/3/{}/info.json"), ("HEAD", "/iiif/3/{}/info.json"), ("GET", "/iiif/2/{}/info.json")]


@pytest.fixture(scope="module")
def gated(images, tmp_path_factory):
    """A server whose delegate refuses what a rules file says, with every cache there is."""
    folder = tmp_path_factory.mktemp("gated")
    rules = folder / "rules.json"
    rules.write_text("{}")
    (folder / "delegates.py").write_text(GATE.format(rules=str(rules)))
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "slash_substitute": "$$",
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(folder / "delegates.py"),
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "FilesystemCache",
        "FilesystemCache.pathname": str(folder / "cache"),
        "cache.server.info.enabled": "true",
        "endpoint.admin.enabled": "true",
        "endpoint.admin.username": ADMIN[0],
        "endpoint.admin.secret": ADMIN[1],
    }
    with running_server(settings, workers=1) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c, rules


def answer(c, method, path, headers=None):
    """The answer to ``path``, after the server's own redirects to a meta-identifier's normal
    form (a 301 to this server); a delegate's redirect is the answer."""
    r = c.request(method, path, headers=headers)
    for _ in range(3):
        if r.status_code != 301:
            break
        assert r.headers["location"].startswith(str(c.base_url)), r.headers["location"]
        r = c.request(method, r.headers["location"], headers=headers)
    return r


def refused_as(r, how):
    assert not r.headers.get("content-type", "").startswith("image/"), r.request.url
    if how == "deny":
        return r.status_code == 403
    if how == "challenge":
        return r.status_code == 401 and r.headers.get("www-authenticate") == 'Bearer realm="reading-room"'
    return r.status_code == 302 and r.headers.get("location") == "https://login.example/?back=here"


@pytest.mark.parametrize("how", ["deny", "challenge", "redirect"])
@pytest.mark.parametrize("hook", ["pre_authorize", "authorize"])
@pytest.mark.parametrize("identifier", list(SPELLINGS))
def test_a_refusal_holds_by_every_route(gated, identifier, hook, how):
    """Everything asked while allowed first (the derivatives and infos cached, the validators
    kept); then refused: every spelling, version, method and request is refused the same way,
    a client's validators get no 304, and no other route shows the image. info.json is asked
    only ``pre_authorize`` (as in Cantaloupe, ``authorize`` is for images)."""
    c, rules = gated
    rules.write_text("{}")
    asked = [(m, p.format(s)) for s in SPELLINGS[identifier] for m, p in (*IMAGE_REQUESTS, *INFO_REQUESTS)]
    validators = {}
    for method, path in asked:
        r = answer(c, method, path)
        assert r.status_code == 200, (path, r.status_code, r.text)
        validators[(method, path)] = {k: r.headers[h] for k, h in (("if-none-match", "etag"), ("if-modified-since", "last-modified")) if h in r.headers}
        assert validators[(method, path)], path
    rules.write_text(json.dumps({hook: {identifier: how}}))
    for method, path in asked:
        for headers in (None, validators[(method, path)]):
            r = answer(c, method, path, headers)
            if hook == "authorize" and path.endswith("info.json"):
                assert r.status_code in (200, 304), (path, r.status_code)
            else:
                assert refused_as(r, how), (method, path, headers, r.status_code, r.headers)
    # The viewer's page names the identifier only; the panel's preview is its demo chart.
    viewer = c.get("/", params={"id": identifier})
    assert viewer.status_code == 200 and viewer.text == c.get("/", params={"id": "x" * len(identifier)}).text.replace("x" * len(identifier), identifier)
    admin = {"authorization": basic(*ADMIN)}
    chart = c.get("/admin/preview.jpg", headers=admin)
    assert chart.status_code == 200 and c.get("/admin/preview.jpg", params={"identifier": identifier, "id": identifier}, headers=admin).content == chart.content
    assert c.get("/admin/preview.jpg", params={"id": identifier}).status_code == 401
    rules.write_text("{}")


def test_a_refusal_holds_for_answers_remembered_before_the_delegate_came(images, tmp_path):
    """Without delegates a worker remembers each request's answer; once the settings name a
    delegate that refuses, none of those answers is given again."""
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"pre_authorize": {"photo.jpg": "deny"}}))
    (tmp_path / "delegates.py").write_text(GATE.format(rules=str(rules)))
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "FilesystemCache",
        "FilesystemCache.pathname": str(tmp_path / "cache"),
    }
    config = tmp_path / "casaba.properties"
    asked = [(m, p.format("photo.jpg")) for m, p in (*IMAGE_REQUESTS, *INFO_REQUESTS)]
    with running_server(settings, workers=2, config_path=config) as base, httpx.Client(base_url=base, timeout=30) as c:
        for _ in range(4):  # every worker remembers them
            assert all(c.request(m, p).status_code == 200 for m, p in asked)
        write_properties(config, {**settings, "delegate_script.enabled": "true", "delegate_script.pathname": str(tmp_path / "delegates.py")})
        deadline = time.monotonic() + 15
        while any(c.get(asked[0][1]).status_code == 200 for _ in range(4)):
            assert time.monotonic() < deadline, "the delegate was not taken up"
            time.sleep(0.05)
        time.sleep(1)  # every worker has switched
        for _ in range(4):
            for method, path in asked:
                assert c.request(method, path).status_code == 403, (method, path)
