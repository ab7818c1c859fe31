"""The pure meeting domain: exact numbers, weights, rules and tallies (standard library only)."""
