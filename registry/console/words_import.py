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
#: The agency of each organisation named in the file (an admin's review step).
MAP_AUTO = N_("An agency of this name, or a new one")
ERR_MAP_AGENCY = N_(
    "There is no agency “%(slug)s” for the records of “%(name)s”; choose one from the list."
)
ERR_MAP_NAME = N_(
    "The organisation “%(name)s” is not named by any record of this file; review the file again."
)
ERR_MAP_FORM = N_("The list of organisations was damaged on the way; review the file again.")
ERR_MAP_EDITOR = N_("Only an admin can choose the agency of each organisation.")
ERR_MAP_AND_AGENCY = N_(
    "Choose either one agency for every record or an agency per organisation, not both."
)
