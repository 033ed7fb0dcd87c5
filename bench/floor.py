"""The floor a page is measured against: the same SQL statements, with the same parameters,
columns and page size, sent through the driver with no ORM, and the rows written out by a
minimal Jinja template. What the stack cannot do faster; a page within 2x of it spends little
on top of its SQL (issue 17).

`GET /bench/floor?path=/associations/x/directory?q=mensah` (with the page's own cookie or API
token): on the first call in a worker, the page itself is requested twice in-process with them
and the SELECT statements of the second (warm) request are kept; every call then runs them through a
raw psycopg cursor in one transaction and renders their rows. Only SELECTs are replayed: a page
view that writes would make the floor cheaper than the page, by that write."""

import sqlalchemy as sa
from flask import Flask, request
from jinja2 import Environment

from diaspora.core.access import public
from diaspora.extensions import db

TEMPLATE = Environment(autoescape=True).from_string(
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ path }}</title></head><body>"
    "<h1>{{ path }}</h1>{% for rows in results %}<table>{% for row in rows %}<tr>"
    "{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}</table>{% endfor %}</body></html>")

_kept: dict[tuple, list[tuple[str, object]]] = {}


def install(app: Flask) -> None:
    @app.get("/bench/floor")
    @public
    def floor():
        path = request.args["path"]
        credentials = {name: request.headers[name] for name in ("Cookie", "Authorization") if name in request.headers}
        key = (path, tuple(sorted(credentials.items())))
        statements = _kept.get(key)
        if statements is None:
            statements = _kept[key] = _statements_of(app, path, credentials)
        return TEMPLATE.render(path=path, results=_run(statements))


def _statements_of(app: Flask, path: str, credentials: dict) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    client = app.test_client()
    headers = {**credentials, "Host": request.host}
    response = client.get(path, headers=headers)  # cold: caches fill
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        client.get(path, headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
    return seen


def _run(statements: list[tuple[str, object]]) -> list[list[tuple]]:
    results = []
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            results.append(cursor.fetchall() if cursor.description else [])
        connection.rollback()
    finally:
        connection.close()
    return results
