"""The read side of the public pages: records, search and its index (with ``analysis``: the terms
and query trees), feeds, the sitemap's paths and bulk downloads.
Only published (or retired) records and published audits are ever read here. The search index is
the one thing written here, and only by writes: ``search_index.sync`` runs inside each public write
before its commit (never in a request that reads)."""
