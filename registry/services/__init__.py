"""Services: the only layer that touches the database. One folder per domain.

- ``cards/``: agencies, accounts, tokens, permissions, algorithms, drafts, versions, the API listing
- ``audits/``: submission, staged uploads, the engine bridge, the worker, publication, disclosure
- ``public/``: the read side of the public pages: records, search and its index, feeds
- ``demo/``: the sample data behind ``registry demo``
- at the top: ``events`` (the hash-chained ledger), ``transactions``, ``clock``, ``canonical``,
  ``export_import`` (the whole register as one JSON document)

Services never import the web framework (tests/test_architecture.py).
"""
