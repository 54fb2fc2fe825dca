"""Interface words of the console's audit pages, marked for translation (see ``words.py``)."""

from __future__ import annotations

from registry import i18n

N_ = i18n.N_

#: The run's state: (words, tag tone).
STATES = {
    "queued": (N_("Waiting to run"), "neutral"),
    "running": (N_("Running"), "info"),
    "succeeded": (N_("Finished"), "ok"),
    "failed": (N_("Failed"), "bad"),
}
#: Publication: (words, tag tone).
VISIBILITIES = {
    "private": (N_("Not published"), "warn"),
    "published": (N_("Published"), "ok"),
    "withdrawn": (N_("Withdrawn"), "neutral"),
}
STATE_FILTER = N_("Run")
VISIBILITY_FILTER = N_("Publication")
ANY = N_("Any")

BANNER_SUBMITTER = N_("Not published — only you and admins can see this.")
BANNER_OTHER = N_("Not published — only the submitter and admins can see this.")
BANNER_SELF_ASSESSMENT = N_(
    "Not published — only the submitter, admins and the agency's editors can see this."
)
BANNER_EXPLAIN = N_(
    "Below is the audit's page exactly as the public will see it once it is published, with "
    "small counts withheld."
)
BANNER_WITHDRAWN_PRIVATE = N_(
    "Withdrawn before publication — it stays private. Only the submitter and admins can see this."
)

#: The run's progress, while it waits or runs (the page and its ``status.json`` say the same).
JOB_MESSAGES = {
    "queued": N_("The audit is waiting for a worker. It usually starts within a few seconds."),
    "running": N_("The test is running."),
    "succeeded": N_("The run has finished. The page reloads to show the result."),
    "failed": N_("The run has failed. The page reloads to show why."),
}
JOB_PERCENT = N_("%(percent)s%% of the file has been read.")

#: Why a run failed, by the error's ``reason``.
FAILURE_KINDS = {
    "input": N_("A problem with the uploaded file"),
    "spec": N_("A problem with the declared test"),
    "engine": N_("The test could not be computed"),
    "internal": N_("An internal error stopped the run"),
}

# Form problems
REASON_MISSING = N_("Enter the reason for withdrawing the audit")
TEXT_TOO_LONG = N_("Enter at most %(max)s characters")
TEXT_FORBIDDEN = N_("Remove the character that is not allowed: %(found)s")
RESPONSE_MISSING = {
    "en": N_("Enter the response in English"),
    "zh-CN": N_("Enter the response in Chinese"),
}

NOTICES = {
    "published": N_("The audit is published. Its public page is below."),
    "withdrawn": N_("The audit has been withdrawn. Its record and your reason stay on record."),
    "rerun": N_("The rerun is queued. This page shows its progress."),
    "responded": N_("Your response is published on the audit's page."),
}


def text(lang: str, message: str, **values: object) -> str:
    translated = i18n.gettext(lang, message)
    return translated % values if values else translated


def tagged(table: dict[str, tuple[str, str]], value: str, lang: str) -> dict[str, str]:
    words, tone = table.get(value, (value, "neutral"))
    return {"value": value, "text": i18n.gettext(lang, words), "tone": tone}
