"""A diaspora desk for the benchmarks (PostgreSQL): Ghana's desk, worked by its own officer,
and the desk-sharing consents of the members with Ghanaian heritage (six in ten share), so that
the engagement dashboard (`/desks/<id>/dashboard`) has members, contributions (bench/scale_data.py
puts a fifth of them in Ghana) and `engagement_counts` to read. Run `refresh` (the hourly job)
after each growth step."""

import sqlalchemy as sa

DESK_COUNTRY = "GH"
DESK_OFFICER_EMAIL = "desk-officer@bench.example"


def ensure_desk(connection, password_hash: str) -> int:
    """The desk's id; its officer and route are made once, the consents of new members each time."""
    desk_id = connection.execute(sa.text("SELECT id FROM desks WHERE country = :c ORDER BY id LIMIT 1"),
                                 {"c": DESK_COUNTRY}).scalar()
    if desk_id is None:
        desk_id = connection.execute(sa.text(
            "INSERT INTO desks (country, ministry, name, acknowledgement_days, answer_days, active, created_at, "
            "version) VALUES (:c, 'Ministry of Health, Ghana', 'Ghana Diaspora Desk', 10, 30, true, now(), 1) "
            "RETURNING id"), {"c": DESK_COUNTRY}).scalar()
        connection.execute(sa.text("INSERT INTO desk_routes (desk_id, country, topic) VALUES (:d, :c, '*')"),
                           {"d": desk_id, "c": DESK_COUNTRY})
    officer_id = connection.execute(sa.text("SELECT id FROM users WHERE email = :e"),
                                    {"e": DESK_OFFICER_EMAIL}).scalar()
    if officer_id is None:
        officer_id = connection.execute(sa.text(
            "INSERT INTO users (email, name, password_hash, email_verified_at, active, locale, is_admin, "
            "session_token, created_at) VALUES (:e, 'Bench Desk Officer', :hash, now(), true, 'en', false, "
            "md5(random()::text), now()) RETURNING id"), {"e": DESK_OFFICER_EMAIL, "hash": password_hash}).scalar()
        connection.execute(sa.text("INSERT INTO desk_officers (desk_id, user_id, created_at) VALUES (:d, :u, now())"),
                           {"d": desk_id, "u": officer_id})
    connection.execute(sa.text(
        "INSERT INTO desk_sharing_consents (user_id, country, shared, changed_at, updated_at) "
        "SELECT user_id, country, user_id % 10 < 6, now(), now() - make_interval(secs => user_id % 604800) "
        "FROM profile_heritage_countries WHERE country = :c "
        "ON CONFLICT DO NOTHING"), {"c": DESK_COUNTRY})
    return desk_id


def refresh(app) -> None:
    """`flask desks refresh`, in the given app."""
    from diaspora.core import transaction
    from diaspora.desks.engagement import engagement

    with app.app_context():
        engagement.refresh()
        transaction.commit()


def enrol(app, email: str = DESK_OFFICER_EMAIL) -> str:
    """Turn two-factor sign-in on for a user who must use it (a desk officer, a platform admin);
    the secret, for the benchmark's login."""
    from diaspora.auth import two_factor
    from diaspora.auth.models import User
    from diaspora.extensions import db

    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == email))
        secret = two_factor.enrol_for_demo(officer)
        db.session.commit()
        return secret


TOPICS = ("offer_of_support", "policy_input", "barrier_report", "mission_notification", "partnership_proposal")
STATUSES = ("submitted", "acknowledged", "in_review", "resolved", "closed", "withdrawn")


def grow_submissions_to(connection, desk_id: int, total: int) -> None:
    """Submissions to the desk from members with Ghanaian heritage, up to `total`: topics and
    statuses in turn, sent over the last two years (so some are overdue), numbered on from the
    last reference; then the desk's counters (`submission_counts`) and the reference sequence
    are rebuilt from them, as the app keeps them one change at a time."""
    have = connection.execute(sa.text("SELECT count(*) FROM submissions WHERE desk_id = :d"), {"d": desk_id}).scalar()
    if have >= total:
        return
    connection.execute(sa.text("""
        WITH people AS (SELECT user_id, row_number() OVER (ORDER BY user_id) AS r
                        FROM profile_heritage_countries WHERE country = :c),
             total AS (SELECT count(*) AS n FROM people),
             base AS (SELECT coalesce(max(number), 0) AS last FROM submissions
                      WHERE country = :c AND year = extract(year FROM now())::int),
             made AS (SELECT g, now() - ((g * 7919) % 730) * interval '1 day' AS at
                      FROM generate_series(1, CAST(:k AS integer)) AS g)
        INSERT INTO submissions (country, year, number, topic, title, answers, user_id, show_identity, desk_id,
                                 status, acknowledge_by, answer_by, acknowledged_at, answered_at, created_at,
                                 updated_at, version)
        SELECT :c, extract(year FROM now())::int, base.last + made.g, (CAST(:topics AS text[]))[1 + made.g % 5],
               'Bench submission ' || made.g, '{}', people.user_id, made.g % 2 = 0, :d,
               (CAST(:statuses AS text[]))[1 + (made.g / 5) % 6], (made.at + interval '14 days')::date,
               (made.at + interval '42 days')::date,
               CASE WHEN (made.g / 5) % 6 > 0 THEN made.at + interval '3 days' END,
               CASE WHEN (made.g / 5) % 6 IN (3, 4) THEN made.at + interval '20 days' END,
               made.at, made.at, 1
        FROM made CROSS JOIN total CROSS JOIN base JOIN people ON people.r = 1 + made.g % total.n
    """), {"c": DESK_COUNTRY, "d": desk_id, "k": total - have, "topics": list(TOPICS), "statuses": list(STATUSES)})
    connection.execute(sa.text("""
        INSERT INTO submission_counts (country, desk_id, topic, status, count)
        SELECT country, desk_id, topic, status, count(*) FROM submissions WHERE desk_id = :d
        GROUP BY country, desk_id, topic, status
        ON CONFLICT (country, desk_id, topic, status) DO UPDATE SET count = EXCLUDED.count
    """), {"d": desk_id})
    connection.execute(sa.text("""
        INSERT INTO submission_sequences (country, year, last)
        SELECT country, year, max(number) FROM submissions WHERE country = :c GROUP BY country, year
        ON CONFLICT (country, year) DO UPDATE SET last = EXCLUDED.last
    """), {"c": DESK_COUNTRY})
