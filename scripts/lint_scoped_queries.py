"""Fail when a view or API module queries a personal-data model without the scoped selectors.

Models holding personal data declare ``contains_personal_data = True`` (see
``carehouse/people/models.py``). Views and API endpoints must read them only through the
selectors (``carehouse/<app>/selectors.py``), which scope every query to what the acting role
and organisation may see and audit the read (docs/adr/0004-scoped-queries.md).

This script parses every view or API module under ``carehouse/`` (files named ``views.py`` or
``api.py``, and every module in a ``views/`` or ``api/`` package) and reports, as
``file:line: message``:

- ``<Model>.objects``, ``<Model>._default_manager``, ``<Model>._base_manager`` and
  ``<Model>._meta.default_manager``/``base_manager`` on a personal-data model, also through an
  import alias (``from ... import Person as P``), a module (``models.Person.objects``), a plain
  assignment (``model = Person``), ``getattr(Person, "objects")`` or
  ``apps.get_model("people", "Person").objects``;
- ``get_object_or_404(<Model>, ...)`` and ``get_list_or_404(<Model>, ...)``;
- a queryset built by hand, ``QuerySet(model=<Model>)``.

Importing a model for type hints, ``isinstance`` checks, ``Model.DoesNotExist`` or its choices is
fine. A reviewed exception carries ``# scoped-query: allow <reason>`` on the reported line (any
line of a statement that spans several); the reason is required, and an opt-out on a line with
nothing to allow is itself reported, so stale exceptions do not pile up.

Usage: ``python scripts/lint_scoped_queries.py [PATH ...]`` (default: the whole ``carehouse/``
package). Exit status 0 when clean, 1 when there are problems, 2 when no personal-data models
could be found (a misconfiguration that would otherwise pass silently).
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "carehouse"
SETTINGS_MODULE = "carehouse.config.settings.test"

MANAGER_ATTRIBUTES = frozenset({"objects", "_default_manager", "_base_manager"})
META_MANAGER_ATTRIBUTES = frozenset({"default_manager", "base_manager"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})
VIEW_MODULE_NAMES = frozenset({"views.py", "api.py"})
VIEW_PACKAGE_NAMES = frozenset({"views", "api"})
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "migrations", "node_modules", "static", "templates"})

OPT_OUT = re.compile(r"#\s*scoped-query:\s*allow\b(?P<reason>.*)$")
SELECTORS_HINT = "read it through the scoped selectors in carehouse/<app>/selectors.py"
OPT_OUT_HINT = "'# scoped-query: allow <reason>' once reviewed"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class _OptOut:
    line: int
    reason: str


def _opt_outs(source: str) -> dict[int, _OptOut]:
    """The ``# scoped-query: allow`` comments, by line (real comments only, not text in strings)."""
    found: dict[int, _OptOut] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                match = OPT_OUT.search(token.string)
                if match:
                    line = token.start[0]
                    found[line] = _OptOut(line, match.group("reason").strip(" :-\t"))
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


class _Checker(ast.NodeVisitor):
    def __init__(self, personal_models: set[str]) -> None:
        self.personal_models = personal_models
        # Local name -> personal model it stands for, or None when the name is rebound to something else.
        self.aliases: dict[str, str | None] = {}
        self.shortcut_names: set[str] = set(SHORTCUTS)
        self.findings: list[tuple[ast.AST, str]] = []

    # -- name resolution ------------------------------------------------------------------

    def collect_bindings(self, tree: ast.AST) -> None:
        """Import aliases and simple assignments of personal models, anywhere in the module."""
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    local = alias.asname or alias.name
                    if alias.name in SHORTCUTS:
                        self.shortcut_names.add(local)
                    if alias.name in self.personal_models:
                        self.aliases[local] = alias.name
                    elif local in self.personal_models:
                        self.aliases[local] = None
        # Assignments like ``model = Person`` (and chains of them), to a fixed point.
        assignments = [(targets, value) for node in ast.walk(tree) for targets, value in self._assignment_parts(node)]
        changed = True
        while changed:
            changed = False
            for targets, value in assignments:
                model = self.model_of(value)
                if model is None:
                    continue
                for target in targets:
                    if self.aliases.get(target) != model:
                        self.aliases[target] = model
                        changed = True

    @staticmethod
    def _assignment_parts(node: ast.AST) -> Iterator[tuple[list[str], ast.expr]]:
        if isinstance(node, ast.Assign):
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
            if names:
                yield names, node.value
        elif (
            isinstance(node, (ast.AnnAssign, ast.NamedExpr))
            and node.value is not None
            and isinstance(node.target, ast.Name)
        ):
            yield [node.target.id], node.value

    def model_of(self, node: ast.expr) -> str | None:
        """The personal model an expression names, if it names one."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            return node.id if node.id in self.personal_models else None
        if isinstance(node, ast.Attribute):
            return node.attr if node.attr in self.personal_models else None
        if isinstance(node, ast.Call) and self._called_name(node.func) == "get_model":
            # apps.get_model("people", "Person") or apps.get_model("people.Person")
            strings = [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            strings += [
                keyword.value.value
                for keyword in node.keywords
                if keyword.arg == "model_name"
                and isinstance(keyword.value, ast.Constant)
                and isinstance(keyword.value.value, str)
            ]
            if strings:
                name = strings[-1].rsplit(".", 1)[-1]
                return next((m for m in self.personal_models if m.lower() == name.lower()), None)
        return None

    @staticmethod
    def _called_name(func: ast.expr) -> str | None:
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
        return None

    def _report(self, node: ast.AST, expression: str, model: str, what: str) -> None:
        self.findings.append(
            (node, f"{expression}: {what} of personal-data model {model}; {SELECTORS_HINT}, or add {OPT_OUT_HINT}")
        )

    # -- the rules --------------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in MANAGER_ATTRIBUTES:
            model = self.model_of(node.value)
            if model is not None:
                self._report(node, f"{ast.unparse(node.value)}.{node.attr}", model, "unscoped query")
        elif (
            node.attr in META_MANAGER_ATTRIBUTES
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "_meta"
        ):
            model = self.model_of(node.value.value)
            if model is not None:
                self._report(node, f"{ast.unparse(node.value)}.{node.attr}", model, "unscoped query")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = self._called_name(node.func)
        first = self._first_argument(node, "klass")
        if name in self.shortcut_names and first is not None:
            model = self.model_of(first)
            if model is not None:
                self._report(node, f"{name}({ast.unparse(first)}, ...)", model, "unscoped read")
        elif name == "getattr" and len(node.args) >= 2:
            attribute = node.args[1]
            if isinstance(attribute, ast.Constant) and attribute.value in MANAGER_ATTRIBUTES:
                model = self.model_of(node.args[0])
                if model is not None:
                    self._report(node, ast.unparse(node), model, "unscoped query")
        elif name is not None and name.endswith("QuerySet"):
            model_argument = self._first_argument(node, "model")
            if model_argument is not None:
                model = self.model_of(model_argument)
                if model is not None:
                    self._report(node, f"{name}({ast.unparse(model_argument)})", model, "unscoped queryset")
        self.generic_visit(node)

    @staticmethod
    def _first_argument(node: ast.Call, keyword_name: str) -> ast.expr | None:
        if node.args and not isinstance(node.args[0], ast.Starred):
            return node.args[0]
        return next((k.value for k in node.keywords if k.arg == keyword_name), None)


def check_source(source: str, filename: str, personal_models: set[str]) -> list[Problem]:
    """The problems in one module's source, sorted by line."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as error:
        return [Problem(filename, error.lineno or 1, f"cannot parse: {error.msg}")]
    checker = _Checker(set(personal_models))
    checker.collect_bindings(tree)
    checker.visit(tree)

    opt_outs = _opt_outs(source)
    used: set[int] = set()
    problems: list[Problem] = []
    reported: set[tuple[int, str]] = set()
    for node, message in checker.findings:
        first = getattr(node, "lineno", 1)
        last = getattr(node, "end_lineno", None) or first
        allowed = [opt_outs[line] for line in range(first, last + 1) if line in opt_outs]
        if allowed and all(opt_out.reason for opt_out in allowed):
            used.update(opt_out.line for opt_out in allowed)
            continue
        if allowed:
            used.update(opt_out.line for opt_out in allowed)
            message += " (the '# scoped-query: allow' comment needs a reason, so it does not count)"
        if (first, message) not in reported:
            reported.add((first, message))
            problems.append(Problem(filename, first, message))
    for line in opt_outs.keys() - used:
        problems.append(Problem(filename, line, "'# scoped-query: allow' on a line with no unscoped query; remove it"))
    return sorted(problems)


def is_view_or_api_module(path: Path, package: Path = PACKAGE) -> bool:
    """``views.py``, ``api.py``, or any module inside a ``views/`` or ``api/`` package under ``package``."""
    if path.suffix != ".py":
        return False
    if path.name in VIEW_MODULE_NAMES:
        return True
    try:
        parts = path.resolve().relative_to(package.resolve()).parts[:-1]
    except ValueError:
        parts = path.parts[:-1]
    return any(part in VIEW_PACKAGE_NAMES for part in parts)


def view_and_api_modules(package: Path = PACKAGE) -> list[Path]:
    """Every view or API module under the package, in a stable order."""
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(package):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES and not d.startswith("."))
        for name in sorted(files):
            path = Path(directory) / name
            if is_view_or_api_module(path, package):
                found.append(path)
    return found


def check_files(paths: Iterable[Path], personal_models: set[str], root: Path = ROOT) -> list[Problem]:
    problems: list[Problem] = []
    for path in paths:
        try:
            shown = str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            shown = str(path)
        problems.extend(check_source(path.read_text(encoding="utf-8"), shown, personal_models))
    return problems


def discover_personal_models() -> set[str]:
    """The class names of installed models that declare ``contains_personal_data = True``."""
    from django.apps import apps

    if not apps.ready:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
        import django

        django.setup()
    return {model.__name__ for model in apps.get_models() if getattr(model, "contains_personal_data", False) is True}


def _expand(paths: Sequence[str]) -> list[Path]:
    """Files named on the command line are checked as given; directories are searched for view/API modules."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        found.extend(view_and_api_modules(path) if path.is_dir() else [path])
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("paths", nargs="*", help="files or directories to check (default: carehouse/)")
    arguments = parser.parse_args(argv)

    personal_models = discover_personal_models()
    if not personal_models:
        print("Scoped-query check: no model declares contains_personal_data = True; is Django configured?")
        return 2
    files = _expand(arguments.paths) if arguments.paths else view_and_api_modules()
    problems = check_files(files, personal_models)
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"Scoped-query check failed: {len(problems)} problem(s) in {len({p.path for p in problems})} of "
            f"{len(files)} view/API module(s)."
        )
        return 1
    print(
        f"Scoped-query check OK: {len(files)} view/API module(s), no unscoped queries of "
        f"{len(personal_models)} personal-data model(s) ({', '.join(sorted(personal_models))})."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
