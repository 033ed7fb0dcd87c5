"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from diaspora import create_app

app = create_app()
