"""Cards: agencies, accounts, API tokens, permissions, algorithms, drafts and published versions."""
