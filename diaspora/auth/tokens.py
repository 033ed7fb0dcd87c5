"""Signed, time-limited tokens for links sent by email.

Each token carries a fingerprint of the state it changes (the password hash, the
current email), so it stops working as soon as it has been used."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer


class InvalidToken(Exception):
    """The link is broken, expired or already used."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"diaspora.{purpose}")


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:20]


def make(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: int) -> dict:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature as error:  # SignatureExpired is a BadSignature
        raise InvalidToken(str(error)) from error
