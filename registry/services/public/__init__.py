"""The read side of the public pages: records, search and its index, feeds and bulk downloads.
Only published (or retired) records and published audits are ever read here."""
