"""Interface words of the console, marked for translation (``python -m registry.i18n.catalog``).

Services raise errors with English messages for the API and the command line; the console shows
its own translated sentence for each kind of problem, looked up by the error's ``type`` or code.
"""

from __future__ import annotations

from registry import i18n

N_ = i18n.N_

ROLE_NAMES = {
    "admin": N_("Admin"),
    "agency_editor": N_("Agency editor"),
    "auditor": N_("Auditor"),
}
ROLE_HINTS = {
    "admin": N_("Manages agencies and accounts. Does not write or publish cards."),
    "agency_editor": N_("Registers and publishes the algorithms of one agency."),
    "auditor": N_("Uploads samples and publishes audits."),
}

# Form problems: (field, message)
EMAIL_MISSING = N_("Enter your email address")
PASSWORD_MISSING = N_("Enter your password")
SIGN_IN_FAILED = N_("The email address or password is not correct")
SIGN_IN_THROTTLED = N_(
    "Too many failed sign-in attempts. You can try again in %(minutes)s min, or ask an admin for "
    "a set-password link."
)
ACCOUNT_DEACTIVATED = N_("This account is deactivated. Ask an admin if you need access again.")
NEW_PASSWORD_MISSING = N_("Enter a new password")
PASSWORD_PROBLEMS = {
    "password_too_short": N_("Enter a password of at least %(min)s characters"),
    "password_too_long": N_("Enter a password of at most %(max)s characters"),
    "password_is_email": N_("Choose a password that is not your email address"),
}
CONFIRM_MISMATCH = N_("Enter the same password again to confirm it")
TOKEN_NAME_MISSING = N_("Enter a name for the token")
TOKEN_NAME_TOO_LONG = N_("Enter a name of at most %(max)s characters")
NEW_EMAIL_INVALID = N_("Enter an email address in the correct format, like name@example.gov")
NEW_NAME_MISSING = N_("Enter the person's name")
ROLE_MISSING = N_("Choose a role")
AGENCY_MISSING = N_("Choose the agency of an agency editor")
AGENCY_NOT_FOR_ROLE = N_("Only agency editors belong to an agency: choose no agency")
EMAIL_TAKEN = N_("An account with this email address already exists")

LINK_PROBLEMS = {
    "unknown": N_("This link is not valid. Check that it was copied in full."),
    "expired": N_("This link has expired. Ask an admin for a new one."),
    "used": N_("This link has already been used. Ask an admin for a new one if you need it."),
    "deactivated": N_("This account is deactivated, so the link does not work."),
}

NOTICES = {
    "signed_out": N_("You have signed out."),
    "session_ended": N_("Your session has ended. Sign in again to continue."),
    "password_set": N_("Your password is set. Sign in with it now."),
    "token_revoked": N_("The token has been revoked. Programs using it can no longer sign in."),
    "deactivated": N_(
        "The account has been deactivated. Its sessions have ended and its API tokens no longer "
        "work."
    ),
    "reactivated": N_("The account has been reactivated."),
}

CSRF_PROBLEMS = {
    "no_cookie": N_(
        "Your browser did not send back this site's cookie. Allow cookies for this site, then go "
        "back, reload the page and try again."
    ),
    "missing": N_(
        "The form was sent without its security code. Go back, reload the page and try again."
    ),
    "invalid": N_(
        "The form was out of date or did not come from this site. Go back, reload the page and "
        "try again."
    ),
}


def role_name(role: str, lang: str) -> str:
    return i18n.gettext(lang, ROLE_NAMES.get(role, role))


def text(lang: str, message: str, **values: object) -> str:
    translated = i18n.gettext(lang, message)
    return translated % values if values else translated
