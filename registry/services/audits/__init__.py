"""Audits: submission (spec and header checked, upload staged), the engine bridge to ``fairness``,
the queue worker, publication (publish, respond, withdraw) and disclosure (small-cell suppression).
"""
