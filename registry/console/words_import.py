"""Interface words of the console's records import (upload, review, result), marked for
translation. The mapping notes themselves are the formats' English sentences (``registry.formats``)
and the service's (``registry.services.records_import``): they name the other standard's keys."""

from __future__ import annotations

from registry import i18n

N_ = i18n.N_

OUTCOMES = {
    "created": N_("Created as a draft"),
    "would_create": N_("Will be created as a draft"),
    "already_imported": N_("Already imported"),
    "skipped": N_("Skipped"),
}
#: Note kinds, in the order the review shows them (what needs a person first).
NOTE_KINDS = {
    "needs_person": N_("Needs a person"),
    "dropped": N_("Left empty: the registry refused the value"),
    "new_agency": N_("New agency"),
    "empty": N_("Left empty in the source"),
    "not_mapped": N_("Not carried over (no place on our card)"),
    "converted": N_("Converted"),
    "mapped": N_("Mapped as is"),
}
OTHER_KIND = N_("Other notes")
ANY_AGENCY = N_("The organisation named in each record (matched by name, or created)")
ERR_NO_FILE = N_("Choose the file to import.")
ERR_TOO_LARGE = N_("The file is larger than %(limit)s MB; split it into smaller files.")
ERR_FORMAT = N_("Choose the file's format.")
ERR_AGENCY = N_("Choose an agency.")
ERR_DATA = N_("The reviewed file was lost on the way; upload it again.")
