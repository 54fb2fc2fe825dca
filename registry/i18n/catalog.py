"""Keep the message catalogs in step with the code: ``python -m registry.i18n.catalog``.

Extracts every interface string from the templates (``_()``, ``ngettext()``) and from the page
modules (``_``, ``N_``, ``gettext``, ``ngettext``), then rewrites each ``messages.po`` keeping the
existing translations, adding new messages untranslated and dropping ones no longer used. A test
checks that the catalogs match the code and that every message has a Chinese translation.
"""

from __future__ import annotations

import sys
import tomllib
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from registry import i18n
from registry.paths import TEMPLATES_DIR

PACKAGE_DIR = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Msg": None}
# formats and the import service: the import report's notes (``registry.formats._base.Msg``)
PYTHON_SOURCES = (
    "pages",
    "console",
    "audit_labels.py",
    "formats",
    "services/records_import.py",
)
#: The mapping files' reasons why a source key is not imported: shown in the import report.
MAPPING_DIR = PACKAGE_DIR / "formats" / "mappings"


def _include_directory(dirpath: str) -> bool:
    # Babel skips folders starting with "_" by default; templates keep partials and macros there.
    return not Path(dirpath).name.startswith(".")


def extract() -> Catalog:
    """Every message the interface uses, with where it is used."""
    catalog = Catalog(project="algorithm-registry", charset="utf-8")
    template_map = [("**.html", "jinja2"), ("**.xml", "jinja2")]
    options = {
        "**.html": {"extensions": "jinja2.ext.i18n"},
        "**.xml": {"extensions": "jinja2.ext.i18n"},
    }
    for filename, lineno, message, comments, context in extract_from_dir(
        str(TEMPLATES_DIR),
        template_map,
        options,
        keywords=KEYWORDS,
        strip_comment_tags=True,
        directory_filter=_include_directory,
    ):
        catalog.add(
            message,
            None,
            [(f"templates/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    for source in PYTHON_SOURCES:
        path = PACKAGE_DIR / source
        method_map = [("**.py", "python")]
        if path.is_file():
            found = extract_from_dir(str(path.parent), method_map, keywords=KEYWORDS)
            found = (f for f in found if f[0] == path.name)
        else:
            found = extract_from_dir(str(path), method_map, keywords=KEYWORDS)
        for filename, lineno, message, comments, context in found:
            where = f"registry/{source}" if path.is_file() else f"registry/{source}/{filename}"
            catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    for path in sorted(MAPPING_DIR.glob("*.toml")):
        reasons = tomllib.loads(path.read_text("utf-8")).get("not_mapped", {})
        for key, reason in reasons.items():
            if isinstance(reason, str) and "{" not in reason and "}" not in reason:
                where = f"registry/formats/mappings/{path.name}"
                catalog.add(reason, None, [(where, 0)], auto_comments=[f"not_mapped.{key}"])
    return catalog


def read_catalog(lang: str) -> Catalog:
    path = i18n.po_path(lang)
    with path.open("rb") as fh:
        return read_po(fh, locale=path.parent.parent.name)


def update(lang: str, template: Catalog) -> Catalog:
    path = i18n.po_path(lang)
    locale = path.parent.parent.name
    old = read_catalog(lang) if path.exists() else Catalog(locale=locale)
    new = Catalog(locale=locale, project="algorithm-registry", charset="utf-8", fuzzy=False)
    for message in template:
        if not message.id:
            continue
        previous = old.get(message.id, message.context)
        new.add(
            message.id,
            previous.string if previous else None,
            message.locations,
            context=message.context,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = BytesIO()
    write_po(buf, new, width=100, omit_header=False, sort_output=True, include_previous=False)
    path.write_bytes(buf.getvalue())
    return new


def main() -> int:
    template = extract()
    for lang in i18n.SUPPORTED_LANGUAGES:
        update(lang, template)
    print(f"{len(template)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
