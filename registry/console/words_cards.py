"""Interface words of the agency editor's console pages (algorithms, the card editor, preview,
diff, discard, retire), marked for translation. Kept apart from ``words.py`` so that console
features can grow side by side.

Validation problems come from the same code the API uses (``registry.cards.validation``, pydantic)
as ``{"loc", "msg", "type"}`` entries; the console shows its own translated sentence for each
``type``, after the field's label.
"""

from __future__ import annotations

from registry import i18n

N_ = i18n.N_

#: An algorithm's state as the editor sees it. ``state_label`` picks one; the review queue will add
#: "awaiting_review" here.
STATE_NAMES = {
    "draft": N_("Draft, never published"),
    "published": N_("Published"),
    "published_with_draft": N_("Published, with a draft of changes"),
    "awaiting_review": N_("Awaiting review"),
    "retired": N_("Retired"),
}

REQUIREMENTS = {
    "R": N_("Required"),
    "HR": N_("Highly recommended: required for high-risk and impactful algorithms"),
    "O": N_("Optional"),
    "item": N_("Required in each item"),
    "part": N_("Required once anything in this part is filled in"),
    "publish": N_("Needed before publishing"),
}

YES = N_("Yes")
NO = N_("No")
NOT_STATED = N_("Not stated")
CHOOSE = N_("Choose…")
ITEM = N_("Item %(number)s")
ADD_ANOTHER = N_("Add another")
REMOVE = N_("Remove")
NO_ITEMS = N_("None yet.")

# Problems, by the validation error's type. The field's label is put in front.
PROBLEMS = {
    "missing": N_("enter a value; an item cannot be saved without it"),
    "blank": N_("must not be empty or only spaces"),
    "string_too_long": N_("is too long: at most %(max)s characters"),
    "too_long": N_("is too long or has too many items"),
    "year_month": N_("enter a month as YYYY-MM, for example 2024-03"),
    "url": N_(
        "enter a full web address starting with https://, for example https://agency.example/page"
    ),
    "email": N_("enter an email address such as algorithms@agency.example"),
    "language_tag": N_("enter a language tag such as en or zh-CN"),
    "slug": N_("use lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"),
    "forbidden_character": N_("holds a control character that cannot be stored; retype the text"),
    "bidi_control": N_("holds invisible text-direction characters; retype the text"),
    "enum": N_("choose one of the options"),
    "float_parsing": N_("enter a number, for example 0.85"),
    "float_type": N_("enter a number, for example 0.85"),
    "date_from_datetime_parsing": N_("enter a real date"),
    "date_parsing": N_("enter a real date"),
    "date_type": N_("enter a real date"),
    "bool_parsing": N_("choose yes or no"),
    "bool_type": N_("choose yes or no"),
    "greater_than": N_("enter a number above %(limit)s"),
    "less_than": N_("enter a number below %(limit)s"),
    "interval": N_("the value must lie between the interval's low and high ends"),
    "collection_period": N_("'Collected until' must not be before 'Collected from'"),
    "assessment_state": N_(
        "give either the date and summary of a completed assessment, or why none was done, not both"
    ),
    "withheld_field": N_("choose a field that may be withheld"),
    "duplicate": N_("is listed twice"),
    "withheld_not_empty": N_("is listed as withheld, so leave it empty (or stop withholding it)"),
    "in_use_order": N_("must not be before 'In use from'"),
    "translation": N_("a translation must be in another language than the card"),
    "extra_forbidden": N_("is not a field of the card"),
}
DUPLICATE_LANGUAGE = N_("there is already a translation in this language")
PROBLEM_OTHER = N_("is not valid (%(detail)s)")
PROBLEM_FORMAT = N_("%(label)s: %(problem)s")
NAME_NEEDED = N_("enter a name: a draft needs one before it can be saved")

NOTICES = {
    "saved": N_("The draft has been saved."),
    "created": N_("The algorithm has been registered with this draft. Nobody else can see it yet."),
    "discarded": N_("The draft has been discarded. The published version is unchanged."),
    "retired": N_("The algorithm has been retired. Its record stays online, marked retired."),
}
STALE_DRAFT = N_(
    "Someone saved this draft after you opened it, so your changes were not saved (nothing was "
    "overwritten). Your changes are still in the form below: copy what you need, then reload the "
    "latest draft and apply them again."
)
STALE_DISCARD = N_(
    "The draft changed after you opened this page, so it was not discarded. Look at the latest "
    "draft first."
)
RETIRED_NO_EDITS = N_("This algorithm is retired; its card can no longer be edited.")
NOT_YET_SAVED = N_('Not saved yet: select "Save draft" to keep your changes.')
RETIRE_REASON_MISSING = N_("Enter why the algorithm is being retired")
RETIRE_REASON_TOO_LONG = N_("Enter a reason of at most %(max)s characters")
RETIRE_NOT_PUBLISHED = N_("Only a published algorithm can be retired.")
ALREADY_RETIRED = N_("This algorithm was already retired.")
DISCARD_UNPUBLISHED = N_(
    "This algorithm was never published: its draft is the only card it has, so it cannot be "
    "discarded."
)
NO_DRAFT = N_("This algorithm has no draft.")
CHANGE_KINDS = {"added": N_("Added"), "removed": N_("Removed"), "changed": N_("Changed")}


def text(lang: str, message: str, **values: object) -> str:
    translated = i18n.gettext(lang, message)
    return translated % values if values else translated
