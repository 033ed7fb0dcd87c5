"""Synthetic memberships at scale, on PostgreSQL, with `generate_series` (no Python loop per row).

`grow_to(connection, n)` brings the database to `n` memberships: one association ("the big
one") holds half of them, the rest are spread over small associations of 20; each membership
has its own account, profile and heritage country; statuses are mixed as in life (mostly
active, some applied, lapsed, suspended, left). Every constraint holds: the rows are what the
app itself would have written. The counter triggers are switched off for the bulk insert and
the counters recomputed once at the end, as an operator's bulk load would; then VACUUM ANALYZE
(autovacuum is off on these machines: without it the planner sees no statistics).

Run it again with a larger `n` to grow the same database: 10k, then 100k, then 1M."""

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
            ("users", "count_users_changed")]


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
