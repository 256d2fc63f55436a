"""Many clients editing one ticket at once: If-Match turns lost updates into retries."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connections

from tests.factories import TicketFactory
from tickets.models import Ticket

WRITERS = 6


@pytest.mark.django_db(transaction=True)
def test_parallel_updates_with_if_match_lose_nothing(tenant, agent, client_for) -> None:
    ticket = TicketFactory(tenant=tenant, description="")
    url = f"/api/tickets/{ticket.pk}"
    clients = [client_for(agent) for _ in range(WRITERS)]
    start = threading.Barrier(WRITERS)
    refused: list[int] = []
    errors: list[str] = []

    def writer(n: int) -> None:
        client = clients[n]
        try:
            start.wait()
            for _ in range(50):
                current = client.get(url)
                body = current.json()
                response = client.patch(
                    url,
                    json.dumps({"description": body["description"] + f"[{n}]"}),
                    content_type="application/json",
                    headers={"If-Match": current["ETag"]},
                )
                if response.status_code == 200:
                    return
                if response.status_code != 412:
                    errors.append(f"{response.status_code}: {response.content[:300]!r}")
                    return
                refused.append(n)
            errors.append(f"writer {n} never got through")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    description = Ticket.objects.get(pk=ticket.pk).description
    assert sorted(description.strip("[]").split("][")) == [str(n) for n in range(WRITERS)], description
