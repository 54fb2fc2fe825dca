"""The algorithm transparency registry: a web service for model cards, audits and disclosure pages."""

__version__ = "0.1.0"
