"""The playbook: the registry published as an MkDocs site that the whole team reads."""
