"""Staff accounts' sign-in: passwords, console sessions, invitations, deactivation, rate limits.

Nothing here imports the web framework. The console (``registry.console``) and the JSON API call
these functions; the rate limiter (``throttle.RateLimits``) is built once per app from the settings
and passed in, so tests give each app its own limits.
"""
