"""Protocols for the housing inspection: plain data to HTML to PDF; notices; inspector pages."""
