"""Case files to typed cases, or a :class:`~conformance.errors.CaseFileError` naming file, line and key.

Loading a ``*.presence.yaml`` file goes through three layers, each of which can refuse the file:

1. YAML, read with a line-recording loader: every mapping key and list item remembers its line, so any
   later problem can point at it. Scalars follow YAML 1.2's core schema (what editors use): only
   ``true``/``false`` are booleans (``on``, ``no``, ``Off`` stay strings), no timestamps, and ``0123`` is
   123. Duplicate keys and keys that are not strings are errors rather than silently dropped or kept.
2. The JSON Schema ``case.schema.json`` (Draft 2020-12): structure, closed key sets, value shapes. The
   most useful error is reported (an unknown key first, since it usually explains the rest), then the
   earliest in the file.
3. The rules a schema cannot state: references to the case's declared users and apps, clause ids that
   exist in the registry, time that does not go backwards, expectations that fit their step.

A file may hold several cases as YAML documents separated by ``---``; empty documents are ignored.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from reference_impl.clause_registry import ClauseRegistry, load_registry
from reference_impl.model.durations import DurationError, format_duration, parse_duration

from ..errors import CaseFileError
from .corpus import discover, schema_path
from .model import (
    ActionKind,
    AppSpec,
    AuthMode,
    Case,
    Expectation,
    PresenceExpectation,
    Requirement,
    StatusExpectation,
    Step,
)

try:  # libyaml parses several times faster; the nodes (and their marks) are the same either way
    from yaml._yaml import CParser as _FastParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _FastParser = None  # type: ignore[assignment,misc]

__all__ = ["load_case_file", "load_cases"]

_KeyPath = tuple[str | int, ...]

_DEFAULT_USERS = ("alice",)
_DEFAULT_APPS: Mapping[str, Any] = {"app": None}
_FULL_ROLES = ("Presence.ReadWrite.All",)
_FULL_SCOPES = ("Presence.ReadWrite",)
_CHECK = "check"
_STEP_KINDS = frozenset({*(kind.value for kind in ActionKind), _CHECK})
# The body fields of each operation, copied into Step.params as written.
_OPERATION_FIELDS: Mapping[ActionKind, tuple[str, ...]] = {
    ActionKind.SET_PRESENCE: ("sessionId", "availability", "activity", "expirationDuration"),
    ActionKind.CLEAR_PRESENCE: ("sessionId",),
    ActionKind.SET_USER_PREFERRED_PRESENCE: ("availability", "activity", "expirationDuration"),
}
_ADDRESSES_A_USER = frozenset(
    {
        ActionKind.SET_PRESENCE,
        ActionKind.CLEAR_PRESENCE,
        ActionKind.SET_USER_PREFERRED_PRESENCE,
        ActionKind.CLEAR_USER_PREFERRED_PRESENCE,
        ActionKind.GET_PRESENCE,
    }
)
_READS_ONE = frozenset({ActionKind.GET_PRESENCE, ActionKind.GET_MY_PRESENCE})


# ---- public API ----------------------------------------------------------------------------------


def load_case_file(path: Path | str) -> list[Case]:
    """Load every case of one file, in the order written.

    Raises:
        CaseFileError: the first problem found (unreadable file, YAML syntax, schema, references,
            a case id used twice in the file, a file without any case).
    """
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseFileError(shown, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise CaseFileError(shown, None, None, f"cannot read the file: {exc.strerror or exc}") from exc
    documents, lines = _parse_yaml(text, shown)
    if not documents:
        raise CaseFileError(shown, None, None, "no case in this file (it is empty or holds only comments)")
    cases: list[Case] = []
    first_line: dict[str, int] = {}
    for data, start in documents:
        _check_schema(data, start, lines, shown)
        case = _CaseBuilder(shown, data, start, lines).build()
        if case.id in first_line:
            raise CaseFileError(
                shown,
                lines.line(data, ("id",)),
                "id",
                f"case id {case.id!r} is already used at line {first_line[case.id]} of this file",
            )
        first_line[case.id] = lines.line(data, ("id",))
        cases.append(case)
    return cases


def load_cases(paths: Iterable[Path] | None = None) -> list[Case]:
    """Load the cases of files and folders (folders recursively), sorted by file, then by position.

    ``None`` loads the bundled corpus. See :func:`~conformance.cases.corpus.discover` for which files
    a folder contributes.

    Raises:
        CaseFileError: a file is not valid, or two cases share an id (the message names both places).
        ConfigError: a path does not exist.
    """
    files = discover(None if paths is None else list(paths))
    cases: list[Case] = []
    seen: dict[str, Case] = {}
    for file in files:
        for case in load_case_file(file):
            first = seen.get(case.id)
            if first is not None:
                raise CaseFileError(
                    case.path,
                    case.line,
                    "id",
                    f"case id {case.id!r} is already used at {first.path}:{first.line} (ids are unique in a corpus)",
                )
            seen[case.id] = case
            cases.append(case)
    return cases


# ---- layer 1: YAML with lines ---------------------------------------------------------------------


class _Lines:
    """Where each mapping key and list item of the loaded documents was written (1-based lines).

    Containers are identified by ``id()``; ``_keep`` holds them so no id is reused while this lives.
    """

    def __init__(self) -> None:
        self._starts: dict[int, int] = {}
        self._members: dict[int, dict[str | int, int]] = {}
        self._keep: list[object] = []

    def note(self, container: object, node: Node) -> dict[str | int, int]:
        self._keep.append(container)
        self._starts[id(container)] = node.start_mark.line + 1
        members: dict[str | int, int] = {}
        self._members[id(container)] = members
        return members

    def line(self, root: object, path: Sequence[str | int]) -> int:
        """The line of ``path`` below ``root``, or of its deepest part that exists."""
        line = self._starts.get(id(root), 1)
        node: Any = root
        for part in path:
            members = self._members.get(id(node))
            if members is None or part not in members:
                break
            line = members[part]
            node = node[part]
        return line


class _NodeProblem(Exception):
    def __init__(self, node: Node, key: str | None, message: str) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1
        self.key = key
        self.message = message


class _Resolver(BaseResolver):
    """YAML 1.2 core schema resolution of plain scalars: JSON's types and nothing else."""


_MERGE_TAG = "tag:yaml.org,2002:merge"
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"(?:true|True|TRUE|false|False|FALSE)\Z", "tTfF"),
    ("tag:yaml.org,2002:int", r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"(?:~|null|Null|NULL|)\Z", ["~", "n", "N", ""]),
    (_MERGE_TAG, r"<<\Z", "<"),
):
    _Resolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class _Constructor(SafeConstructor):
    """Builds plain dicts, lists and scalars, recording lines; refuses tags JSON has no value for."""

    yaml_constructors: ClassVar[dict[str | None, Any]] = {}

    def __init__(self) -> None:
        super().__init__()
        self.lines = _Lines()

    def construct_json_map(self, node: MappingNode) -> Iterator[dict[str, Any]]:
        data: dict[str, Any] = {}
        members = self.lines.note(data, node)
        yield data
        explicit = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
        self.flatten_mapping(node)
        merged = len(node.value) - explicit  # flatten_mapping puts merged pairs first; later ones override
        written: dict[str, int] = {}
        for position, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=False)
            if not isinstance(key, str):
                raise _NodeProblem(key_node, None, f"keys are strings; quote {_show(key)} to make it one")
            line = key_node.start_mark.line + 1
            if position >= merged:
                if key in written:
                    raise _NodeProblem(key_node, key, f"duplicate key (first written at line {written[key]})")
                written[key] = line
            data[key] = self.construct_object(value_node, deep=False)
            members[key] = line

    def construct_json_seq(self, node: SequenceNode) -> Iterator[list[Any]]:
        data: list[Any] = []
        members = self.lines.note(data, node)
        yield data
        for index, item in enumerate(node.value):
            members[index] = item.start_mark.line + 1
            data.append(self.construct_object(item, deep=False))

    def construct_json_int(self, node: ScalarNode) -> int:
        text = self.construct_scalar(node)
        sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
        try:
            if digits.startswith(("0o", "0x")):
                return sign * int(digits[2:], 8 if digits[1] == "o" else 16)
            return sign * int(digits, 10)  # YAML 1.2: a leading zero is not octal
        except ValueError:
            raise _NodeProblem(node, None, f"{text!r} is not an integer") from None

    def construct_unsupported(self, node: Node) -> NoReturn:
        raise _NodeProblem(node, None, f"the YAML tag {node.tag!r} has no JSON value; write a plain value")


_CONSTRUCTORS: tuple[tuple[str | None, Any], ...] = (
    ("tag:yaml.org,2002:null", SafeConstructor.construct_yaml_null),
    ("tag:yaml.org,2002:bool", SafeConstructor.construct_yaml_bool),
    ("tag:yaml.org,2002:int", _Constructor.construct_json_int),
    ("tag:yaml.org,2002:float", SafeConstructor.construct_yaml_float),
    ("tag:yaml.org,2002:str", SafeConstructor.construct_yaml_str),
    ("tag:yaml.org,2002:seq", _Constructor.construct_json_seq),
    ("tag:yaml.org,2002:map", _Constructor.construct_json_map),
    (None, _Constructor.construct_unsupported),
)
for _tag_or_none, _constructor in _CONSTRUCTORS:
    _Constructor.add_constructor(_tag_or_none, _constructor)


class _PyLoader(Reader, Scanner, Parser, Composer, _Constructor, _Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)


if _FastParser is not None:

    class _CLoader(_FastParser, _Constructor, _Resolver):
        def __init__(self, stream: str) -> None:
            _FastParser.__init__(self, stream)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

    _Loader: type[_PyLoader] | type[_CLoader] = _CLoader
else:  # pragma: no cover
    _Loader = _PyLoader


def _parse_yaml(text: str, path: str) -> tuple[list[tuple[Any, int]], _Lines]:
    """The non-empty documents of ``text`` with the line each starts on, and the line index."""
    loader = _Loader(text)
    documents: list[tuple[Any, int]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there is one
                break
            data = loader.construct_document(node)
            if data is not None:
                _refuse_cycles(data, loader.lines, path)
                documents.append((data, node.start_mark.line + 1))
    except _NodeProblem as exc:
        raise CaseFileError(path, exc.line, exc.key, exc.message) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax: {exc.problem or exc.context}"
        if exc.problem and exc.context:
            since = f" from line {exc.context_mark.line + 1}" if exc.context_mark else ""
            message += f" ({exc.context}{since})"
        raise CaseFileError(path, None if mark is None else mark.line + 1, None, message) from None
    except yaml.YAMLError as exc:  # a reader error: characters YAML does not allow
        raise CaseFileError(path, None, None, f"YAML: {exc}") from None
    finally:
        loader.dispose()
    return documents, loader.lines


def _refuse_cycles(data: Any, lines: _Lines, path: str) -> None:
    """An alias inside the value it names makes a cycle: no JSON value, and endless for whoever walks it."""
    try:
        json.dumps(data)  # the C encoder notices cycles quickly; only then look for where
    except ValueError:
        where = _cycle(data, ())
        if where is None:  # pragma: no cover - json.dumps raises ValueError for cycles only
            raise
        raise CaseFileError(
            path, lines.line(data, where), _format_key(where), "an alias refers to a value that contains it"
        ) from None


def _cycle(node: Any, where: _KeyPath, ancestors: frozenset[int] = frozenset()) -> _KeyPath | None:
    if isinstance(node, dict | list):
        if id(node) in ancestors:
            return where
        inside = ancestors | {id(node)}
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            found = _cycle(child, (*where, key), inside)
            if found is not None:
                return found
    return None


# ---- layer 2: the schema --------------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    """The validator of one case document, built once per process."""
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    return Draft202012Validator(_inline(schema, schema.get("$defs", {})))


def _inline(node: Any, defs: Mapping[str, Any]) -> Any:
    """``node`` with every local ``$ref`` replaced by what it names, and descriptions dropped.

    The same schema, validated about twice as fast: resolving references and descending into
    ``$ref``-only schemas is most of jsonschema's work on these documents. (The schema has no
    recursive reference, so this terminates.)
    """
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: _inline(value, defs)
        for key, value in node.items()
        # a string "description" is an annotation; a schema under that name is the `description` property's
        if key not in ("$ref", "$defs") and not (key == "description" and isinstance(value, str))
    }
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = _inline(defs[ref.removeprefix("#/$defs/")], defs)
        if set(target) & set(out):  # both say something: keep both, as $ref with siblings means
            return {"allOf": [target], **out}
        return {**target, **out}
    return out


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _check_schema(data: Any, start: int, lines: _Lines, path: str) -> None:
    errors = list(_validator().iter_errors(data))
    if not errors:
        return
    problems = [_describe(error) for error in errors]

    def rank(problem: tuple[_KeyPath, str, bool]) -> tuple[bool, int, int]:
        where, _, unknown_key = problem
        return (not unknown_key, lines.line(data, where), -len(where))

    where, message, _ = min(problems, key=rank)
    line = lines.line(data, where) if isinstance(data, (dict, list)) else start
    raise CaseFileError(path, line, _format_key(where), message)


def _describe(error: ValidationError) -> tuple[_KeyPath, str, bool]:
    """Where a schema error is (a key path) and what to say, and whether it is an unknown key."""
    where: _KeyPath = tuple(error.absolute_path)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    schema_path = list(error.absolute_schema_path)
    hint = schema.get("errorMessage")
    value = error.instance
    kind = error.validator
    if "propertyNames" in schema_path:  # the value is a key of the mapping at `where`
        return (*where, value), f"{hint or 'not a valid name'}, got {_show(value)}", False
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        key = next(k for k in value if k not in allowed)
        return (*where, key), f"unknown key {key!r} (allowed here: {', '.join(allowed)}){_close(key, allowed)}", True
    trigger = _trigger(schema_path)
    if kind == "not" and trigger is not None:  # a key another one excludes: say which, and why
        return where, f"cannot be used together with {trigger!r}: {hint}", False
    if kind == "required":
        missing = next(k for k in error.validator_value if k not in value)
        if trigger is not None:
            return where, f"{trigger!r} needs {missing!r} too", False
        return where, f"missing required key {missing!r}", False
    if kind == "anyOf" and hint:
        return where, str(hint), False
    if kind == "uniqueItems":
        # Python's == is coarser than JSON equality (True == 1), so a repeat is always found
        index = next(i for i, item in enumerate(value) if item in value[:i])
        return (*where, index), f"{_show(value[index])} is listed twice", False
    if hint:
        return where, f"{hint}, got {_show(value)}", False
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in expected)
        message = f"expected {names}, got {_show(value)}"
        if expected == ["string"] and isinstance(value, (bool, int, float)):
            message += " (quote it to make it a string)"
        return where, message, False
    if kind == "minItems":
        count = error.validator_value
        return where, f"expected at least {count} item{'' if count == 1 else 's'}, got {len(value) or 'none'}", False
    if kind == "minProperties":
        return where, f"expected at least {error.validator_value} entry, got an empty mapping", False
    if kind == "minLength":
        return where, "must not be empty", False
    if kind == "enum":
        return where, f"expected one of {', '.join(map(str, error.validator_value))}, got {_show(value)}", False
    return where, error.message, False


def _trigger(schema_path: Sequence[object]) -> str | None:
    """The key whose presence applied the failing rule (``dependentSchemas/<key>/...``), if one did."""
    for position in range(len(schema_path) - 2, -1, -1):
        if schema_path[position] == "dependentSchemas":
            return str(schema_path[position + 1])
    return None


# ---- layer 3: what the schema cannot say ----------------------------------------------------------


class _CaseBuilder:
    """Turns one schema-valid document into a :class:`Case`, checking references as it goes."""

    def __init__(self, path: str, data: Mapping[str, Any], start: int, lines: _Lines) -> None:
        self._path = path
        self._data = data
        self._start = start
        self._lines = lines
        self._registry: ClauseRegistry = load_registry()
        self._users: tuple[str, ...] = tuple(data.get("users", _DEFAULT_USERS))
        self._apps: dict[str, AppSpec] = {}

    def build(self) -> Case:
        data = self._data
        self._apps = self._build_apps(data.get("apps", _DEFAULT_APPS))
        for index, clause in enumerate(data["clauses"]):
            if clause not in self._registry:
                self._fail(
                    ("clauses", index),
                    f"{clause!r} is not in the clause registry{_close(clause, self._registry.clauses)}",
                )
        steps: list[Step] = []
        previous = timedelta(0)
        for index, raw in enumerate(data["steps"]):
            step = self._build_step(index, raw, previous)
            steps.append(step)
            previous = step.at
        return Case(
            id=data["id"],
            title=data["title"],
            clauses=tuple(data["clauses"]),
            tags=tuple(data.get("tags", ())),
            requires=self._requirements(),
            users=self._users,
            apps=self._apps,
            steps=tuple(steps),
            path=self._path,
            line=self._start,
            description=data.get("description", ""),
        )

    def _fail(self, where: _KeyPath, message: str) -> NoReturn:
        raise CaseFileError(self._path, self._lines.line(self._data, where), _format_key(where), message)

    def _user(self, where: _KeyPath, name: str) -> str:
        if name not in self._users:
            self._fail(
                where,
                f"{name!r} is not a user of this case (users: {', '.join(self._users)}){_close(name, self._users)}",
            )
        return name

    def _app(self, where: _KeyPath, name: str) -> AppSpec:
        if name not in self._apps:
            self._fail(
                where, f"{name!r} is not an app of this case (apps: {', '.join(self._apps)}){_close(name, self._apps)}"
            )
        return self._apps[name]

    def _build_apps(self, raw: Mapping[str, Any]) -> dict[str, AppSpec]:
        apps: dict[str, AppSpec] = {}
        for name, spec in raw.items():
            spec = spec or {}
            if "delegated" in spec:
                user = self._user(("apps", name, "delegated"), spec["delegated"])
                scopes = tuple(spec.get("scopes", _FULL_SCOPES))
                apps[name] = AppSpec(name, roles=(), delegated_user=user, scopes=scopes)
            else:
                apps[name] = AppSpec(name, roles=tuple(spec.get("roles", _FULL_ROLES)))
        return apps

    def _requirements(self) -> tuple[str, ...]:
        required = {Requirement(r) for r in self._data.get("requires", ())}
        if len(self._apps) > 1:
            required.add(Requirement.SEVERAL_APPS)
        if len(self._users) > 1:
            required.add(Requirement.SEVERAL_USERS)
        for app in self._apps.values():
            if app.delegated:
                required.add(Requirement.DELEGATED)
            if app.permissions != (_FULL_SCOPES if app.delegated else _FULL_ROLES):
                required.add(Requirement.RESTRICTED_APP)
        return tuple(sorted(required))

    def _offset(self, where: _KeyPath, raw: Mapping[str, Any], previous: timedelta) -> timedelta:
        if "at" in raw:
            key, base = "at", timedelta(0)
        elif "after" in raw:
            key, base = "after", previous
        else:
            return previous
        try:
            at = base + parse_duration(raw[key])
        except (DurationError, OverflowError) as exc:
            self._fail((*where, key), str(exc))
        if at < previous:
            self._fail(
                (*where, key),
                f"{raw[key]} is before the previous step (at {format_duration(previous)}): steps go in time order",
            )
        return at

    def _build_step(self, index: int, raw: Mapping[str, Any], previous: timedelta) -> Step:
        where: _KeyPath = ("steps", index)
        at = self._offset(where, raw, previous)
        line = self._lines.line(self._data, where)
        kind_key = next(key for key in raw if key in _STEP_KINDS)  # the schema lets exactly one through
        params: Mapping[str, Any] = raw[kind_key] or {}
        here: _KeyPath = (*where, kind_key)
        if kind_key == _CHECK:
            checked = self._user((*here, "user"), params.get("user", self._users[0]))
            presence = _presence(params.get("presence", "oracle"))
            return Step(index=index, at=at, line=line, expect=Expectation(presence=presence), check_user=checked)

        kind = ActionKind(kind_key)
        app = self._app((*here, "as"), params.get("as", next(iter(self._apps))))
        user: str | None = None
        users: tuple[str, ...] = ()
        replaced = "body" in params or "rawBody" in params
        if kind in _ADDRESSES_A_USER and "userId" not in params:
            user = self._user((*here, "user"), params.get("user", app.delegated_user or self._users[0]))
        elif kind is ActionKind.GET_MY_PRESENCE:
            user = app.delegated_user
        elif kind is ActionKind.GET_PRESENCES_BY_USER_ID and not replaced:
            names = params.get("users", self._users)
            users = tuple(self._user((*here, "users", i), name) for i, name in enumerate(names))
        session_id_of: str | None = None
        if kind.takes_session_id and not replaced and "sessionId" not in params:
            session_id_of = self._app((*here, "sessionIdOf"), params.get("sessionIdOf", app.name)).name
        fields = _OPERATION_FIELDS.get(kind, ())
        if "body" in params:
            try:
                json.dumps(params["body"], allow_nan=False)
            except ValueError:
                self._fail((*here, "body"), "NaN and infinities are not JSON numbers; send such text with rawBody")
        return Step(
            index=index,
            at=at,
            line=line,
            expect=self._expectation(where, raw.get("expect"), kind, users),
            action=kind,
            app=app.name,
            user=user,
            user_id=params.get("userId"),
            users=users,
            extra_ids=int(params.get("extraIds", 0)),
            params={key: params[key] for key in fields if key in params},
            session_id_of=session_id_of,
            body=params.get("body"),
            has_body="body" in params,
            raw_body=params.get("rawBody"),
            auth=AuthMode(params.get("auth", AuthMode.TOKEN)),
        )

    def _expectation(
        self, where: _KeyPath, raw: Mapping[str, Any] | None, kind: ActionKind, users: tuple[str, ...]
    ) -> Expectation:
        if raw is None:
            return Expectation()
        here: _KeyPath = (*where, "expect")
        status = raw.get("status")
        expected_status = (
            None if status is None else StatusExpectation(status if isinstance(status, str) else str(int(status)))
        )
        graph_error = bool(raw.get("graphError", False))
        if graph_error and expected_status is not None and expected_status.text[0] not in "45":
            self._fail((*here, "graphError"), f"a Graph error comes with a 4xx or 5xx status, not {expected_status}")
        presence = None
        presences: dict[str, PresenceExpectation] = {}
        for key in ("presence", "presences"):
            if key not in raw:
                continue
            if key == "presence" and kind not in _READS_ONE:
                self._fail((*here, key), f"{kind} returns no single presence (getPresence and getMyPresence do)")
            if key == "presences" and kind is not ActionKind.GET_PRESENCES_BY_USER_ID:
                self._fail((*here, key), f"{kind} returns no presences (getPresencesByUserId does)")
            if graph_error:
                self._fail((*here, key), "an answer that is a Graph error carries no presence")
            if expected_status is not None and not expected_status.matches(200):
                self._fail((*here, key), f"a presence comes with status 200, but this step expects {expected_status}")
        if "presence" in raw:
            presence = _presence(raw["presence"])
        for name, value in raw.get("presences", {}).items():
            self._user((*here, "presences", name), name)
            if name not in users:
                asked = ", ".join(users) or "no logical user"
                self._fail(
                    (*here, "presences", name), f"{name!r} is not among the users this request asks for ({asked})"
                )
            presences[name] = _presence(value)
        return Expectation(status=expected_status, graph_error=graph_error, presence=presence, presences=presences)


# ---- helpers --------------------------------------------------------------------------------------


def _presence(value: Any) -> PresenceExpectation:
    if value == "oracle":
        return PresenceExpectation()
    return PresenceExpectation(availability=value.get("availability"), activity=value.get("activity"))


_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")


def _format_key(path: Sequence[str | int]) -> str | None:
    """``steps[2].setPresence.as``; keys that are not plain words are quoted (``apps["my app"]``)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out or None


def _show(value: Any) -> str:
    """A value as a case writer would recognise it in a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _close(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
