"""veche: owners' general meetings in apartment buildings, run exactly as the law says."""
