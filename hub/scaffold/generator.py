"""``hub plugin new``: write a working plugin package from the templates next to this module.

Templates are ``string.Template`` files laid out as the package is: ``templates/common`` for
every kind, with ``templates/<kind>`` adding the kind's ``plugin.py``, ``operations.py`` and
``mapping.py``; the folder named ``{package}`` becomes the Python package (``hub_<name>``).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from string import Template

from hub.core.hookinfo import hooks_of_kind
from hub.core.plugin import Kind
from hub.scaffold.kinds import KINDS

TEMPLATES = Path(__file__).parent / "templates"
NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
"""Lower-case words of letters and digits joined by ``-`` or ``_``, a letter first."""
MAX_NAME = 31


class ScaffoldError(ValueError):
    """The plugin cannot be generated as asked (bad name, folder already there)."""


def plugin_name(given: str) -> str:
    """The plugin's name for what was typed: ``acme-store``, ``acme_store`` and
    ``hub-acme-store`` all give ``acme_store``.

    Hyphens are the norm in package names, but the plugin's name is also its config section
    (``[plugins.acme_store]``), its environment prefix (``HUB_ACME_STORE__TOKEN``: no hyphen is
    possible there) and the suffix of its module (``hub_acme_store``), so it is kept with
    underscores; the distribution and its folder take hyphens (``hub-acme-store``).
    Raises ``ScaffoldError`` saying what a name may be.
    """
    name = given.strip()
    for prefix in ("hub-", "hub_"):  # the distribution's name typed for the plugin's
        name = name.removeprefix(prefix)
    if not NAME.match(name) or not 2 <= len(name) <= MAX_NAME:
        raise ScaffoldError(
            f"plugin name {given!r}: use 2-{MAX_NAME} lower-case letters and digits, a letter first, "
            "words joined by - or _ (e.g. acme-store)"
        )
    return name.replace("-", "_")


def package_folder(name: str, directory: Path) -> Path:
    """Where ``generate`` writes the package for ``name`` (``hub-acme-store``)."""
    return directory / f"hub-{plugin_name(name).replace('_', '-')}"


def generate(name: str, kind: Kind | str, directory: Path) -> Path:
    """Write the package ``hub-<name>`` under ``directory`` (the name as ``plugin_name`` reads
    it); returns its folder. Raises ``ScaffoldError`` for a bad name or an existing folder."""
    name = plugin_name(name)
    kind = Kind(kind)
    target = package_folder(name, directory)
    if target.exists():
        raise ScaffoldError(f"{target} already exists")
    values = template_values(name, kind)
    for relative, template in _templates(kind).items():
        path = target / relative.replace("{package}", values["package"]).removesuffix(".tmpl")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
    return target


def template_values(name: str, kind: Kind) -> dict[str, str]:
    """Every ``$placeholder`` the templates use."""
    spec = KINDS[kind]
    title = "".join(part.capitalize() for part in name.split("_"))
    unsupported = [hook for hook in hooks_of_kind(kind) if hook != spec.hook]
    imports = ["DEMO_API_KEY", "create_app", "error", "seed"]
    if spec.email_method:
        imports.insert(1, "SEEDED_EMAIL")
    return {
        "name": name,
        "NAME": name.upper(),
        "Title": title,
        "kind": kind.value,
        "package": f"hub_{name}",
        "dist": f"hub-{name.replace('_', '-')}",
        "resource": spec.resource,
        "mapper": spec.mapper.format(name=name),
        "seed_constants": spec.seed_constants,
        "seed_records": textwrap.indent(textwrap.dedent(spec.seed_records).strip("\n"), " " * 12),
        "match_code": spec.match_code,
        "email_method": spec.email_method,
        "emulator_imports": ", ".join(imports),
        "unsupported": "\n".join(f'        "{hook}": "not written yet",' for hook in unsupported),
    }


def _templates(kind: Kind) -> dict[str, Path]:
    """Template files by their path in the package: the kind's own over the common ones."""
    chosen: dict[str, Path] = {}
    for folder in (TEMPLATES / "common", TEMPLATES / kind.value):
        chosen.update({path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*.tmpl"))})
    return chosen
