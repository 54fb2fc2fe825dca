"""Citizen participation: questions and concerns from the public, answered in public.

``submission`` (submit, status by tracking code, contact erasure, retention sweep),
``moderation`` (the agency's queue and decisions), ``listing`` (what the public sees).
See docs/participation.md.
"""
