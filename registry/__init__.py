"""The algorithm transparency registry: model cards, audits and disclosure pages."""

__version__ = "0.1.0"
