"""The Jinja2 environment for public pages: autoescape, gettext through Babel, formatting filters.

Templates come from ``registry.paths.TEMPLATES_DIR``. ``strict=True`` (used whenever the app runs
with ``environment="test"``, or with ``REGISTRY_STRICT_TEMPLATES=1``) renders with
``StrictUndefined`` so a missing view-model key fails loudly instead of printing nothing.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from registry import i18n
from registry.lru import LRUCache
from registry.pages import numbers
from registry.pages.svg_charts import render_rates_chart, render_reliability_chart
from registry.paths import TEMPLATES_DIR


@pass_context
def _gettext(ctx: Context, message: str) -> str:
    return i18n.gettext(ctx["lang"], message)


# ``_("...")`` without variables, translated and escaped once per (language, message): templates
# call it about 80 times per page, and Jinja's generic wrapper dominated short pages' render time.
_MESSAGES: LRUCache[tuple[str, str], Markup] = LRUCache(10_000)


@pass_context
def _fast_gettext(ctx: Context, message: str, /, **variables: Any) -> str:
    """Jinja's new-style ``gettext`` (same output), memoised when there are no variables."""
    autoescape = ctx.eval_ctx.autoescape
    if variables or not autoescape:
        rv = i18n.gettext(ctx["lang"], message)
        return (Markup(rv) if autoescape else rv) % variables  # type: ignore[no-any-return]
    lang = ctx["lang"]
    # Always a format string, as in Jinja's own new-style gettext ("%%" becomes "%").
    return _MESSAGES.get_or_compute(
        (lang, message), lambda: Markup(i18n.gettext(lang, message)) % {}
    )


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    return i18n.ngettext(ctx["lang"], singular, plural, n)


def _parse_when(value: Any) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, date | datetime):
        return value
    text = str(value)
    try:
        if len(text) == 7:  # "2024-05": a month
            return date.fromisoformat(text + "-01")
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@pass_context
def _fmt_date(ctx: Context, value: Any, fmt: str = "medium") -> str:
    when = _parse_when(value)
    if when is None:
        return str(value or "")
    locale = i18n.babel_locale(ctx["lang"])
    if isinstance(when, datetime):
        when = when.date()
    if isinstance(value, str) and len(value) == 7:
        return format_date(when, "yyyy-MM" if ctx["lang"] != "en" else "MMMM yyyy", locale=locale)
    return format_date(when, fmt, locale=locale)


@pass_context
def _fmt_datetime(ctx: Context, value: Any) -> str:
    when = _parse_when(value)
    if when is None:
        return str(value or "")
    if not isinstance(when, datetime):
        return _fmt_date(ctx, when)
    return (
        format_datetime(when, "medium", tzinfo=None, locale=i18n.babel_locale(ctx["lang"])) + " UTC"
    )


@pass_context
def _fmt_pct(ctx: Context, value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
    return format_percent(float(value), pattern, locale=i18n.babel_locale(ctx["lang"]))


@pass_context
def _fmt_num(ctx: Context, value: Any, digits: int | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):  # already words, e.g. "fewer than 10"
        return value
    if digits is not None:
        return numbers.decimal_text(float(value), digits, ctx["lang"])
    if type(value) is int:  # counts: facet and table numbers repeat on every page
        return _fmt_int(ctx["lang"], value)
    return format_decimal(value, locale=i18n.babel_locale(ctx["lang"]))


@lru_cache(maxsize=8192)
def _fmt_int(lang: str, value: int) -> str:
    return format_decimal(value, locale=i18n.babel_locale(lang))


def _fmt_p(value: Any) -> str:
    if value is None:
        return "—"
    p = float(value)
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}"


SECTIONS_TEMPLATE = "algorithms/_sections.html"
FRAGMENT_CACHE_SIZE = 2048


@pass_context
def _card_sections_html(ctx: Context, vm: dict[str, Any]) -> Markup:
    """The card's "Full details" sections (``algorithms/_sections.html``), rendered once per card.

    ``vm.sections`` is a function of the published card and the language, and a published card is
    named by its sha256 (``vm.version.sha256``, computed at publication; the row is never
    changed), so the HTML is memoised under (sha256, language).
    """
    env = ctx.environment
    lang = ctx["lang"]
    cache: LRUCache[tuple[str, str], Markup] = env.fragment_cache  # type: ignore[attr-defined]
    return cache.get_or_compute(
        (vm["version"]["sha256"], lang),
        lambda: Markup(
            env.get_template(SECTIONS_TEMPLATE).render(lang=lang, sections=vm["sections"])
        ),
    )


def create_environment(*, strict: bool | None = None) -> Environment:
    """A fresh environment. ``strict=None`` reads ``REGISTRY_STRICT_TEMPLATES``."""
    if strict is None:
        strict = os.environ.get("REGISTRY_STRICT_TEMPLATES", "") == "1"
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=StrictUndefined if strict else Undefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    # ``_`` straight to the memoised gettext (skipping the extension's alias and wrapper).
    env.globals["_"] = env.globals["gettext"] = _fast_gettext
    env.filters.update(
        fmt_date=_fmt_date,
        fmt_datetime=_fmt_datetime,
        fmt_pct=_fmt_pct,
        fmt_num=_fmt_num,
        fmt_p=_fmt_p,
        rates_svg=render_rates_chart,  # draws a chart input built by the view-model
        reliability_svg=render_reliability_chart,
    )
    env.globals["card_sections_html"] = _card_sections_html
    env.fragment_cache = LRUCache(FRAGMENT_CACHE_SIZE)  # type: ignore[attr-defined]
    env.globals["supported_languages"] = i18n.SUPPORTED_LANGUAGES
    env.globals["language_names"] = i18n.LANGUAGE_NAMES
    return env
