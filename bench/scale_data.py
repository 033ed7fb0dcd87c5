"""Synthetic memberships at scale, on PostgreSQL, with `generate_series` (no Python loop per row).

`grow_to(connection, n)` brings the database to `n` memberships: one association ("the big
one") holds half of them, the rest are spread over small associations of 20; each membership
has its own account, profile and heritage country; statuses are mixed as in life (mostly
active, some applied, lapsed, suspended, left). Every constraint holds: the rows are what the
app itself would have written. The counter triggers are switched off for the bulk insert and
the counters recomputed once at the end, as an operator's bulk load would; then VACUUM ANALYZE
(autovacuum is off on these machines: without it the planner sees no statistics).

Run it again with a larger `n` to grow the same database: 10k, then 100k, then 1M.

`grow_licences(connection)` then gives the new members licences, CPD activities and their
choices about sharing their licences, and rebuilds the shared licences and their counts."""

import sqlalchemy as sa

BIG_SLUG = "bench-big"
SMALL_SIZE = 20
GIVEN = ["Ama", "Kofi", "Abena", "Kwame", "Efua", "Yaw", "Akosua", "Kojo", "Ngozi", "Chinedu", "Amina", "Tunde",
         "Wanjiru", "Otieno", "Tendai", "Rudo", "Fatmata", "Mariama", "Ifeoma", "Emeka"]
FAMILY = ["Mensah", "Owusu", "Boateng", "Asante", "Okafor", "Adeyemi", "Bello", "Eze", "Mwangi", "Otieno",
          "Moyo", "Ncube", "Kamara", "Sesay", "Appiah", "Darko", "Ofori", "Addo", "Nwosu", "Balogun", "Kariuki",
          "Chikwanha", "Dube", "Bangura", "Turay", "Koroma", "Achieng", "Njoroge", "Okonkwo", "Ibrahim",
          "Mohammed", "Danso", "Agyeman", "Quaye", "Tetteh", "Lamptey", "Annan"]
CADRES = ["doctor", "nurse", "midwife", "pharmacist", "dentist", "allied_health", "laboratory_scientist",
          "public_health", "other"]
SPECIALTIES = ["Critical care", "Paediatrics", "Obstetrics", "Anaesthesia", "Emergency medicine", "Cardiology",
               "Mental health", "Theatre nursing", "Community midwifery", "Microbiology", "Epidemiology"]
HERITAGE = ["GH", "NG", "KE", "ZW", "SL"]
TRIGGERS = [("memberships", "count_memberships_changed"), ("memberships", "count_memberships_moved"),
            ("users", "count_users_changed"),
            # the shared licences' (grow_licences rebuilds them after its own load)
            ("memberships", "share_licences_membership_added"), ("memberships", "share_licences_membership_moved"),
            ("memberships", "share_licences_membership_removed")]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]"


def memberships_count(connection) -> int:
    return connection.execute(sa.text("SELECT count(*) FROM memberships")).scalar()


def ensure_big_association(connection, officer_password_hash: str) -> dict:
    """The big association, its membership type and its officer (who logs in for the benchmark)."""
    found = connection.execute(sa.text("SELECT id FROM associations WHERE slug = :slug"), {"slug": BIG_SLUG}).scalar()
    if found is None:
        found = connection.execute(sa.text(
            "INSERT INTO associations (name, slug, host_country, description, status, created_at, version) "
            "VALUES ('Bench Big Association', :slug, 'GB', 'The big one.', 'approved', now(), 1) RETURNING id"),
            {"slug": BIG_SLUG}).scalar()
        connection.execute(sa.text(
            "INSERT INTO membership_types (association_id, name, period_months, requires_approval, active, "
            "created_at) VALUES (:a, 'Full member', 12, true, true, now())"), {"a": found})
        officer = connection.execute(sa.text(
            "INSERT INTO users (email, name, password_hash, email_verified_at, active, locale, is_admin, "
            "session_token, created_at) VALUES ('officer@bench.example', 'Bench Officer', :hash, now(), true, "
            "'en', true, md5(random()::text), now()) RETURNING id"), {"hash": officer_password_hash}).scalar()
        connection.execute(sa.text(
            "INSERT INTO memberships (user_id, association_id, role, status, joined_on, sort_name, created_at, "
            "version) VALUES (:u, :a, 'officer', 'active', current_date, 'bench officer', now(), 1)"),
            {"u": officer, "a": found})
    return {"association_id": found}


def grow_to(connection, target: int, officer_password_hash: str) -> int:
    """Add memberships (with their people) until there are `target`; returns how many were added."""
    big = ensure_big_association(connection, officer_password_hash)["association_id"]
    have = memberships_count(connection)
    wanted = target - have
    if wanted <= 0:
        return 0
    start = connection.execute(sa.text("SELECT coalesce(max(id), 0) + 1 FROM users")).scalar()
    end = start + wanted - 1
    small_needed = (wanted // 2) // SMALL_SIZE + 1
    first_small = connection.execute(sa.text(
        "SELECT coalesce(max(id), 0) + 1 FROM associations")).scalar()
    connection.execute(sa.text(
        "INSERT INTO associations (name, slug, host_country, description, status, created_at, version) "
        "SELECT 'Bench Association ' || g, 'bench-' || g, 'IE', '', 'approved', now(), 1 "
        "FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) g"),
        {"first": first_small, "last": first_small + small_needed - 1})
    small_ids = [row[0] for row in connection.execute(sa.text(
        "SELECT id FROM associations WHERE slug LIKE 'bench-%' AND slug <> :big ORDER BY id DESC LIMIT :n"),
        {"big": BIG_SLUG, "n": small_needed})]
    low, high = min(small_ids), max(small_ids)
    for table, trigger in TRIGGERS:
        connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
    connection.execute(sa.text(f"""
        INSERT INTO users (id, email, name, password_hash, email_verified_at, active, locale, is_admin,
                           session_token, created_at)
        SELECT g, 'member' || g || '@bench.example',
               ({_array(GIVEN)})[1 + g % {len(GIVEN)}] || ' ' || ({_array(FAMILY)})[1 + (g / 7) % {len(FAMILY)}]
                 || ' ' || g,
               '!unusable:bench', now(), true, 'en', false, md5(g::text), now()
        FROM generate_series(CAST(:start AS integer), CAST(:end AS integer)) g"""), {"start": start, "end": end})
    connection.execute(sa.text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
    connection.execute(sa.text(f"""
        INSERT INTO profiles (user_id, cadre, specialty, host_country, host_city, return_interest,
                              directory_consent, updated_at, version)
        SELECT g, ({_array(CADRES)})[1 + g % {len(CADRES)}], ({_array(SPECIALTIES)})[1 + g % {len(SPECIALTIES)}],
               'GB', 'London', 'none', g % 10 < 7, now(), 1
        FROM generate_series(CAST(:start AS integer), CAST(:end AS integer)) g"""), {"start": start, "end": end})
    connection.execute(sa.text(f"""
        INSERT INTO profile_heritage_countries (user_id, country)
        SELECT g, ({_array(HERITAGE)})[1 + g % {len(HERITAGE)}]
        FROM generate_series(CAST(:start AS integer), CAST(:end AS integer)) g"""),
        {"start": start, "end": end})
    connection.execute(sa.text("""
        INSERT INTO memberships (user_id, association_id, membership_type_id, role, status, joined_on, renews_on,
                                 sort_name, search_text, created_at, version)
        SELECT u.id,
               CASE WHEN u.id % 2 = 0 THEN :big ELSE :low + (u.id / 2) % (:high - :low + 1) END,
               NULL, 'member',
               CASE WHEN u.id % 50 = 0 THEN 'applied' WHEN u.id % 17 = 0 THEN 'lapsed'
                    WHEN u.id % 101 = 0 THEN 'suspended' WHEN u.id % 23 = 0 THEN 'left' ELSE 'active' END,
               CASE WHEN u.id % 50 = 0 THEN NULL ELSE current_date - (u.id % 700) END,
               NULL, lower(u.name), lower(u.name || ' ' || coalesce(p.specialty, '')),
               now() - make_interval(mins => u.id % 100000), 1
        FROM users u LEFT JOIN profiles p ON p.user_id = u.id WHERE u.id BETWEEN :start AND :end"""),
        {"big": big, "low": low, "high": high, "start": start, "end": end})
    # The directory's search words (associations/roster/words.py), as the app keeps them.
    connection.execute(sa.text("""
        INSERT INTO membership_words (word, association_id, sort_name, membership_id)
        SELECT DISTINCT word, m.association_id, m.sort_name, m.id
        FROM memberships m, unnest(string_to_array(m.search_text, ' ')) AS word
        WHERE m.user_id BETWEEN :start AND :end AND word <> ''"""), {"start": start, "end": end})
    connection.execute(sa.text("""
        INSERT INTO search_words (word)
        SELECT DISTINCT word FROM memberships m, unnest(string_to_array(m.search_text, ' ')) AS word
        WHERE m.user_id BETWEEN :start AND :end AND word <> '' ON CONFLICT DO NOTHING"""),
        {"start": start, "end": end})
    for table, trigger in TRIGGERS:
        connection.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
    connection.execute(sa.text("DELETE FROM association_counts"))
    connection.execute(sa.text(
        "INSERT INTO association_counts (association_id, status, count) "
        "SELECT association_id, status, count(*) FROM memberships GROUP BY association_id, status"))
    connection.execute(sa.text("DELETE FROM platform_counts WHERE name = 'users'"))
    connection.execute(sa.text("INSERT INTO platform_counts (name, count) SELECT 'users', count(*) FROM users"))
    return wanted


def analyse(engine) -> None:
    """VACUUM ANALYZE: statistics and visibility maps, as autovacuum would have made them."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))


# ---------------------------------------------------------------------------- contributions

PORTFOLIO_EMAIL = "portfolio@bench.example"
PORTFOLIO_SIZE = 10
KINDS = ["mission", "training", "mentoring", "tele_education", "teleconsultation", "supplies_donation",
         "policy_advice", "research", "other"]
MODES = ["in_person", "remote", "hybrid"]
TRAINING = ("training", "mentoring", "tele_education")
CARE = ("mission", "teleconsultation")
# Where contributions happened: each heritage country, four of its ISO 3166-2 regions, or none.
REGIONS = {"GH": ["GH-AA", "GH-AH", "GH-NP", "GH-CP"], "NG": ["NG-LA", "NG-KN", "NG-EN", "NG-OY"],
           "KE": ["KE-30", "KE-28", "KE-14", "KE-01"], "ZW": ["ZW-HA", "ZW-BU", "ZW-MA", "ZW-MI"],
           "SL": ["SL-W", "SL-E", "SL-N", "SL-S"]}
PLACES = [(country, region) for country, regions in REGIONS.items() for region in [*regions, None]]
# The statuses, one in 20 each: most are verified, as on a platform in use.
STATUS_OF = """CASE WHEN g % 20 = 0 THEN 'draft' WHEN g % 20 IN (1, 2) THEN 'submitted'
                    WHEN g % 20 = 3 THEN 'returned' WHEN g % 20 = 4 THEN 'withdrawn' ELSE 'verified' END"""


def _nullable_array(values: list[str | None]) -> str:
    return "ARRAY[" + ", ".join("NULL" if value is None else f"'{value}'" for value in values) + "]::text[]"


def contributions_count(connection) -> int:
    return connection.execute(sa.text("SELECT count(*) FROM contributions")).scalar()


def _contributions_select(source: str) -> str:
    """The columns of a contribution numbered g (an integer column of `source`), for the author
    in `source` (user_id, association_id), as the app's own rules would have written it: a known
    kind, a region of its country, first day in the past and last day on or after it and not in
    the future, participatory hours within the hours, a currency with a value of supplies, the
    association set once sent, a public token on each verified one."""
    kinds, countries = _array(KINDS), _nullable_array([c for c, _ in PLACES])
    regions, modes = _nullable_array([r for _, r in PLACES]), _array(MODES)
    kind = f"({kinds})[1 + (g / 20) % {len(KINDS)}]"
    training = ", ".join(f"'{k}'" for k in TRAINING)
    care = ", ".join(f"'{k}'" for k in CARE)
    return f"""
        SELECT s.user_id, CASE WHEN s.status = 'draft' THEN NULL ELSE s.association_id END, s.kind,
               'Contribution ' || s.g, NULL, s.country, s.region, NULL, s.starts_on,
               s.starts_on + (s.g % 3), s.hours, CASE WHEN s.g % 4 = 0 THEN s.hours / 2 END,
               ({modes})[1 + s.g % {len(MODES)}],
               CASE WHEN s.kind IN ({training}) THEN s.g % 40 END,
               CASE WHEN s.kind IN ({care}) THEN s.g % 300 END,
               CASE WHEN s.kind = 'supplies_donation' THEN 100 * (s.g % 50) END,
               CASE WHEN s.kind = 'supplies_donation' THEN 'GBP' END,
               CASE WHEN s.g % 2 = 0 THEN s.hours END, NULL, s.status,
               CASE WHEN s.status = 'returned' THEN 'Please add the dates of each session.' END,
               CASE WHEN s.status = 'draft' THEN NULL ELSE s.sent END,
               CASE WHEN s.status = 'verified' THEN s.sent + interval '1 hour' END,
               CASE WHEN s.status = 'verified' THEN s.verifier END,
               CASE WHEN s.status = 'verified' THEN md5(s.g || 'a') || substr(md5(s.g || 'b'), 1, 11) END,
               NULL, NULL, s.sent - interval '1 day', s.sent, 1
        FROM (SELECT src.*, {STATUS_OF} AS status, {kind} AS kind,
                     ({countries})[1 + (g / 3) % {len(PLACES)}] AS country,
                     ({regions})[1 + (g / 3) % {len(PLACES)}] AS region,
                     current_date - 3 - (g % 1500) * 37 % 1500 AS starts_on, 0.5 * (1 + g % 16) AS hours,
                     now() - make_interval(hours => 2 + g % 20000) AS sent
              FROM {source} src) s"""


CONTRIBUTION_COLUMNS = """user_id, association_id, kind, title, description, country, region, partner, starts_on,
    ends_on, hours, participatory_hours, mode, people_trained, patients_reached, supplies_value, currency,
    cpd_points, reflection, status, return_reason, submitted_at, verified_at, verified_by_id, public_token,
    public_revoked_at, shared_fields, created_at, updated_at, version"""


def ensure_portfolio_member(connection, password_hash: str) -> int:
    """A member of the big association with PORTFOLIO_SIZE contributions of their own (the
    portfolio page's benchmark logs in as them)."""
    found = connection.execute(sa.text("SELECT id FROM users WHERE email = :e"), {"e": PORTFOLIO_EMAIL}).scalar()
    if found is not None:
        return found
    big = connection.execute(sa.text("SELECT id FROM associations WHERE slug = :s"), {"s": BIG_SLUG}).scalar()
    verifier = connection.execute(sa.text("SELECT id FROM users WHERE email = 'officer@bench.example'")).scalar()
    found = connection.execute(sa.text(
        "INSERT INTO users (email, name, password_hash, email_verified_at, active, locale, is_admin, session_token, "
        "created_at) VALUES (:e, 'Bench Portfolio', :hash, now(), true, 'en', false, md5(random()::text), now()) "
        "RETURNING id"), {"e": PORTFOLIO_EMAIL, "hash": password_hash}).scalar()
    connection.execute(sa.text(
        "INSERT INTO memberships (user_id, association_id, role, status, joined_on, sort_name, created_at, version) "
        "VALUES (:u, :a, 'member', 'active', current_date, 'bench portfolio', now(), 1)"), {"u": found, "a": big})
    # Numbered from 1,000,000,000 up (so their tokens never meet the bulk load's), every status.
    connection.execute(sa.text(
        f"INSERT INTO contributions ({CONTRIBUTION_COLUMNS}) " + _contributions_select(
            f"(SELECT g, CAST(:u AS integer) AS user_id, CAST(:a AS integer) AS association_id, "
            f"CAST(:v AS integer) AS verifier FROM generate_series(1000000000, {999999999 + PORTFOLIO_SIZE}) g)")),
        {"u": found, "a": big, "v": verifier})
    return found


def grow_contributions_to(connection, target: int, password_hash: str) -> int:
    """Add contributions until there are `target`, spread over the active members (each sent to
    the association of their membership), then rebuild `contribution_rollups` from them with one
    INSERT ... SELECT ... GROUP BY (the app keeps it in step one change at a time; a bulk load
    recomputes it, as the membership counters are). Returns how many were added."""
    ensure_portfolio_member(connection, password_hash)
    have = contributions_count(connection)
    wanted = target - have
    if wanted > 0:
        verifier = connection.execute(sa.text("SELECT id FROM users WHERE email = 'officer@bench.example'")).scalar()
        connection.execute(sa.text("DROP TABLE IF EXISTS bench_authors"))
        connection.execute(sa.text(
            "CREATE TEMP TABLE bench_authors AS SELECT row_number() OVER (ORDER BY id) AS n, user_id, association_id "
            "FROM memberships WHERE status = 'active' AND role = 'member' AND sort_name <> 'bench portfolio'"))
        authors = connection.execute(sa.text("SELECT count(*) FROM bench_authors")).scalar()
        connection.execute(sa.text("CREATE UNIQUE INDEX ON bench_authors (n)"))
        connection.execute(sa.text("ANALYZE bench_authors"))
        connection.execute(sa.text(
            f"INSERT INTO contributions ({CONTRIBUTION_COLUMNS}) " + _contributions_select(
                "(SELECT g, a.user_id, a.association_id, CAST(:v AS integer) AS verifier "
                "FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) g "
                "JOIN bench_authors a ON a.n = 1 + g % CAST(:authors AS integer))")),
            {"v": verifier, "first": have + 1, "last": target, "authors": authors})
        connection.execute(sa.text("DROP TABLE bench_authors"))
    fill_rollups(connection)
    return max(wanted, 0)


def fill_rollups(connection) -> None:
    """contribution_rollups from the verified contributions, and country_contribution_rollups from
    them, as contributions/impact/rollups.py keeps both."""
    connection.execute(sa.text("DELETE FROM contribution_rollups"))
    connection.execute(sa.text("""
        INSERT INTO contribution_rollups (association_id, country, region, kind, month, contributions, hours,
                                          people_trained, patients_reached)
        SELECT association_id, coalesce(country, ''), coalesce(region, ''), kind,
               CAST(date_trunc('month', coalesce(starts_on, CAST(verified_at AS date))) AS date), count(*),
               coalesce(sum(hours), 0), coalesce(sum(people_trained), 0), coalesce(sum(patients_reached), 0)
        FROM contributions WHERE status = 'verified' AND association_id IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5"""))
    connection.execute(sa.text("DELETE FROM country_contribution_rollups"))
    connection.execute(sa.text("""
        INSERT INTO country_contribution_rollups (country, month, kind, region, contributions, hours, people_trained,
                                                  patients_reached)
        SELECT country, month, kind, region, sum(contributions), sum(hours), sum(people_trained),
               sum(patients_reached)
        FROM contribution_rollups GROUP BY country, month, kind, region"""))


# ---------------------------------------------------------------------------- licences

# Two regulators in each heritage country, in the order of HERITAGE (as in licensure/data/
# regulators.csv; kept as they are if the reference data is loaded).
REGULATORS = [("GH", "Medical and Dental Council Ghana", "MDC"),
              ("GH", "Nursing and Midwifery Council of Ghana", "NMC"),
              ("NG", "Medical and Dental Council of Nigeria", "MDCN"),
              ("NG", "Nursing and Midwifery Council of Nigeria", "NMCN"),
              ("KE", "Kenya Medical Practitioners and Dentists Council", "KMPDC"),
              ("KE", "Nursing Council of Kenya", "NCK"),
              ("ZW", "Medical and Dental Practitioners Council of Zimbabwe", "MDPCZ"),
              ("ZW", "Nursing Council of Zimbabwe", "NCZ"),
              ("SL", "Sierra Leone Medical and Dental Council", "SLMDC"),
              ("SL", "Nurses and Midwives Board of Sierra Leone", "NMBSL")]
LICENCE_TRIGGERS = [("licences", "share_licences_licence_changed"), ("licences", "share_licences_licence_moved"),
                    ("licence_sharing", "share_licences_sharing_added"),
                    ("licence_sharing", "share_licences_sharing_moved"),
                    ("licence_sharing", "share_licences_sharing_removed"),
                    ("shared_licences", "count_shared_licences_changed"),
                    ("shared_licences", "count_shared_licences_moved")]
BENCH_MEMBERS = "u.email LIKE 'member%@bench.example'"
# A number from 0 to 999,999 drawn from a row's number and a purpose, independent of the numbers
# that choose an association, a heritage country or a status in grow_to (all residues of the id).
DRAW = "(abs(hashtext(CAST({n} AS text) || '{purpose}')) % 1000000)"
# A licence's expiry: one in ten unknown, the others spread from two years ago to four years ahead.
LICENCE = "held.user_id * 2 + held.n"
EXPIRY = (f"CASE WHEN {DRAW.format(n=LICENCE, purpose='unknown')} % 10 = 0 THEN NULL "
          f"ELSE current_date - 730 + {DRAW.format(n=LICENCE, purpose='expiry')} % 2190 END")


def grow_licences(connection) -> None:
    """Licences, CPD activities and sharing choices for the bench members who have none yet,
    then `shared_licences` and `shared_licence_counts` rebuilt from them (the triggers are off
    during the load, as for the memberships).

    A third of the members hold a licence from a regulator of their heritage country, one in
    thirty a second one from the next country; expiry dates are mixed (see EXPIRY). Two in seven
    have logged a CPD activity. Four in five members have chosen whether to share their licences
    with their association, three of those four to share. Who holds, shares, and when a licence
    expires are drawn at random (DRAW), so that they do not follow the association, country or
    status a member's id gives them in grow_to."""
    for country, name, short_name in REGULATORS:
        connection.execute(sa.text(
            "INSERT INTO regulators (country, name, short_name, version) VALUES (:c, :n, :s, 1) "
            "ON CONFLICT (country, short_name) DO NOTHING"), {"c": country, "n": name, "s": short_name})
    for table, trigger in LICENCE_TRIGGERS:
        connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
    places = ", ".join(f"({place}, '{country}', '{short_name}')"
                       for place, (country, _name, short_name) in enumerate(REGULATORS))
    holds, regulator = DRAW.format(n="u.id", purpose="holds"), DRAW.format(n="u.id", purpose="regulator") + " % 2"
    connection.execute(sa.text(f"""
        WITH regulators_by_place AS (
               SELECT r.id, p.place FROM regulators r
               JOIN (VALUES {places}) AS p (place, country, short_name)
                 ON p.country = r.country AND p.short_name = r.short_name),
             held AS (  -- the regulator of the member's heritage country (grow_to: HERITAGE[id % 5])
               SELECT u.id AS user_id, 1 AS n, (u.id % {len(HERITAGE)}) * 2 + {regulator} AS place
                 FROM users u WHERE {BENCH_MEMBERS} AND {holds} < 333333
                  AND NOT EXISTS (SELECT 1 FROM licences l WHERE l.user_id = u.id)
               UNION ALL  -- a second licence, from the next country
               SELECT u.id, 2, ((u.id + 1) % {len(HERITAGE)}) * 2 + {regulator}
                 FROM users u WHERE {BENCH_MEMBERS} AND {holds} < 33333
                  AND NOT EXISTS (SELECT 1 FROM licences l WHERE l.user_id = u.id))
        INSERT INTO licences (user_id, regulator_id, registration_number, category, issued_on, expires_on, reminders,
                              created_at, version)
        SELECT held.user_id, r.id, 'BENCH-' || held.user_id || '-' || held.n, 'full', e.expires_on - 365,
               e.expires_on, true, now(), 1
          FROM held JOIN regulators_by_place r ON r.place = held.place
          CROSS JOIN LATERAL (SELECT {EXPIRY} AS expires_on) e"""))
    connection.execute(sa.text(f"""
        INSERT INTO cpd_activities (user_id, title, provider, completed_on, hours, created_at)
        SELECT u.id, 'Bench course ' || u.id, 'Bench provider', current_date - u.id % 900, 1 + u.id % 8, now()
          FROM users u WHERE {BENCH_MEMBERS} AND {DRAW.format(n="u.id", purpose="cpd")} < 285714
           AND NOT EXISTS (SELECT 1 FROM cpd_activities c WHERE c.user_id = u.id)"""))
    connection.execute(sa.text(f"""
        INSERT INTO licence_sharing (user_id, association_id, shared, changed_at)
        SELECT m.user_id, m.association_id, s.draw < 600000, now()
          FROM memberships m JOIN users u ON u.id = m.user_id
          CROSS JOIN LATERAL (SELECT {DRAW.format(n="m.user_id", purpose="sharing")} AS draw) s
         WHERE {BENCH_MEMBERS} AND s.draw < 800000
        ON CONFLICT DO NOTHING"""))
    for table, trigger in LICENCE_TRIGGERS:
        connection.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
    fill_shared_licences(connection)


def fill_shared_licences(connection) -> None:
    """shared_licences and shared_licence_counts from the licences, sharing choices and
    memberships, as the triggers keep them (migration "shared licences")."""
    connection.execute(sa.text("TRUNCATE shared_licences, shared_licence_counts"))
    connection.execute(sa.text("ALTER TABLE shared_licences DISABLE TRIGGER count_shared_licences_changed"))
    connection.execute(sa.text("""
        INSERT INTO shared_licences (licence_id, association_id, user_id, regulator_id, country, expires_on)
        SELECT l.id, s.association_id, l.user_id, l.regulator_id, r.country, l.expires_on
          FROM licences l JOIN regulators r ON r.id = l.regulator_id
          JOIN licence_sharing s ON s.user_id = l.user_id AND s.shared
         WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = l.user_id
                       AND m.association_id = s.association_id AND m.status = 'active')"""))
    connection.execute(sa.text("ALTER TABLE shared_licences ENABLE TRIGGER count_shared_licences_changed"))
    connection.execute(sa.text("""
        INSERT INTO shared_licence_counts (association_id, span, starts_on, country, count)
        SELECT association_id, 'day', expires_on, country, count(*) FROM shared_licences
         WHERE expires_on IS NOT NULL GROUP BY association_id, expires_on, country
        UNION ALL
        SELECT association_id, 'month', CAST(date_trunc('month', expires_on) AS date), country, count(*)
          FROM shared_licences WHERE expires_on IS NOT NULL GROUP BY 1, 3, 4
        UNION ALL
        SELECT association_id, 'unknown', DATE '0001-01-01', country, count(*) FROM shared_licences
         WHERE expires_on IS NULL GROUP BY association_id, country"""))
