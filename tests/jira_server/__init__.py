"""A stateful Jira test server speaking real HTTP, for the Jira plugin's tests and benchmark."""

from tests.jira_server.server import JiraServer
from tests.jira_server.state import Issue

__all__ = ["Issue", "JiraServer"]
