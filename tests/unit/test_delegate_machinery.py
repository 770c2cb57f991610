"""The delegate machinery in process: what answers mean, how several delegates combine, fresh
instances, the per-request memo, threads and time bounds, loading and its errors."""

import asyncio
import threading
import time

import pytest

from casaba.delegates import Delegate, hookimpl
from casaba.delegates.answers import Allowed, Denied, DelegateError, Redirect, Refusal, ScaleRedirect, redactions, verdict
from casaba.delegates.hookspecs import HOOKS
from casaba.delegates.loading import configure, manager_from_settings
from casaba.delegates.manager import DelegateManager
from casaba.errors import Redirect as RedirectResponse
from casaba.http import Request
from casaba.meta_identifier import MetaIdentifier
from casaba.settings import SettingsError, load
from casaba.settings.keys import Int, Key, Str


def request(headers=None):
    return Request("GET", "/iiif/3/a.jpg/info.json", {"host": "example.org", **(headers or {})}, "http", "example.org:80", "192.0.2.1:5000", "")


def manager(*classes, **settings):
    s = load(None, environ={}, overrides={"delegate_script.enabled": "true", **settings})
    m = manager_from_settings(s, [(c.__name__, c) for c in classes])
    assert isinstance(m, DelegateManager)
    return m


def call_of(m, identifier="a.jpg", headers=None):
    call = m.start(request(headers), "http://example.org", lambda text: f"http://example.org/iiif/3/{text}/info.json")
    call.identify(MetaIdentifier(identifier))
    return call


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.mark.parametrize(
    "answer, meaning",
    [
        (True, Allowed()),
        (False, Denied(403)),
        ({"status_code": 200}, Allowed()),
        ({"status_code": 401, "challenge": 'Basic realm="x"'}, Denied(401, 'Basic realm="x"')),
        ({"status_code": 403}, Denied(403)),
        ({"status_code": 451}, Denied(451)),
        ({"status_code": 302, "location": "https://example.org/"}, Redirect(302, "https://example.org/")),
        ({"status_code": 302, "scale_numerator": 1, "scale_denominator": 2}, ScaleRedirect(302, (1, 2))),
        ({"status_code": 307, "scale_constraint": [1, 4]}, ScaleRedirect(307, (1, 4))),
    ],
)
def test_answers_mean_what_they_mean_in_cantaloupe(answer, meaning):
    assert verdict(answer, "pre_authorize()") == meaning


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "yes",
        1,
        {},
        {"status_code": "200"},
        {"status_code": True},
        {"status_code": 401},  # no challenge
        {"status_code": 403, "challenge": "Basic"},  # a challenge needs 401
        {"status_code": 302},  # neither location nor scale
        {"status_code": 200, "location": "https://example.org/"},
        {"status_code": 302, "scale_numerator": 2, "scale_denominator": 1},
        {"status_code": 302, "scale_constraint": [1]},
        {"status_code": 99},
    ],
)
def test_anything_else_is_a_delegate_error_never_an_allow(answer):
    with pytest.raises(DelegateError) as e:
        verdict(answer, "pre_authorize()")
    assert e.value.status == 500 and e.value.message == "Internal server error."
    assert "pre_authorize()" in e.value.reason


class Allows(Delegate):
    blocking = False

    def pre_authorize(self):
        return True

    def extra_iiif3_information_response_keys(self):
        return {"rights": "first", "a": 1}

    def redactions(self):
        return [{"x": 1, "y": 2, "width": 3, "height": 4}]

    def source(self):
        return None


class Refuses(Delegate):
    blocking = False
    asked = 0

    def pre_authorize(self):
        Refuses.asked += 1
        return {"status_code": 401, "challenge": 'Basic realm="r"'}

    def extra_iiif3_information_response_keys(self):
        return {"rights": "second", "b": 2}

    def redactions(self):
        return [{"x": 5, "y": 6, "width": 7, "height": 8}]

    def source(self):
        return "HttpSource"


def test_only_implemented_hooks_are_recorded():
    assert manager(Delegate).implemented == frozenset()
    assert manager(Allows).implemented == {"pre_authorize", "extra_iiif3_information_response_keys", "redactions", "source"}


def test_every_delegate_must_allow_and_the_first_refusal_answers():
    Refuses.asked = 0
    run(call_of(manager(Allows)).pre_authorize())
    with pytest.raises(Refusal) as e:
        run(call_of(manager(Allows, Refuses)).pre_authorize())
    assert e.value.status == 401 and ("www-authenticate", 'Basic realm="r"') in e.value.headers
    assert Refuses.asked == 1
    with pytest.raises(Refusal):
        run(call_of(manager(Refuses, Allows)).pre_authorize())


def test_dicts_merge_with_the_earlier_delegate_winning_and_lists_join():
    from casaba.iiif.params import Version

    m = manager(Allows, Refuses)
    keys = run(call_of(m).extra_info_keys(Version.V3, 10, 10, 1))
    assert keys == {"rights": "first", "a": 1, "b": 2}
    assert run(call_of(m).first("source")) == "HttpSource"


def test_a_scale_answer_redirects_unless_the_request_already_has_it():
    class Halves(Delegate):
        blocking = False

        def pre_authorize(self):
            return {"status_code": 302, "scale_constraint": [2, 4]}

    m = manager(Halves)
    with pytest.raises(RedirectResponse) as e:
        run(call_of(m).pre_authorize())
    assert e.value.status == 302 and ("location", "http://example.org/iiif/3/a.jpg;1:2/info.json") in e.value.headers
    call = call_of(m)
    call.identify(MetaIdentifier("a.jpg", 1, (1, 2)))
    run(call.pre_authorize())


def test_each_request_gets_fresh_instances_shared_by_its_hooks():
    made = []

    class Counts(Delegate):
        blocking = False

        def __init__(self):
            made.append(self)

        def pre_authorize(self):
            self.seen = self.context["identifier"]
            return True

        def source(self):
            return self.seen

    m = manager(Counts)
    first = call_of(m, "one.jpg")
    run(first.pre_authorize())
    assert run(first.first("source")) == "one.jpg"
    second = call_of(m, "two.jpg")
    run(second.pre_authorize())
    assert len(made) == 2 and made[0] is not made[1]


@pytest.mark.parametrize("cached, calls", [("false", 2), ("true", 1)])
def test_the_cache_remembers_answers_for_the_rest_of_the_request(cached, calls):
    asked = []

    class Slow(Delegate):
        blocking = False

        def serialize_meta_identifier(self, components):
            asked.append(components["identifier"])
            return components["identifier"] + "!"

    m = manager(Slow, **{"delegate_script.cache.enabled": cached})
    call = call_of(m)
    for _ in range(2):
        assert run(call.first("serialize_meta_identifier", {"identifier": "a"})) == "a!"
    assert len(asked) == calls
    run(call_of(m).first("serialize_meta_identifier", {"identifier": "a"}))
    assert len(asked) == calls + 1, "a memo outlived its request"


def test_blocking_methods_run_on_a_thread_the_others_on_the_loop():
    threads = {}

    class Blocks(Delegate):
        def source(self):
            threads["blocking"] = threading.current_thread().name

    class Computes(Delegate):
        blocking = False

        def source(self):
            threads["computing"] = threading.current_thread().name

    class Awaits(Delegate):
        async def source(self):
            threads["async"] = threading.current_thread().name

    run(call_of(manager(Blocks, Computes, Awaits)).first("source"))
    assert threads["blocking"].startswith("casaba-delegate")
    assert threads["computing"] == threads["async"] == threading.current_thread().name


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_delegate_past_its_time_is_a_delegate_error(asynchronous):
    class Sleeps(Delegate):
        if asynchronous:

            async def pre_authorize(self):
                await asyncio.sleep(2)
                return True

        else:

            def pre_authorize(self):
                time.sleep(2)
                return True

    started = time.monotonic()
    with pytest.raises(DelegateError) as e:
        run(call_of(manager(Sleeps, **{"delegates.timeout": "0.2"})).pre_authorize())
    assert time.monotonic() - started < 1.5
    assert "did not answer within delegates.timeout = 0.2 s" in e.value.reason


def test_a_raising_delegate_keeps_its_traceback_for_the_log():
    class Raises(Delegate):
        blocking = False

        def pre_authorize(self):
            raise KeyError("who")

    with pytest.raises(DelegateError) as e:
        run(call_of(manager(Raises)).pre_authorize())
    assert isinstance(e.value.__cause__, KeyError) and "raised KeyError" in e.value.reason


def test_the_context_is_read_only_and_has_cantaloupes_keys():
    class Looks(Delegate):
        blocking = False

        def pre_authorize(self):
            with pytest.raises(TypeError):
                self.context["identifier"] = "other"  # type: ignore[index]
            return dict(self.context)

    with pytest.raises(DelegateError) as e:  # a dict without status_code: the keys are in the message
        run(call_of(manager(Looks), headers={"Cookie": "a=1; b=2", "X-Forwarded-For": "203.0.113.7"}).pre_authorize())
    for key in ("client_ip", "cookies", "identifier", "local_uri", "page_number", "request_headers", "request_uri", "scale_constraint"):
        assert key in e.value.reason


def test_a_method_with_arguments_the_hook_does_not_have_stops_start_up():
    class Wrong:
        def pre_authorize(self, options):
            return True

    with pytest.raises(SettingsError, match="pre_authorize"):
        manager(Wrong)


def test_cantaloupes_options_argument_with_a_default_is_accepted():
    class Ported:
        def pre_authorize(self, options={}):  # noqa: B006 (as written in delegates.rb)
            return True

    assert manager(Ported).implemented == {"pre_authorize"}


def test_startup_sees_the_settings_and_can_stop_start_up():
    seen = []

    class Checks(Delegate):
        @classmethod
        def startup(cls, settings):
            seen.append(settings.http.port)
            if settings.http.port == 1:
                raise ValueError("http.port = 1 will not do")

    manager(Checks)
    assert seen == [8182]
    with pytest.raises(SettingsError, match="delegate Checks: http.port = 1 will not do"):
        manager(Checks, **{"http.port": "1"})


def test_hookimpl_marks_order_delegates():
    class Late(Delegate):
        blocking = False

        @hookimpl(trylast=True)
        def source(self):
            return "FilesystemSource"

    class Plain(Delegate):
        blocking = False

        def source(self):
            return "S3Source"

    assert run(call_of(manager(Late, Plain)).first("source")) == "S3Source"


def test_the_delegate_meta_identifier_transformer_with_the_standard_one_behind_it():
    class Tilde(Delegate):
        blocking = False

        def deserialize_meta_identifier(self, meta_identifier):
            if "~" not in meta_identifier:
                return None
            identifier, page = meta_identifier.rsplit("~", 1)
            return {"identifier": identifier, "page_number": int(page)}

        def serialize_meta_identifier(self, components):
            scale = components.get("scale_constraint")
            return f"{components['identifier']}~{components['page_number']}" + (f"~{scale[0]}:{scale[1]}" if scale else "")

        def pre_authorize(self):
            return {"status_code": 302, "scale_constraint": [1, 3]}

    m = manager(Tilde, **{"meta_identifier.transformer": "DelegateMetaIdentifierTransformer"})
    assert run(call_of(m).meta_identifier("book~3")) == MetaIdentifier("book", 3)
    assert run(call_of(m).meta_identifier("book;2;1:2")) == MetaIdentifier("book", 2, (1, 2))
    call = call_of(m)
    call.identify(MetaIdentifier("book", 3))
    with pytest.raises(RedirectResponse) as e:
        run(call.pre_authorize())
    assert ("location", "http://example.org/iiif/3/book~3~1:3/info.json") in e.value.headers


def test_the_hooks_are_cantaloupes():
    assert set(HOOKS) == {
        "pre_authorize", "authorize", "extra_iiif2_information_response_keys", "extra_iiif3_information_response_keys",
        "source", "filesystemsource_pathname", "httpsource_resource_info", "s3source_object_info",
        "overlay", "redactions", "metadata", "deserialize_meta_identifier", "serialize_meta_identifier",
    }  # fmt: skip


# Loading.


def write(path, text):
    path.write_text(text)
    return path


def test_a_relative_script_is_found_beside_the_configuration(tmp_path):
    write(tmp_path / "rules.py", "class CustomDelegate:\n    def source(self):\n        return None\n")
    config = write(tmp_path / "casaba.properties", "delegate_script.enabled = true\ndelegate_script.pathname = rules.py\n")
    settings, delegates = configure(config, environ={})
    assert [name for name, _ in delegates] == ["delegate_script"]
    assert delegates[0][1].__name__ == "CustomDelegate"


@pytest.mark.parametrize(
    "script, fragment",
    [
        (None, "no such file"),
        ("class Other:\n    pass\n", "defines no class CustomDelegate"),
        ("class CustomDelegate:\n    def source(self):\n        return (\n", "SyntaxError"),
        ("import nothing_of_the_sort\n", "ModuleNotFoundError: No module named 'nothing_of_the_sort' (line 1)"),
    ],
)
def test_a_script_that_cannot_load_stops_start_up_naming_the_key(tmp_path, script, fragment):
    if script is not None:
        write(tmp_path / "delegates.py", script)
    config = write(tmp_path / "casaba.properties", "delegate_script.enabled = true\n")
    with pytest.raises(SettingsError, match="delegate_script.pathname") as e:
        configure(config, environ={})
    assert fragment in str(e.value)


def test_an_uninstalled_plugin_stops_start_up_naming_it():
    with pytest.raises(SettingsError, match="delegates.plugins names 'no-such-plugin', which is not installed"):
        configure(None, environ={"CASABA_DELEGATES_PLUGINS": "no-such-plugin"})


def test_keys_a_delegate_declares_are_read_from_the_file_and_the_environment(tmp_path):
    write(
        tmp_path / "delegates.py",
        "from casaba.delegates import Delegate\n"
        "from casaba.settings.keys import Int, Key, Str\n"
        "class CustomDelegate(Delegate):\n"
        "    settings_keys = (Key('rules.realm', Str(), 'Archive', 'The realm.'), Key('rules.limit', Int(1), 5, 'A limit.'))\n",
    )
    config = write(tmp_path / "casaba.properties", "delegate_script.enabled = true\nrules.realm = Museum\n")
    settings, _ = configure(config, environ={"CASABA_RULES_LIMIT": "9"})
    assert (settings.value("rules.realm"), settings.value("rules.limit")) == ("Museum", 9)
    assert settings.warnings == ()
    with pytest.raises(SettingsError, match="rules.limit"):
        configure(config, environ={"CASABA_RULES_LIMIT": "0"})


def test_a_delegate_cannot_take_a_casaba_key():
    with pytest.raises(SettingsError, match="already taken"):
        load(None, environ={}, extra_keys=[Key("http.port", Int(), 1, "Mine.")])
    assert load(None, environ={}, extra_keys=[Key("mine.x", Str(), "y", "Mine.")]).value("mine.x") == "y"


def test_redactions_answers_carry_a_colour_and_an_empty_one_hides_nothing():
    answer = [
        {"x": 1, "y": 2, "width": 3, "height": 4},
        {"x": -5, "y": 0, "width": 10, "height": 10, "color": "white"},
        {"x": 0, "y": 0, "width": 1, "height": 1, "color": "#0A0B0C"},
        {"x": 0, "y": 0, "width": 1, "height": 1, "color": "rgb(1, 2, 3)"},
        {"x": 0, "y": 0, "width": 0, "height": 9},
    ]
    assert redactions(answer, "r") == ((1, 2, 3, 4, (0, 0, 0)), (-5, 0, 10, 10, (255, 255, 255)), (0, 0, 1, 1, (10, 11, 12)), (0, 0, 1, 1, (1, 2, 3)))
    assert redactions(None, "r") == ()


@pytest.mark.parametrize(
    "answer",
    [
        {"x": 1},
        [{"x": 1, "y": 2}],
        [{"x": 1, "y": 2, "width": -3, "height": 4}],
        [{"x": 1, "y": 2, "width": 3, "height": 4, "color": "nope"}],
        [{"x": 1, "y": 2, "width": 3, "height": 4, "color": "#ff000080"}],
        [{"x": 1, "y": 2, "width": 3, "height": 4, "color": 7}],
    ],
)
def test_a_wrong_redactions_answer_fails_closed(answer):
    with pytest.raises(DelegateError):
        redactions(answer, "r")


def test_a_ruby_script_is_refused_naming_the_file_and_any_other_name_is_read_as_python(tmp_path):
    write(tmp_path / "delegates.rb", "class CustomDelegate\nend\n")
    config = write(tmp_path / "ruby.properties", "delegate_script.enabled = true\ndelegate_script.pathname = delegates.rb\n")
    with pytest.raises(SettingsError, match=r"delegate_script.pathname = '.*delegates.rb' is a Ruby script"):
        configure(config, environ={})
    write(tmp_path / "rules", "class CustomDelegate:\n    def source(self):\n        return None\n")
    config = write(tmp_path / "plain.properties", "delegate_script.enabled = true\ndelegate_script.pathname = rules\n")
    _, delegates = configure(config, environ={})
    assert delegates[0][1].__name__ == "CustomDelegate"
