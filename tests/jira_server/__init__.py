"""A stateful Jira test server speaking real HTTP, for the Jira plugin's tests and benchmark.

    with JiraServer(flavour="cloud", project="ARK") as server:
        jira = JIRA(server.url, basic_auth=("bot@acme.test", "s3cret"))    # Data Center: token_auth
        alice = server.add_user("alice@acme.test", "Alice Liddell")       # accountId or name
        ...
        server.issues["ARK-1"].fields["labels"], server.issues["ARK-1"].status.name
        server.set_status("ARK-1", "Done", by=alice)     # a person moves it on the board
        server.requests[("POST", "/rest/api/2/issue/bulk")], server.writes

Faults: `latency`, `search_lag`, `bulk = False`, `fail(...)`, `fail_with_page(...)`,
`drop_after_commit(...)`. Set-ups met in the wild (`VARIANTS`, passed as keyword switches):
POST search refused, bulk create refused with 405, no per-issue-type create metadata, an
older Data Center, a proxy that drops long URLs, a single sign-on page answering everything.
"""

from tests.jira_server.server import ECHO, VARIANTS, JiraServer
from tests.jira_server.state import Issue

__all__ = ["ECHO", "VARIANTS", "Issue", "JiraServer"]
