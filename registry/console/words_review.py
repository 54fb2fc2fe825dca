"""Interface words of the four-eyes review pages, marked for translation.

Each refusal of ``registry.services.cards.reviews`` / ``drafts`` (English, for the API) has a
sentence here that explains it to the person in the console, looked up by the service's message
constant (``refusal_text``).
"""

from __future__ import annotations

from registry import i18n
from registry.errors import DomainError
from registry.models.review import REVIEW_NOTE_MAX
from registry.services.cards import drafts, reviews

N_ = i18n.N_

STATE_NAMES = {
    "open": N_("Waiting for review"),
    "returned": N_("Returned with comments"),
    "published": N_("Published"),
    "withdrawn": N_("Withdrawn"),
    "superseded": N_("Replaced by a newer request or publication"),
}
CHANGED_SINCE_ASKED = N_("Changed since review was asked")
CHANGED_SINCE_ASKED_LONG = N_(
    "The draft was saved again (or discarded) after review was asked, so what you see is not "
    "what the author asked about. It cannot be published under this request: the author must ask "
    "for review of the current draft."
)
CHANGED_SINCE_ASKED_AUTHOR = N_(
    "You saved the draft after asking for review, so reviewers cannot publish it under your "
    "request. Ask again so that they review the current draft."
)

FOUR_EYES_OWN = N_(
    "Another editor of %(agency)s must publish it because the register requires two people "
    "(four-eyes): the person who last edited a draft cannot publish it."
)
FOUR_EYES_REVIEWER = N_(
    "The register requires two people (four-eyes): %(author)s last edited this draft, so another "
    "editor of %(agency)s, such as you, publishes it."
)
FOUR_EYES_OFF = N_(
    "This register does not require a second person (four-eyes is switched off), so you may "
    "publish your own draft. Asking another editor to review it first is still a good idea."
)

NOTICES = {
    "asked": N_("Review asked. The other editors of your agency see the draft in their queue."),
    "returned": N_("The draft was returned to its author with your comment."),
    "published": N_("Published. The new version is on the public register now."),
    "withdrawn": N_("Your request for review was withdrawn."),
}

#: After "published", when public pages are cached (REGISTRY_PAGE_MAX_AGE, docs/deploy.md).
CACHE_DELAY = (
    N_(
        "Readers of the public site may see the previous version for up to %(n)s minute, while "
        "the public pages' cache refreshes."
    ),
    N_(
        "Readers of the public site may see the previous version for up to %(n)s minutes, while "
        "the public pages' cache refreshes."
    ),
)

COMMENT_MISSING = N_("Write a comment that tells the author what to change")
SUMMARY_MISSING = N_("Write a summary of the change for the public version history")
TEXT_TOO_LONG = N_("Write at most %(max)s characters")
ALREADY_ASKED = N_(
    "Review of this draft has already been asked. Wait for a reviewer, or withdraw it."
)
NOT_OPEN = N_("This request is no longer waiting for review, so it cannot be changed.")
NO_DRAFT = N_("There is no draft to review. Save a draft first.")
RETIRED = N_("This algorithm is retired; its card can no longer be reviewed or published.")
OWN_REQUEST = N_(
    "You asked for this review, so another editor must review it. Withdraw it instead if you no "
    "longer want it reviewed."
)
NOT_AUTHOR = N_("Only the editor who asked for this review can withdraw it.")
FOUR_EYES_REFUSED = N_(
    "You last edited this draft, so you cannot publish it: another editor of your agency must "
    "(four-eyes)."
)
CHANGED_SINCE_OPENED = N_(
    "The draft changed after you opened this page. Read it again, then try again."
)
MISSING_FIELDS = N_("Fill in the required fields before this draft can be published: %(fields)s")
CONCURRENT = N_("Another version was published at the same moment. Reload the page.")

# The service's English message -> (form field, the sentence shown here).
_REFUSALS: dict[str, str] = {
    reviews.ERR_CHANGED_SINCE_ASKED: CHANGED_SINCE_ASKED_LONG,
    reviews.ERR_NO_DRAFT_TO_REVIEW: NO_DRAFT,
    reviews.ERR_ASK_REVISION_CHANGED: CHANGED_SINCE_OPENED,
    reviews.ERR_RETIRED: RETIRED,
    reviews.ERR_OWN_REQUEST: OWN_REQUEST,
    reviews.ERR_NOT_AUTHOR: NOT_AUTHOR,
    reviews.ERR_COMMENT_REQUIRED: COMMENT_MISSING,
    reviews.ERR_CHANGE_SUMMARY_REQUIRED: SUMMARY_MISSING,
    drafts.ERR_FOUR_EYES: FOUR_EYES_REFUSED,
    drafts.ERR_REVISION_CHANGED: CHANGED_SINCE_OPENED,
    drafts.ERR_REVISION_REQUIRED: CHANGED_SINCE_OPENED,
    drafts.ERR_REVISION_STAR: CHANGED_SINCE_OPENED,
    drafts.ERR_SAVE_REVISION_CHANGED: CHANGED_SINCE_OPENED,
    drafts.ERR_NO_DRAFT_TO_PUBLISH: NO_DRAFT,
    drafts.ERR_RETIRED_NO_PUBLISH: RETIRED,
    drafts.ERR_CONCURRENT_PUBLISH: CONCURRENT,
}


def refusal_text(exc: DomainError, lang: str) -> str | None:
    """The console's sentence for a refusal of the review or publish services, or None."""
    message = _REFUSALS.get(exc.message)
    if message is None:
        if exc.message.startswith(reviews.ERR_ALREADY_ASKED.split("(", 1)[0]):
            message = ALREADY_ASKED
        elif exc.message.startswith(reviews.ERR_NOT_OPEN.split("{", 1)[0]):
            message = NOT_OPEN
        elif exc.message.startswith(reviews.ERR_TEXT_TOO_LONG.split("{", 1)[0]):
            return i18n.gettext(lang, TEXT_TOO_LONG) % {"max": REVIEW_NOTE_MAX}
        else:
            return None
    return i18n.gettext(lang, message)
