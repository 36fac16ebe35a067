"""Ark in the browser: `ark serve`, the workspace's pages and its JSON API; `ark user`."""
