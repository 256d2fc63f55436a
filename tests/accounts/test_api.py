"""Account endpoints: users (+ me, passwords), departments, groups, tokens and token auth."""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import ApiToken, User
from tests.api_cases import APIResourceCases, check, send
from tests.factories import DepartmentFactory, GroupFactory, GroupMembershipFactory, UserFactory

PASSWORD = "correct horse battery staple"


class TestUserAPI(APIResourceCases):
    url = "/api/users"
    resource = "user"
    make = staticmethod(lambda t: UserFactory(tenant=t))
    update_data = {"role": "manager"}
    list_queries = 4
    detail_queries = 3

    def create_data(self, tenant):
        return {"email": "newbie@acme.example", "name": "Newbie", "role": "agent"}

    def test_filter_by_role(self, tenant, admin, agent, client_for) -> None:
        assert self.listed_ids(client_for(admin), "&role=agent") == [str(agent.pk)]
        check(client_for(admin).get(f"{self.url}?role=king"), 400)

    def test_duplicate_email_is_400_on_email(self, admin, agent, client_for) -> None:
        body = check(
            send(client_for(admin), "POST", self.url, {"email": agent.email.upper(), "name": "X"}), 400
        )
        assert list(body["details"]) == ["email"]

    def test_me_and_own_profile(self, agent, client_for) -> None:
        client = client_for(agent)
        assert check(client.get("/api/users/me"), 200)["email"] == agent.email
        assert check(send(client, "PATCH", "/api/users/me", {"name": "Alexa"}), 200)["name"] == "Alexa"
        check(send(client, "PATCH", "/api/users/me", {"role": "admin"}), 400)

    def test_change_own_password(self, agent, client_for) -> None:
        client = client_for(agent)
        data = {"current_password": "wrong", "password": "a much longer passphrase"}
        check(send(client, "POST", "/api/users/me/password", data), 400)
        data["current_password"] = PASSWORD
        assert send(client, "POST", "/api/users/me/password", data).status_code == 204
        assert User.objects.get(pk=agent.pk).check_password("a much longer passphrase")


class TestDepartmentAPI(APIResourceCases):
    url = "/api/departments"
    resource = "department"
    make = staticmethod(lambda t: DepartmentFactory(tenant=t))
    update_data = {"description": "Second line"}
    list_queries = 4
    detail_queries = 3

    def create_data(self, tenant):
        return {"name": "Support"}


class TestGroupAPI(APIResourceCases):
    url = "/api/groups"
    resource = "group"
    make = staticmethod(lambda t: GroupMembershipFactory(group__tenant=t).group)
    update_data = {"description": "Escalations"}
    list_queries = 5  # session, user, count, page, memberships
    detail_queries = 4

    def create_data(self, tenant):
        return {"name": "Tier 2", "member_ids": [str(UserFactory(tenant=tenant).pk)]}

    def test_members_of_another_tenant_are_refused(self, other_tenant, admin, client_for) -> None:
        data = {"name": "Mixed", "member_ids": [str(UserFactory(tenant=other_tenant).pk)]}
        body = check(send(client_for(admin), "POST", self.url, data), 400)
        assert list(body["details"]) == ["member_ids"]

    def test_filter_by_member(self, tenant, admin, client_for) -> None:
        membership = GroupMembershipFactory(group__tenant=tenant)
        GroupFactory(tenant=tenant)
        assert self.listed_ids(client_for(admin), f"&member={membership.user_id}") == [
            str(membership.group_id)
        ]


@pytest.mark.django_db
class TestTokens:
    def token_for(self, user: User) -> str:
        out = io.StringIO()
        call_command("create_api_token", user.email, stdout=out)
        return out.getvalue().strip().splitlines()[-1]

    def test_command_prints_the_key_last_and_stores_only_its_digest(self, agent) -> None:
        key = self.token_for(agent)
        token = ApiToken.objects.get(user=agent)
        assert key not in (token.digest, token.prefix) and key.startswith(token.prefix)
        client = Client(headers={"Authorization": f"Token {key}"})
        assert check(client.get("/api/users/me"), 200)["id"] == str(agent.pk)

    def test_command_refuses_unknown_email(self) -> None:
        from django.core.management import CommandError

        with pytest.raises(CommandError, match="No active user"):
            call_command("create_api_token", "ghost@nowhere.example", stdout=io.StringIO())

    @pytest.mark.parametrize("header", [None, "Token nope", "Token a b", "Bearer x", "Token \u00e9"])
    def test_missing_or_bad_credentials_are_401(self, header: str | None) -> None:
        client = Client(headers={"Authorization": header} if header else {})
        check(client.get("/api/tickets"), 401)

    @pytest.mark.parametrize("change", [{"status": "inactive"}, {"is_deleted": True}])
    def test_inactive_or_deleted_users_are_refused(self, agent, client_for, change) -> None:
        key = self.token_for(agent)
        session = client_for(agent)
        User.all_objects.filter(pk=agent.pk).update(**change)
        check(Client(headers={"Authorization": f"Token {key}"}).get("/api/tickets"), 401)
        check(session.get("/api/tickets"), 401)

    def test_users_list_create_and_revoke_their_own_tokens(self, agent, manager, client_for) -> None:
        self.token_for(manager)
        client = client_for(agent)
        created = check(send(client, "POST", "/api/tokens", {"name": "laptop"}), 201)
        assert created["key"].startswith(created["prefix"])
        listed = check(client.get("/api/tokens"), 200)["data"]
        assert [t["id"] for t in listed] == [created["id"]] and listed[0]["key"] is None
        assert client.delete(f"/api/tokens/{created['id']}").status_code == 204
        check(Client(headers={"Authorization": f"Token {created['key']}"}).get("/api/tickets"), 401)
        other = ApiToken.objects.get(user=manager)
        check(client.delete(f"/api/tokens/{other.pk}"), 404)

    def test_token_clients_are_throttled_per_token(self, agent, settings) -> None:
        settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/minute"}
        client = Client(headers={"Authorization": f"Token {self.token_for(agent)}"})
        check(client.get("/api/tags"), 200)
        check(client.get("/api/tags"), 200)
        response = client.get("/api/tags")
        check(response, 429)
        assert response["Retry-After"]


@pytest.mark.django_db
def test_me_and_tokens_query_counts(agent, client_for, django_assert_num_queries) -> None:
    from accounts.services import api_token_create

    for _ in range(3):
        api_token_create(user=agent, actor=agent)
    client = client_for(agent)
    with django_assert_num_queries(2):  # session, user (the row authentication loaded is the answer)
        check(client.get("/api/users/me"), 200)
    with django_assert_num_queries(4):  # session, user, count, page (users joined)
        check(client.get("/api/tokens"), 200)


@pytest.mark.django_db
def test_expired_tokens_are_refused(agent, client_for) -> None:
    import datetime

    from django.utils import timezone

    created = check(
        send(client_for(agent), "POST", "/api/tokens", {"expires_at": "2000-01-01T00:00:00Z"}), 400
    )
    assert list(created["details"]) == ["expires_at"]
    out = io.StringIO()
    call_command("create_api_token", agent.email, "--days", "1", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    client = Client(headers={"Authorization": f"Token {key}"})
    check(client.get("/api/tags"), 200)
    ApiToken.objects.filter(user=agent).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    check(client.get("/api/tags"), 401)


@pytest.mark.django_db
def test_invited_user_sets_a_password_from_the_emailed_link(
    admin, client_for, django_capture_on_commit_callbacks
) -> None:
    import re

    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        invited = check(
            send(client_for(admin), "POST", "/api/users", {"email": "Nia@acme.example", "name": "Nia"}), 201
        )
    assert invited["email"] == "nia@acme.example" and invited["role"] == "agent"
    uid, token = re.search(r"set-password/([^/]+)/([^/]+)/", mail.outbox[0].body).groups()  # type: ignore[union-attr]
    anonymous = Client()
    data = {"uid": uid, "token": token, "password": "short"}
    assert "password" in check(send(anonymous, "POST", "/api/users/set-password", data), 400)["details"]
    data["password"] = "a long enough passphrase"
    assert send(anonymous, "POST", "/api/users/set-password", data).status_code == 204
    assert anonymous.login(username="nia@acme.example", password="a long enough passphrase")
    check(send(Client(), "POST", "/api/users/set-password", data), 400)


@pytest.mark.django_db
def test_throttle_counters_use_the_throttle_cache_when_configured(agent, client_for, settings) -> None:
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    }
    check(client_for(agent).get("/api/tags"), 200)
    check(client_for(agent).get("/api/tags"), 200)
    window = int(time.time() // 3600)  # the user rate is per hour
    assert caches["throttle"].get(f"throttle_user_{agent.pk}:{window}") == 2


@pytest.fixture(params=["memory", "redis"])
def throttle_cache(request, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The rate-limit counters in process memory, and in Redis as in production."""
    if request.param == "redis":
        settings.CACHES = {
            **settings.CACHES,
            "throttle": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": request.getfixturevalue("redis_url"),
                "KEY_PREFIX": f"throttle-{uuid.uuid4().hex}",
            },
        }
    yield request.param


def test_the_throttle_slides_counting_part_of_the_last_window(agent, settings, throttle_cache) -> None:
    from rest_framework.test import APIRequestFactory, force_authenticate

    from supportdesk.api.throttling import ApiRateThrottle
    from tickets.api.views import TicketViewSet

    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "10/minute"}
    request = APIRequestFactory().get("/api/tickets")
    force_authenticate(request, user=agent)
    view = TicketViewSet.as_view({"get": "list"})
    clock = [600.0]  # the start of a minute

    class Throttle(ApiRateThrottle):
        def timer(self) -> float:
            return clock[0]

    TicketViewSet.throttle_classes = [Throttle]
    try:
        assert [view(request).status_code for _ in range(10)] == [200] * 10
        assert view(request).status_code == 429
        clock[0] = 690.0  # half-way into the next minute: half of the 10 still count
        assert [view(request).status_code for _ in range(5)] == [200] * 5
        refused = view(request)
        assert refused.status_code == 429 and refused["Retry-After"] == "6"
        clock[0] = 779.0  # near the end of the minute after: its 5 have almost slid out
        assert view(request).status_code == 200
    finally:
        del TicketViewSet.throttle_classes


def test_on_redis_racing_requests_never_pass_the_limit(agent, settings, redis_url) -> None:
    from django.core.cache import caches
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from supportdesk.api.throttling import ApiRateThrottle

    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": "race"},
    }
    caches["throttle"].clear()
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "10/hour"}
    request = Request(APIRequestFactory().get("/api/tickets"))
    request.user, request.auth = agent, None
    start = threading.Barrier(24)

    def attempt() -> bool:
        start.wait()
        return ApiRateThrottle().allow_request(request, None)

    with ThreadPoolExecutor(max_workers=24) as pool:
        allowed = list(pool.map(lambda _: attempt(), range(24)))

    assert allowed.count(True) == 10
    # Refused requests are not counted: the hour still holds exactly the 10 that passed.
    assert sum(int(v) for v in caches["throttle"].get_many(caches["throttle"].keys("*")).values()) == 10


@pytest.mark.django_db
@pytest.mark.parametrize("compiled", [True, False])
def test_token_lookup_loads_the_whole_token_and_user_in_one_query(
    agent, compiled, monkeypatch, django_assert_num_queries
) -> None:
    import datetime

    from django.utils import timezone

    from accounts.services import api_token_digest
    from supportdesk.api import authentication

    if not compiled:  # the ORM path, taken should a field ever need converting on load
        monkeypatch.setattr(authentication, "_token_plan", lambda: None)
    out = io.StringIO()
    call_command("create_api_token", agent.email, stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    stored = ApiToken.objects.get(user=agent)
    now = timezone.now()
    with django_assert_num_queries(1):
        token = authentication.live_token(api_token_digest(key), now)
        assert token is not None and token.user.email == agent.email
    assert (token.pk, token.name, token.prefix, token.expires_at) == (
        stored.pk, stored.name, stored.prefix, stored.expires_at,
    )  # fmt: skip
    assert token.user.tenant_id == agent.tenant_id and token.user.check_password("x") is False
    assert authentication.live_token(api_token_digest("nope"), now) is None
    ApiToken.objects.filter(pk=stored.pk).update(expires_at=now - datetime.timedelta(seconds=1))
    assert authentication.live_token(api_token_digest(key), now) is None
    ApiToken.objects.filter(pk=stored.pk).update(expires_at=None, revoked_at=now)
    assert authentication.live_token(api_token_digest(key), now) is None


@pytest.mark.django_db
def test_me_answers_the_signed_in_users_row_as_it_is_now(tenant, agent, admin, client_for) -> None:
    """Session or token, ``/users/me`` is the user's own detail: same body, same ETag, never stale."""
    from accounts.services import user_update

    agent.department = DepartmentFactory(tenant=tenant)
    agent.save()
    out = io.StringIO()
    call_command("create_api_token", agent.email, stdout=out)
    by_token = Client(headers={"Authorization": f"Token {out.getvalue().strip().splitlines()[-1]}"})
    by_session = client_for(agent)
    detail = client_for(admin).get(f"/api/users/{agent.pk}")
    for client in (by_token, by_session):
        me = client.get("/api/users/me")
        assert check(me, 200) == check(detail, 200)
        assert me["ETag"] == detail["ETag"]
        assert me.json()["department"] == str(agent.department_id)

    user_update(user=agent, actor=admin, data={"name": "Renamed Agent"})
    for client in (by_token, by_session):
        assert check(client.get("/api/users/me"), 200)["name"] == "Renamed Agent"
