"""Imported once by the fork server of the audit processes (see ``budget``): what every audit
process starts with.

1. Arrow's default allocator, mimalloc, reserves about a gigabyte of address space when it
   starts, which the ``RLIMIT_AS`` memory budget would count against the audit; the system
   allocator reserves as it goes. Measured on the sample audits: the same time, and 0.36 GB of
   address space at the start of an audit process instead of 1.38 GB. So it is chosen before
   pyarrow is imported.
2. The engine's modules, including those ``fairness`` loads on first use (scipy's special
   functions, Parquet, scikit-learn's ROC AUC for score columns): imported here once, they cost
   an audit process nothing (it is a fork of this one); imported in each, about 0.3 s per audit,
   and 1.2 s with a score column.
3. The command line (``registry serve``, ``registry worker``): multiprocessing runs the main
   script again in each new process, and the ``registry`` script imports ``registry.cli``
   (0.1 s), already loaded here.
4. Two tiny audits (a prediction column, a score column), so that what the engine sets up on its
   first call (package versions for the report, Arrow's group-by, pandas' and numpy's caches) is
   set up here once: the first audit in a fresh process took 70-90 ms where the next took 35,
   and takes about 50 ms with this. They start no thread that outlives them (the fork server has
   as many threads after as before), so forking from here stays safe.
"""

from __future__ import annotations

import gc
import importlib
import io
import os

os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"

MODULES = (
    "registry.services.audits.engine",
    "fairness._audit",
    "fairness._read",
    "fairness._counts_input",
    "fairness._report",
    "fairness._bootstrap",
    "fairness._score_metrics",
    "fairness._spec_validation",
    "pyarrow.parquet",
    "scipy.sparse",
    "sklearn.metrics",
    "registry.cli",
)

for _name in MODULES:
    importlib.import_module(_name)


def _warm_up() -> None:
    import fairness

    rows = b"f,1,1,0.9\nm,0,1,0.2\nf,0,0,0.4\nm,1,0,0.7\n" * 50
    data = b"sex,label,pred,score\n" + rows
    columns = {"label": "label", "sensitive_features": ["sex"]}
    for chosen in ({"prediction": "pred"}, {"score": "score", "threshold": ">=0.5"}):
        spec = {"columns": {**columns, **chosen}, "bootstrap_replicates": 20, "seed": 1}
        sample = fairness.read_for_spec(io.BytesIO(data), spec)
        fairness.audit_counts(sample, spec).to_dict()


_warm_up()

# Keep the collector off everything imported so far: a child's collections then do not touch
# (and copy) the fork server's pages.
gc.freeze()
