"""Documented processes: Markdown files with front matter, recorded as revisions in the registry."""
