"""fairness: count-based group-disparity audits with intervals, significance tests and verdicts.

Independent of the registry: it imports no web framework or database package.
"""

from fairness._table import UNKNOWN, CellTable, ReadStats, Sample, ScoreTable

__version__ = "0.1.0"

__all__ = ["UNKNOWN", "CellTable", "ReadStats", "Sample", "ScoreTable", "__version__"]
