"""The kernel every package may use: configuration, extensions, errors, links, column types, PDF, uploads,
signals, the server key, template helpers and the job queue. It imports no feature."""
