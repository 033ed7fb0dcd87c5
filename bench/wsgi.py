"""The app as the benchmark serves it: the real app, plus one route that touches no database,
which every page is measured against, and each page's floor (bench/floor.py). Only the
benchmark mounts them."""

from bench import floor
from diaspora import create_app
from diaspora.core.access import public

app = create_app()
floor.install(app)


@app.get("/bench/bare")
@public
def bare():
    return "ok"
