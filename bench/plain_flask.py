"""A bare Flask app with one route: what the stack costs before our middleware (bench/middleware_bench.py)."""

from flask import Flask

app = Flask(__name__)


@app.get("/bench/bare")
def bare():
    return "ok"
