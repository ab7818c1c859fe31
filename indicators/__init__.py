"""The regional indicator: the share of meetings held online per municipality."""
