"""The app as the benchmark serves it: the real app, plus one route that touches no database,
which every page is measured against. Only the benchmark mounts it."""

from diaspora import create_app
from diaspora.core.access import public

app = create_app()


@app.get("/bench/bare")
@public
def bare():
    return "ok"
