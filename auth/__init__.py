"""Accounts, roles and scopes, proven ownership, device keys and the authorisation policy."""
