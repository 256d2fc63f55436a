"""A deterministic generator of data sets in the old app's export format, at any scale.

Every record is derived from (seed, kind, index) alone, so each file is written in one streaming
pass without keeping earlier records in memory: a comment recomputes the facts of its ticket from
the ticket's index. Memory stays flat from a hundred tickets to millions.
"""

from __future__ import annotations

import datetime
import json
import random
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEMO_PASSWORD = "supportdesk-demo"
EPOCH = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)

TENANTS = [
    ("Northwind Traders", "northwind.example"),
    ("Contoso Outdoor", "contoso-outdoor.example"),
    ("Globex Utilities", "globex.example"),
    ("Initech Software", "initech.example"),
    ("Umbrella Health", "umbrella-health.example"),
    ("Stark Logistics", "stark-logistics.example"),
]
FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Lucas",
    "Sophia",
    "Mateo",
    "Isabella",
    "Ethan",
    "Mia",
    "Amir",
    "Chloe",
    "Kenji",
    "Priya",
    "Jonas",
    "Fatima",
    "Diego",
    "Hannah",
    "Tomasz",
    "Leila",
    "Samuel",
    "Grace",
    "Arjun",
    "Elena",
    "Marcus",
    "Zoe",
    "Daniel",
    "Aisha",
    "Henrik",
]
LAST = [
    "Bennett",
    "Carter",
    "Nguyen",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Kowalski",
    "Tanaka",
    "Haddad",
    "Fernandez",
    "Murphy",
    "Larsen",
    "Dubois",
    "Patel",
    "Johansson",
    "Moreau",
    "Silva",
    "Becker",
    "Reyes",
    "Kim",
    "Novak",
    "Ahmed",
    "Walsh",
    "Costa",
    "Lindqvist",
    "Hughes",
]
DEPARTMENTS = ["Customer Support", "Billing", "Technical Operations", "Sales", "Onboarding"]
GROUPS = ["Tier 1", "Tier 2", "Billing Desk", "Escalations"]
TAGS = [
    ("vip", "#d4a017"),
    ("refund", "#2e8b57"),
    ("bug", "#c0392b"),
    ("outage", "#8e44ad"),
    ("feature-request", "#2980b9"),
    ("billing", "#16a085"),
    ("sso", "#34495e"),
    ("mobile", "#e67e22"),
    ("api", "#7f8c8d"),
    ("shipping", "#27ae60"),
    ("follow-up", "#f39c12"),
    ("angry-customer", "#e74c3c"),
    ("onboarding", "#1abc9c"),
    ("security", "#2c3e50"),
    ("duplicate", "#95a5a6"),
]
COMPANY_WORDS = [
    "Acme",
    "Blue",
    "Harbor",
    "Summit",
    "Pioneer",
    "Cedar",
    "Silverline",
    "Brightpath",
    "Ironwood",
    "Maple",
    "Quantum",
    "Redwood",
    "Sunrise",
    "Granite",
    "Evergreen",
    "Atlas",
    "Beacon",
    "Crescent",
    "Falcon",
    "Horizon",
]
COMPANY_KINDS = ["Foods", "Clinics", "Logistics", "Retail", "Labs", "Hotels", "Partners", "Systems", "Bikes"]
TITLES = ["Office Manager", "IT Administrator", "Accounts Payable", "Operations Lead", "Founder", "CFO", ""]

# category -> subcategory -> subject templates
CATALOG: dict[str, dict[str, list[str]]] = {
    "Billing": {
        "Invoices": [
            "Invoice {inv} shows the wrong VAT number",
            "Can you resend invoice {inv}?",
            "Invoice {inv} was charged twice",
        ],
        "Refunds": [
            "Refund for order {order} not received",
            "Requesting a refund for the annual plan",
            "Partial refund for damaged items in {order}",
        ],
        "Payment methods": [
            "Card declined when renewing subscription",
            "Switch from card to bank transfer",
            "Update the credit card on file",
        ],
    },
    "Technical issue": {
        "Login problems": [
            "Cannot sign in after password reset",
            "Two-factor code never arrives",
            "Locked out of the account since this morning",
        ],
        "Performance": [
            "Dashboard takes over a minute to load",
            "Reports time out for large date ranges",
            "Search is very slow since the last update",
        ],
        "Bug report": [
            "Export to CSV drops the last row",
            "Attachments fail to upload from Safari",
            "Dates show in the wrong time zone",
        ],
    },
    "Account": {
        "Password reset": ["Password reset link expired", "Please reset the password for a former employee"],
        "Permissions": ["New manager cannot see team tickets", "Remove admin rights from a departed user"],
        "Profile changes": ["Change the company name on our account", "Update our billing contact"],
    },
    "Shipping": {
        "Delayed delivery": [
            "Order {order} still not delivered",
            "Tracking for {order} has not moved in a week",
        ],
        "Damaged item": ["Order {order} arrived damaged", "Box crushed, two units broken in {order}"],
        "Address change": ["Change the delivery address for {order}", "Ship {order} to our new warehouse"],
    },
    "Integrations": {
        "API": ["API returns 429 even at low volume", "Webhook signature does not validate"],
        "SSO": ["SAML login fails with an invalid audience error", "Enable SSO for our second domain"],
    },
}
OPENINGS = [
    "Hi team,",
    "Hello,",
    "Good morning,",
    "Hi there,",
    "Dear support,",
]
DETAILS = [
    "This started on {day} and affects {n} people in our office.",
    "We have already tried clearing the cache and using another browser.",
    "It is blocking our month-end close, so a quick answer would be appreciated.",
    "I attached a screenshot of the error message we see.",
    "Our reference is {order}; the account is registered under this email address.",
    "The same thing happened last quarter and was fixed by your team then.",
    "Please let me know if you need any more details from our side.",
]
CLOSINGS = ["Thanks,", "Best regards,", "Kind regards,", "Cheers,", "Thank you,"]
AGENT_REPLIES = [
    "Thanks for reaching out. I have reproduced the issue and passed it to our engineers; I will update you "
    "as soon as I hear back.",
    "I have corrected this on our side. Could you check again and confirm everything looks right now?",
    "Sorry for the trouble. I have issued the correction and you should see it within two business days.",
    "Could you send us the exact time you saw the error and the browser version you were using?",
    "Good news: the fix was released this morning. Please let us know if you still see the problem.",
    "I have updated your account settings as requested. The change takes effect immediately.",
]
CUSTOMER_REPLIES = [
    "Thanks, that did the trick. You can close this ticket.",
    "Still seeing the same problem this morning, unfortunately.",
    "Here is the information you asked for. It happened around 9:40 in Chrome.",
    "Any update on this? Our finance team is waiting for it.",
    "Confirmed, everything looks correct now. Thanks for the quick help!",
]
INTERNAL_NOTES = [
    "Customer is on the enterprise plan; handle with priority.",
    "Checked the logs: the request failed on the payment provider's side.",
    "Escalated to Tier 2, waiting for engineering to confirm the root cause.",
    "Similar to last month's incident; linking for reference.",
    "Refund approved by the billing lead.",
    "Do not close until the customer confirms the fix.",
]
FILES = [
    ("screenshot-error.png", "image/png"),
    ("invoice-copy.pdf", "application/pdf"),
    ("browser-console.log", "text/plain"),
    ("order-export.csv", "text/csv"),
    ("delivery-photo.png", "image/png"),
    ("sso-metadata.xml", "application/xml"),
]
STATUSES = ["new", "open", "open", "pending", "on_hold", "resolved", "resolved", "closed", "closed", "closed"]
PRIORITIES = ["low", "medium", "medium", "medium", "high", "high", "urgent"]
CHANNELS = ["email", "email", "web", "web", "phone", "chat"]
MESSY_ENUMS = {"on_hold": ["On Hold", "on-hold", "ON_HOLD"], "high": ["High", "HIGH"], "open": ["Open"]}

USERS_PER_TENANT = 14  # 2 admins, 3 managers, 9 agents
PARENTS_PER_TENANT = 4
COMPANIES_PER_TENANT = 12


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class Shape:
    """The sizes every record's ids are computed from."""

    tickets: int
    tenants: int
    seed: int

    @property
    def contacts_per_tenant(self) -> int:
        return max(24, self.tickets // (self.tenants * 8))

    def tenant_of_ticket(self, i: int) -> int:
        return i % self.tenants


class Generator:
    """Writes every file of a data set into ``out`` (plus the attachment files in ``out/files``)."""

    def __init__(self, out: Path, tickets: int, tenants: int = 3, seed: int = 1) -> None:
        if tenants < 1 or tenants > len(TENANTS) * 10:
            raise ValueError(f"tenants must be between 1 and {len(TENANTS) * 10}")
        self.out = out
        self.shape = Shape(tickets, tenants, seed)

    def rng(self, *key: Any) -> random.Random:
        return random.Random(f"{self.shape.seed}:{':'.join(map(str, key))}")

    # --- ids and names ----------------------------------------------------------------------------
    @staticmethod
    def tid(t: int) -> str:
        return f"tnt_{t + 1:03d}"

    def tenant_name(self, t: int) -> tuple[str, str]:
        name, domain = TENANTS[t % len(TENANTS)]
        if t >= len(TENANTS):
            suffix = t // len(TENANTS) + 1
            return f"{name} {suffix}", domain.replace(".example", f"{suffix}.example")
        return name, domain

    @staticmethod
    def uid(t: int, j: int) -> str:
        return f"usr_{t + 1}_{j + 1:04d}"

    def person(self, *key: Any) -> str:
        rng = self.rng("person", *key)
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    def role(self, j: int) -> str:
        return "admin" if j < 2 else "manager" if j < 5 else "agent"

    # --- writing ----------------------------------------------------------------------------------
    def write(self) -> dict[str, int]:
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "files").mkdir(exist_ok=True)
        self._write_files()
        counts = {}
        for name, records in [
            ("tenants", self.tenants()),
            ("users", self.users()),
            ("parent_companies", self.parent_companies()),
            ("companies", self.companies()),
            ("contacts", self.contacts()),
            ("categories", self.categories()),
            ("subcategories", self.subcategories()),
            ("groups", self.groups()),
            ("tags", self.tags()),
            ("tickets", self.tickets()),
            ("ticket_comments", self.comments()),
            ("ticket_tags", self.ticket_tags()),
            ("attachments", self.attachments()),
            ("departments", self.departments()),
            ("audit_logs", self.audit_logs()),
        ]:
            counts[name] = write_array(self.out / f"{name}.json", records)
        return counts

    def _write_files(self) -> None:
        for index, (name, content_type) in enumerate(FILES):
            rng = self.rng("file", index)
            lines = [
                f"{iso(EPOCH - datetime.timedelta(minutes=k))} line {k}: {rng.choice(DETAILS)}"
                for k in range(12)
            ]
            if content_type == "image/png":
                body = png(48 + 16 * index, 32, rng)
            elif content_type == "application/pdf":
                body = pdf(["Invoice INV-20418", "Northwind Traders", *lines[:3]])
            elif content_type == "text/csv":
                rows = [
                    f"#{rng.randrange(100000, 999999)},SKU-{rng.randrange(1000, 9999)},{rng.randrange(1, 9)},"
                    f"{rng.choice(['shipped', 'delayed', 'delivered'])}"
                    for _ in range(12)
                ]
                body = "\n".join(["order,sku,quantity,status", *rows, ""]).encode()
            elif content_type == "application/xml":
                body = (
                    b'<?xml version="1.0"?>\n<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" '
                    b'entityID="https://sso.northwind.example/saml">\n  <IDPSSODescriptor '
                    b'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>\n</EntityDescriptor>\n'
                )
            else:
                body = "\n".join(lines).encode()
            (self.out / "files" / name).write_bytes(body)

    # --- entities ---------------------------------------------------------------------------------
    def tenants(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            yield {"id": self.tid(t), "name": self.tenant_name(t)[0]}

    def _stamps(self, rng: random.Random, t: int, days: int = 400) -> dict[str, Any]:
        created = EPOCH - datetime.timedelta(days=days, minutes=rng.randrange(60 * 24 * 30))
        stamps: dict[str, Any] = {"createdAt": iso(created), "createdBy": self.uid(t, 0)}
        if rng.random() < 0.7:
            stamps["updatedAt"] = iso(created + datetime.timedelta(days=rng.randrange(1, 60)))
            stamps["updatedBy"] = self.uid(t, rng.randrange(USERS_PER_TENANT - 1))
        return stamps

    def users(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            domain = self.tenant_name(t)[1]
            for j in range(USERS_PER_TENANT):
                rng = self.rng("user", t, j)
                name = self.person("user", t, j)
                local = "admin" if j == 0 else f"{name.lower().replace(' ', '.')}{j}"
                email = f"{local}@{domain}"
                if j % 5 == 3:  # messy export: mixed case and stray spaces
                    email = f"  {local.title()}@{domain.upper()} "
                role = self.role(j)
                dep = j % len(DEPARTMENTS)
                record: dict[str, Any] = {
                    "id": self.uid(t, j),
                    "tenantId": self.tid(t),
                    "name": name,
                    "email": email,
                    "role": role.title() if j % 4 == 1 else role,
                    # some records name the department instead of giving its id
                    "department": DEPARTMENTS[dep] if j % 3 == 2 else f"dep_{t + 1}_{dep + 1:02d}",
                    "status": "Inactive" if j == USERS_PER_TENANT - 2 else "active",
                    "password": DEMO_PASSWORD,
                    "createdAt": iso(EPOCH - datetime.timedelta(days=500 - j)),
                }
                if j == 0:
                    record["isStaff"] = True
                if j % 2 == 0:
                    record["lastLogin"] = iso(EPOCH - datetime.timedelta(hours=rng.randrange(1, 500)))
                if j % 3 == 0:
                    record["profileImageUrl"] = f"https://avatars.{domain}/{j + 1}.png"
                if j == USERS_PER_TENANT - 1:
                    record["isDeleted"] = True
                yield record

    def parent_companies(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            for j in range(PARENTS_PER_TENANT):
                rng = self.rng("parent", t, j)
                word = COMPANY_WORDS[(t * 7 + j) % len(COMPANY_WORDS)]
                yield {
                    "id": f"pco_{t + 1}_{j + 1:03d}",
                    "tenantId": self.tid(t),
                    "name": f"{word} Holdings",
                    "domain": f"{word.lower()}-holdings.example",
                    **self._stamps(rng, t),
                }

    def company_name(self, t: int, j: int) -> str:
        word = COMPANY_WORDS[(t * 3 + j) % len(COMPANY_WORDS)]
        return f"{word} {COMPANY_KINDS[j % len(COMPANY_KINDS)]}"

    def companies(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            for j in range(COMPANIES_PER_TENANT):
                rng = self.rng("company", t, j)
                record: dict[str, Any] = {
                    "id": f"com_{t + 1}_{j + 1:03d}",
                    "tenantId": self.tid(t),
                    "name": self.company_name(t, j),
                    "domain": self.company_name(t, j).lower().replace(" ", "") + ".example",
                    **self._stamps(rng, t),
                }
                if j % 3 != 2:
                    record["parentCompanyId"] = f"pco_{t + 1}_{j % PARENTS_PER_TENANT + 1:03d}"
                if j % 2 == 0:
                    record["phone"] = f"+1 555 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
                yield record

    def contact_company(self, j: int) -> int | None:
        return None if j % 9 == 8 else j % COMPANIES_PER_TENANT

    def contacts(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            for j in range(self.shape.contacts_per_tenant):
                rng = self.rng("contact", t, j)
                name = self.person("contact", t, j)
                company = self.contact_company(j)
                domain = (
                    self.company_name(t, company).lower().replace(" ", "") + ".example"
                    if company is not None
                    else "mail.example"
                )
                record: dict[str, Any] = {
                    "id": f"con_{t + 1}_{j + 1:06d}",
                    "tenantId": self.tid(t),
                    "name": name,
                    "email": f"{name.lower().replace(' ', '.')}.{j}@{domain}",
                    **self._stamps(rng, t),
                }
                if company is not None:
                    record["companyId"] = f"com_{t + 1}_{company + 1:03d}"
                if j % 4 == 0:
                    record["phone"] = f"+44 20 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"
                if title := TITLES[j % len(TITLES)]:
                    record["title"] = title
                if j % 37 == 36:
                    record["isDeleted"] = True
                yield record

    def categories(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            for c, name in enumerate(CATALOG):
                yield {
                    "id": f"cat_{t + 1}_{c + 1:02d}",
                    "tenantId": self.tid(t),
                    "name": name,
                    "description": f"Requests about {name.lower()}.",
                    **self._stamps(self.rng("category", t, c), t),
                }

    def subcategories(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            for c, subs in enumerate(CATALOG.values()):
                for s, name in enumerate(subs):
                    yield {
                        "id": f"sub_{t + 1}_{c + 1:02d}_{s + 1}",
                        "tenantId": self.tid(t),
                        "categoryId": f"cat_{t + 1}_{c + 1:02d}",
                        "name": name,
                        **self._stamps(self.rng("subcategory", t, c, s), t),
                    }

    def groups(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            for g, name in enumerate(GROUPS):
                members = [self.uid(t, j) for j in range(2, USERS_PER_TENANT - 1) if j % len(GROUPS) == g]
                yield {
                    "id": f"grp_{t + 1}_{g + 1:02d}",
                    "tenantId": self.tid(t),
                    "name": name,
                    "memberIds": members,
                    **self._stamps(self.rng("group", t, g), t),
                }

    def tags(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            for g, (name, color) in enumerate(TAGS):
                record = {
                    "id": f"tag_{t + 1}_{g + 1:02d}",
                    "tenantId": self.tid(t),
                    "name": name,
                    "color": color,
                    **self._stamps(self.rng("tag", t, g), t),
                }
                if name == "duplicate":
                    record["isDeleted"] = True
                yield record

    def departments(self) -> Iterator[dict[str, Any]]:
        for t in range(self.shape.tenants):
            for d, name in enumerate(DEPARTMENTS):
                yield {
                    "id": f"dep_{t + 1}_{d + 1:02d}",
                    "tenantId": self.tid(t),
                    "name": name,
                    **self._stamps(self.rng("department", t, d), t),
                }

    # --- tickets and what hangs off them ----------------------------------------------------------
    def ticket(self, i: int) -> dict[str, Any]:
        """Every fact of ticket ``i``; comments, tags and attachments recompute it from ``i``."""
        rng = self.rng("ticket", i)
        t = self.shape.tenant_of_ticket(i)
        contact = rng.randrange(self.shape.contacts_per_tenant)
        created = EPOCH - datetime.timedelta(minutes=rng.randrange(60 * 24 * 365))
        categories = list(CATALOG)
        c = rng.randrange(len(categories))
        subs = list(CATALOG[categories[c]])
        s = rng.randrange(len(subs))
        status = rng.choice(STATUSES)
        priority = rng.choice(PRIORITIES)
        subject = rng.choice(CATALOG[categories[c]][subs[s]]).format(
            inv=f"INV-{rng.randrange(10000, 99999)}", order=f"#{rng.randrange(100000, 999999)}"
        )
        order = f"#{rng.randrange(100000, 999999)}"
        body = "\n\n".join(
            [
                rng.choice(OPENINGS),
                " ".join(
                    d.format(
                        day=(created - datetime.timedelta(days=2)).strftime("%A"),
                        n=rng.randrange(2, 40),
                        order=order,
                    )
                    for d in rng.sample(DETAILS, 3)
                ),
                f"{rng.choice(CLOSINGS)}\n{self.person('contact', t, contact)}",
            ]
        )
        assignee = rng.randrange(2, USERS_PER_TENANT - 1) if status != "new" else None
        return {
            "i": i,
            "t": t,
            "rng": rng,
            "contact": contact,
            "created": created,
            "category": c,
            "subcategory": s,
            "status": status,
            "priority": priority,
            "subject": subject,
            "body": body,
            "assignee": assignee,
            "comments": 0 if status == "new" else rng.randrange(1, 6),
            "tags": rng.sample(range(len(TAGS) - 1), rng.randrange(0, 4)),
            "attachment": rng.random() < 0.12,
        }

    def tickets(self) -> Iterator[dict[str, Any]]:
        for i in range(self.shape.tickets):
            f = self.ticket(i)
            rng, t, created = f["rng"], f["t"], f["created"]
            status = f["status"]
            record: dict[str, Any] = {
                "id": f"tkt_{i + 1:07d}",
                "tenantId": self.tid(t),
                "number": 1000 + i // self.shape.tenants + 1,
                "subject": f["subject"],
                "description": f["body"],
                "status": rng.choice(MESSY_ENUMS[status]) if status in MESSY_ENUMS and i % 7 == 0 else status,
                "priority": rng.choice(MESSY_ENUMS["high"])
                if f["priority"] == "high" and i % 5 == 0
                else f["priority"],
                "requesterId": f"con_{t + 1}_{f['contact'] + 1:06d}",
                "channel": rng.choice(CHANNELS),
                "categoryId": f"cat_{t + 1}_{f['category'] + 1:02d}",
                "createdAt": iso(created),
                "updatedAt": iso(created + datetime.timedelta(hours=rng.randrange(1, 200))),
                "createdBy": self.uid(t, 2 + i % (USERS_PER_TENANT - 3)),
            }
            if i % 4:
                record["subcategoryId"] = f"sub_{t + 1}_{f['category'] + 1:02d}_{f['subcategory'] + 1}"
            company = self.contact_company(f["contact"])
            if company is not None:
                record["companyId"] = f"com_{t + 1}_{company + 1:03d}"
            if f["assignee"] is not None:
                record["assigneeId"] = self.uid(t, f["assignee"])
                record["groupId"] = f"grp_{t + 1}_{f['assignee'] % len(GROUPS) + 1:02d}"
                record["firstResponseAt"] = iso(created + datetime.timedelta(minutes=rng.randrange(5, 600)))
            if i % 3 == 0:
                record["departmentId"] = f"dep_{t + 1}_{i % len(DEPARTMENTS) + 1:02d}"
            if f["priority"] in ("high", "urgent"):
                record["dueAt"] = iso(created + datetime.timedelta(days=2))
            if status in ("resolved", "closed"):
                resolved = created + datetime.timedelta(hours=rng.randrange(2, 300))
                # some old records carry an explicit offset instead of Z
                record["resolvedAt"] = (
                    resolved.astimezone(datetime.timezone(datetime.timedelta(hours=2))).isoformat()
                    if i % 11 == 0
                    else iso(resolved)
                )
                if status == "closed":
                    record["closedAt"] = iso(resolved + datetime.timedelta(days=3))
            if i % 97 == 96:
                record["isDeleted"] = True
            yield record

    def comments(self) -> Iterator[dict[str, Any]]:
        for i in range(self.shape.tickets):
            f = self.ticket(i)
            t = f["t"]
            rng = self.rng("comments", i)
            moment = f["created"]
            for k in range(f["comments"]):
                moment += datetime.timedelta(minutes=rng.randrange(10, 2000))
                kind = rng.random()
                record: dict[str, Any] = {
                    "id": f"cmt_{i + 1:07d}_{k + 1}",
                    "tenantId": self.tid(t),
                    "ticketId": f"tkt_{i + 1:07d}",
                }
                if k == 0 or kind < 0.4:
                    user = self.uid(t, f["assignee"] or 2)
                    record.update(
                        authorType="user",
                        authorId=user,
                        body=rng.choice(AGENT_REPLIES),
                        isInternal=False,
                        createdBy=user,
                    )
                elif kind < 0.7:
                    user = self.uid(t, f["assignee"] or 2)
                    record.update(
                        authorType="User" if k % 2 else "user",
                        authorId=user,
                        body=rng.choice(INTERNAL_NOTES),
                        isInternal=True,
                        createdBy=user,
                    )
                else:
                    record.update(
                        authorType="contact",
                        authorId=f"con_{t + 1}_{f['contact'] + 1:06d}",
                        body=rng.choice(CUSTOMER_REPLIES),
                    )
                record["createdAt"] = iso(moment)
                yield record

    def ticket_tags(self) -> Iterator[dict[str, Any]]:
        for i in range(self.shape.tickets):
            f = self.ticket(i)
            t = f["t"]
            for g in f["tags"]:
                yield {
                    "id": f"ttg_{i + 1:07d}_{g + 1:02d}",
                    "tenantId": self.tid(t),
                    "ticketId": f"tkt_{i + 1:07d}",
                    "tagId": f"tag_{t + 1}_{g + 1:02d}",
                    "createdAt": iso(f["created"] + datetime.timedelta(minutes=5)),
                    "createdBy": self.uid(t, f["assignee"] or 2),
                }

    def attachments(self) -> Iterator[dict[str, Any]]:
        for i in range(self.shape.tickets):
            f = self.ticket(i)
            if not f["attachment"]:
                continue
            t = f["t"]
            name, content_type = FILES[i % len(FILES)]
            record: dict[str, Any] = {
                "id": f"att_{i + 1:07d}",
                "tenantId": self.tid(t),
                "ticketId": f"tkt_{i + 1:07d}",
                "fileName": f"files/{name}",
                "originalFilename": name,
                "contentType": content_type,
                "createdAt": iso(f["created"] + datetime.timedelta(minutes=1)),
            }
            if f["comments"]:
                record["commentId"] = f"cmt_{i + 1:07d}_1"
                record["uploadedBy"] = self.uid(t, f["assignee"] or 2)
            yield record

    def audit_logs(self) -> Iterator[dict[str, Any]]:
        for i in range(0, self.shape.tickets, 5):
            f = self.ticket(i)
            if f["assignee"] is None:
                continue
            t = f["t"]
            rng = self.rng("audit", i)
            yield {
                "id": f"aud_{i + 1:07d}",
                "tenantId": self.tid(t),
                "actorId": self.uid(t, f["assignee"]),
                "action": "ticket.updated",
                "entityType": "ticket",
                "entityId": f"tkt_{i + 1:07d}",
                "changes": {"status": {"before": "new", "after": f["status"]}},
                "ip": f"10.{t}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                "createdAt": iso(f["created"] + datetime.timedelta(minutes=30)),
            }


def write_array(path: Path, records: Iterator[dict[str, Any]]) -> int:
    """One record per line inside a JSON array, written as generated."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for record in records:
            handle.write(",\n" if count else "\n")
            handle.write(json.dumps(record, ensure_ascii=False))
            count += 1
        handle.write("\n]\n")
    return count


def png(width: int, height: int, rng: random.Random) -> bytes:
    """A small valid RGB PNG (a soft gradient with a little noise)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    base = [rng.randrange(256) for _ in range(3)]
    rows = b"".join(
        b"\x00"
        + bytes((base[c] + x * 3 + y * 2 + rng.randrange(8)) % 256 for x in range(width) for c in range(3))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf(lines: list[str]) -> bytes:
    """A one-page valid PDF showing ``lines`` (with a correct cross-reference table)."""
    text = " T* ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj" for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 50 780 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
