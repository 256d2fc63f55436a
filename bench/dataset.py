"""A desk at any size, filled with set-based SQL (``generate_series``) for the latency benchmarks.

Three tenants with a realistic skew (one big tenant holds 80% of the tickets), reference data of a
real desk (agents, groups, categories, ~200 tags with one popular and one rare, companies,
contacts) and tickets with comment threads and tags. ``grow`` only ever adds tickets, so one
database is measured at 10k, then 100k, then 1M. Filling is not what is measured: triggers and
foreign-key checks are skipped while filling (``session_replication_role = replica``) because the
rows are built consistent; CHECK constraints and every index still apply. The live ticket counts
the triggers would have kept are taken afterwards (``manage.py recount_tickets``, in the bench).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.pg import Database

# (slug, share of the tickets, agents, contacts)
TENANTS = (("big", 0.80, 40, 10_000), ("medium", 0.15, 15, 2_000), ("small", 0.05, 6, 500))
POPULAR_TAG = "billing"  # on ~30% of tickets
RARE_TAG = "legal-hold"  # on 1 ticket in 5,000
RARE_WORD = "kerberos"  # a full-text term in ~0.1% of tickets
COMMON_WORD = "printer"  # a full-text term in ~10% of tickets
# A word of the comment vocabulary: in ~20% of the tickets' text and of the comments.
COMMENT_WORD = "payroll"

WORDS = tuple(
    """
account access invoice payment refund order shipment delivery password login email server network
laptop screen keyboard update install error crash slow timeout report export import calendar meeting
license subscription upgrade downgrade contract quote billing address phone mobile app browser cache
cookie session token sync backup restore database disk storage firewall vpn wifi router cable
monitor dock headset camera microphone audio video call chat ticket request issue problem question
customer manager team office building floor desk chair badge parking schedule shift payroll expense
travel booking hotel flight train receipt tax form document file folder share permission role group
policy security alert warning notification message inbox spam phishing virus malware scan patch
version release bug feature regression outage incident maintenance window migration cloud tenant
domain certificate expiry renewal dns proxy gateway api integration webhook script job
""".split()  # noqa: SIM905 - a paragraph of words reads better than a list
)
SUBJECTS = (
    "Cannot log in to the portal",
    "Invoice shows the wrong amount",
    "Refund not received",
    "VPN disconnects every hour",
    "Laptop will not start",
    "Email stuck in outbox",
    "Request for a new license",
    "Password reset link expired",
    "Order arrived damaged",
    "Calendar invites not syncing",
    "Export to CSV fails",
    "Slow dashboard after update",
    "Badge does not open the door",
    "Wifi drops in the meeting room",
    "Need access to shared folder",
    "Payroll question about overtime",
    "Certificate expiry warning",
    "Phishing email reported",
    "Monitor flickers on the dock",
    "Subscription renewal failed",
)


@dataclass
class Scale:
    tickets: int
    seconds: float


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


_SETUP = """
SET session_replication_role = replica;
CREATE FUNCTION pg_temp.u7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT (lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') || '7'
          || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid $$;
CREATE FUNCTION pg_temp.words(n int) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT string_agg((%(words)s)[1 + floor(random() * %(nwords)s)::int], ' ') FROM generate_series(1, n) $$;
"""

_SEED = """
INSERT INTO accounts_tenant (id, name, slug, created_at, last_ticket_number)
  VALUES (pg_temp.u7(now()), initcap(%(slug)s) || ' Corp', %(slug)s, now(), 0);
CREATE TEMP TABLE t AS SELECT id FROM accounts_tenant WHERE slug = %(slug)s;
INSERT INTO accounts_department (id, tenant_id, name, description, created_at, updated_at, is_deleted)
  SELECT pg_temp.u7(now()), t.id, 'Department ' || g, '', now(), now(), false
  FROM t, generate_series(1, 5) g;
INSERT INTO accounts_user (id, tenant_id, name, email, role, status, password, profile_image_url,
                           is_staff, is_superuser, created_at, updated_at, is_deleted)
  SELECT pg_temp.u7(now()), t.id, 'Agent ' || g, 'agent' || g || '@' || %(slug)s || '.bench',
         CASE WHEN g <= 2 THEN 'admin' WHEN g <= 6 THEN 'manager' ELSE 'agent' END, 'active', '!', '',
         false, false, now(), now(), false
  FROM t, generate_series(1, %(agents)s) g;
INSERT INTO accounts_group (id, tenant_id, name, description, created_at, updated_at, is_deleted)
  SELECT pg_temp.u7(now()), t.id, 'Team ' || g, '', now(), now(), false FROM t, generate_series(1, 8) g;
INSERT INTO accounts_groupmembership (id, tenant_id, group_id, user_id, created_at)
  SELECT pg_temp.u7(now()), t.id, grp.id, u.id, now()
  FROM t JOIN accounts_group grp ON grp.tenant_id = t.id JOIN accounts_user u ON u.tenant_id = t.id
  WHERE abs(hashtext(grp.id::text || u.id::text)) %% 3 = 0;
INSERT INTO catalog_category (id, tenant_id, name, description, created_at, updated_at, is_deleted)
  SELECT pg_temp.u7(now()), t.id, 'Category ' || g, '', now(), now(), false FROM t, generate_series(1, 10) g;
INSERT INTO catalog_subcategory (id, tenant_id, category_id, name, description, created_at, updated_at,
                                 is_deleted)
  SELECT pg_temp.u7(now()), t.id, c.id, c.name || '.' || g, '', now(), now(), false
  FROM t JOIN catalog_category c ON c.tenant_id = t.id, generate_series(1, 3) g;
INSERT INTO catalog_tag (id, tenant_id, name, color, created_at, updated_at, is_deleted)
  SELECT pg_temp.u7(now()), t.id,
         CASE g WHEN 1 THEN %(popular)s WHEN 2 THEN %(rare)s ELSE 'tag-' || g END, '', now(), now(), false
  FROM t, generate_series(1, 200) g;
INSERT INTO companies_parentcompany (id, tenant_id, name, domain, notes, created_at, updated_at, is_deleted)
  SELECT pg_temp.u7(now()), t.id, 'Holding ' || g, 'holding' || g || '.example', '', now(), now(), false
  FROM t, generate_series(1, 20) g;
INSERT INTO companies_company (id, tenant_id, parent_id, name, domain, phone, notes, created_at, updated_at,
                               is_deleted)
  SELECT pg_temp.u7(now()), t.id,
         (SELECT p.id FROM companies_parentcompany p WHERE p.tenant_id = t.id
           ORDER BY p.name OFFSET g %% 20 LIMIT 1),
         'Company ' || g, 'company' || g || '.example', '', '', now(), now(), false
  FROM t, generate_series(1, 300) g;
CREATE TEMP TABLE co AS SELECT row_number() OVER (ORDER BY c.id) AS n, c.id
  FROM companies_company c JOIN t ON c.tenant_id = t.id;
INSERT INTO companies_contact (id, tenant_id, company_id, name, email, phone, title, created_at, updated_at,
                               is_deleted)
  SELECT pg_temp.u7(now()), t.id, co.id, 'Contact ' || g, 'contact' || g || '@customer.example', '', '',
         now(), now(), false
  FROM t, generate_series(1, %(contacts)s) g JOIN co ON co.n = 1 + g %% 300;
DROP TABLE t, co;
"""

_GROW = """
CREATE TEMP TABLE ref AS SELECT
  t.id AS tenant_id, t.last_ticket_number AS last,
  (SELECT array_agg(id ORDER BY email) FROM accounts_user WHERE tenant_id = t.id) AS users,
  (SELECT array_agg(id ORDER BY name) FROM accounts_group WHERE tenant_id = t.id) AS groups,
  (SELECT array_agg(id ORDER BY name) FROM accounts_department WHERE tenant_id = t.id) AS departments,
  (SELECT array_agg(id ORDER BY name) FROM catalog_subcategory WHERE tenant_id = t.id) AS subcats,
  (SELECT array_agg(category_id ORDER BY name) FROM catalog_subcategory WHERE tenant_id = t.id)
    AS subcat_cats,
  (SELECT array_agg(id ORDER BY id) FROM companies_contact WHERE tenant_id = t.id) AS contacts,
  (SELECT array_agg(company_id ORDER BY id) FROM companies_contact WHERE tenant_id = t.id) AS contact_cos
  FROM accounts_tenant t WHERE t.slug = %(slug)s;
CREATE TEMP TABLE src AS SELECT
  g AS number, random() AS rs, random() AS rp, random() AS ra, random() AS rt,
  1 + floor(random() * cardinality(ref.contacts))::int AS ci,
  1 + floor(random() * cardinality(ref.subcats))::int AS si,
  timestamptz '2022-01-01' + g * %(spacing)s * interval '1 second' AS created_at
  FROM ref, generate_series(ref.last + 1, ref.last + %(count)s) g;
INSERT INTO tickets_ticket (id, tenant_id, number, subject, description, status, priority, channel,
    requester_id, company_id, assignee_id, group_id, category_id, subcategory_id, department_id,
    due_at, first_response_at, resolved_at, closed_at, created_at, updated_at, is_deleted)
SELECT pg_temp.u7(s.created_at), ref.tenant_id, s.number,
  (%(subjects)s)[1 + s.number %% %(nsubjects)s] || ' (' || pg_temp.words(2) || ')',
  pg_temp.words(18 + s.number %% 15)
    || CASE WHEN s.number %% 10 = 0 THEN ' %(common)s' ELSE '' END
    || CASE WHEN s.number %% 1000 = 7 THEN ' %(rare_word)s' ELSE '' END,
  st.status,
  CASE WHEN s.rp < 0.3 THEN 'low' WHEN s.rp < 0.7 THEN 'medium' WHEN s.rp < 0.9 THEN 'high' ELSE 'urgent' END,
  (ARRAY['email','phone','web','chat'])[1 + s.number %% 4],
  ref.contacts[s.ci], ref.contact_cos[s.ci],
  CASE WHEN s.ra < 0.15 THEN NULL
       ELSE ref.users[1 + floor((s.ra - 0.15) / 0.85 * cardinality(ref.users))::int] END,
  ref.groups[1 + s.number %% cardinality(ref.groups)],
  ref.subcat_cats[s.si], ref.subcats[s.si],
  ref.departments[1 + s.number %% cardinality(ref.departments)],
  s.created_at + interval '3 days', s.created_at + interval '2 hours',
  CASE WHEN st.status IN ('resolved', 'closed') THEN s.created_at + interval '1 day' END,
  CASE WHEN st.status = 'closed' THEN s.created_at + interval '2 days' END,
  s.created_at, s.created_at + interval '1 day', false
FROM src s CROSS JOIN ref
CROSS JOIN LATERAL (SELECT CASE WHEN s.rs < 0.10 THEN 'new' WHEN s.rs < 0.30 THEN 'open'
  WHEN s.rs < 0.40 THEN 'pending' WHEN s.rs < 0.45 THEN 'on_hold' WHEN s.rs < 0.70 THEN 'resolved'
  ELSE 'closed' END AS status) st;
CREATE TEMP TABLE new_tickets AS SELECT tk.id, tk.number, tk.created_at, tk.requester_id, tk.assignee_id
  FROM tickets_ticket tk JOIN ref ON tk.tenant_id = ref.tenant_id WHERE tk.number > ref.last;
INSERT INTO tickets_ticketcomment (id, tenant_id, ticket_id, body, is_internal, author_user_id,
    author_contact_id, created_at, updated_at, is_deleted)
SELECT pg_temp.u7(nt.created_at + c * interval '1 hour'), ref.tenant_id, nt.id, pg_temp.words(12 + c * 3),
  c %% 3 = 2,
  CASE WHEN c %% 2 = 0 THEN coalesce(nt.assignee_id, ref.users[1]) END,
  CASE WHEN c %% 2 = 1 THEN nt.requester_id END,
  nt.created_at + c * interval '1 hour', nt.created_at + c * interval '1 hour', false
FROM new_tickets nt CROSS JOIN ref CROSS JOIN LATERAL generate_series(1, nt.number %% 5) c;
INSERT INTO tickets_tickettag (id, tenant_id, ticket_id, tag_id, created_at)
SELECT pg_temp.u7(nt.created_at), ref.tenant_id, nt.id, tg.id, nt.created_at
FROM new_tickets nt CROSS JOIN ref JOIN src s ON s.number = nt.number
JOIN catalog_tag tg ON tg.tenant_id = ref.tenant_id AND tg.name = CASE
  WHEN nt.number %% 5000 = 0 THEN %(rare)s WHEN s.rt < 0.3 THEN %(popular)s
  ELSE 'tag-' || (3 + nt.number %% 198) END;
INSERT INTO tickets_tickettag (id, tenant_id, ticket_id, tag_id, created_at)
SELECT pg_temp.u7(nt.created_at), ref.tenant_id, nt.id, tg.id, nt.created_at
FROM new_tickets nt CROSS JOIN ref
JOIN catalog_tag tg
  ON tg.tenant_id = ref.tenant_id AND tg.name = 'tag-' || (3 + (nt.number * 7) %% 198)
WHERE nt.number %% 3 = 0 AND (nt.number * 7) %% 198 <> nt.number %% 198;
UPDATE accounts_tenant SET last_ticket_number = ref.last + %(count)s
  FROM ref WHERE accounts_tenant.id = ref.tenant_id;
DROP TABLE ref, src, new_tickets;
"""


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql(template: str, **values: object) -> str:
    """The template with SQL fragments filled in (every value is ours: constants and integers)."""
    fragments: dict[str, object] = {
        "words": _sql_list(WORDS),
        "nwords": len(WORDS),
        "popular": _q(POPULAR_TAG),
        "rare": _q(RARE_TAG),
        "common": COMMON_WORD,
        "rare_word": RARE_WORD,
        "subjects": _sql_list(SUBJECTS),
        "nsubjects": len(SUBJECTS),
    }
    fragments.update({k: _q(v) if isinstance(v, str) else v for k, v in values.items()})
    return template % fragments


def seed(db: Database) -> None:
    """The three tenants and their reference data (no tickets yet)."""
    with db.connect() as conn:
        conn.execute(_sql(_SETUP).encode())
        for slug, _share, agents, contacts in TENANTS:
            conn.execute(_sql(_SEED, slug=slug, agents=agents, contacts=contacts).encode())


def filters_matching_nothing(db: Database, tenant_id: object) -> dict[str, str] | None:
    """Open tickets of the tenant's biggest group in a channel that group's tickets never come in by.

    A team's tickets arrive by one channel (the fill's group and channel follow the ticket number),
    as a phone team's by phone: three filters that match nothing, which PostgreSQL, taking the
    columns as independent, expects thousands of tickets for. None when every pair occurs.
    """
    with db.connect() as conn:
        row = conn.execute(
            "WITH g AS (SELECT group_id FROM tickets_ticket WHERE tenant_id = %s AND group_id IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) "
            "SELECT g.group_id, c FROM g, unnest(ARRAY['email', 'phone', 'web', 'chat']) c "
            "WHERE NOT EXISTS (SELECT FROM tickets_ticket t WHERE t.tenant_id = %s "
            "AND t.group_id = g.group_id AND t.channel = c) ORDER BY c LIMIT 1",
            (tenant_id, tenant_id),
        ).fetchone()
    return {"group": str(row[0]), "status": "open", "channel": row[1]} if row else None


def tag_and_group_never_together(db: Database, tenant_id: object) -> dict[str, str] | None:
    """A tag of the tenant's that none of one group's tickets carry (the fill's tags and groups
    both follow the ticket number), though PostgreSQL, taking them as independent, expects
    hundreds of tickets. Looked for among a few tags; None when every pair there occurs."""
    with db.connect() as conn:
        tags = conn.execute(
            "SELECT id, name FROM catalog_tag WHERE tenant_id = %s AND name LIKE 'tag-%%' "
            "ORDER BY name LIMIT 4",
            (tenant_id,),
        ).fetchall()
        groups = conn.execute(
            "SELECT id FROM accounts_group WHERE tenant_id = %s ORDER BY name", (tenant_id,)
        ).fetchall()
        for tag_id, name in tags:
            for (group_id,) in groups:
                met = conn.execute(
                    "SELECT EXISTS (SELECT FROM tickets_tickettag tt JOIN tickets_ticket t "
                    "ON t.id = tt.ticket_id WHERE tt.tag_id = %s AND t.group_id = %s)",
                    (tag_id, group_id),
                ).fetchone()
                if met and not met[0]:
                    return {"tag": name, "group": str(group_id)}
    return None


def ticket_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM tickets_ticket") or 0)  # type: ignore[call-overload]


FILLED_TABLES = ("tickets_ticket", "tickets_ticketcomment", "tickets_tickettag")
# Below this many new tickets, indexes are kept during the fill (rebuilding them costs more).
REBUILD_ABOVE = 50_000

_SECONDARY_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY(%s::regclass[])
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def grow(db: Database, total: int) -> None:
    """Add tickets (with threads and tags) until the desk holds ``total``, split by tenant share.

    A big step drops the secondary indexes of the filled tables and builds them again after (as
    a restore does): 2-3x faster than maintaining a GIN index row by row.
    """
    with db.connect() as conn:
        conn.execute(_sql(_SETUP).encode())
        rebuild = total - ticket_count(db) > REBUILD_ABOVE
        indexes = conn.execute(_SECONDARY_INDEXES, (list(FILLED_TABLES),)).fetchall() if rebuild else []
        for name, _definition in indexes:
            conn.execute(f"DROP INDEX {name}".encode())
        for slug, share, _agents, _contacts in TENANTS:
            have = int(
                conn.execute(
                    "SELECT count(*) FROM tickets_ticket tk JOIN accounts_tenant t ON t.id = tk.tenant_id "
                    "WHERE t.slug = %s",
                    (slug,),
                ).fetchone()[0]  # type: ignore[index]
            )
            want = round(total * share)
            if want <= have:
                continue
            conn.execute(_sql(_GROW, slug=slug, count=want - have, spacing=round(90 / share)).encode())
        if indexes:
            conn.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            conn.execute(definition.encode())
