"""Every Flask extension object lives here, unbound, so any module can import them
without importing the app (no circular imports). `create_app` binds them."""

import smtplib
import sqlite3
from email import charset as email_charset

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Connection, Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names on SQLite and PostgreSQL alike, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimelyConnection(Connection):
    """Flask-Mail's SMTP connection, with a timeout (`MAIL_TIMEOUT` seconds): a mail server
    that accepts the connection and then hangs fails the attempt instead of holding the
    process. The outbox keeps the message and tries again later."""

    def configure_host(self):
        timeout = current_app.config.get("MAIL_TIMEOUT", 10)
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class TimelyMail(Mail):
    def connect(self) -> Connection:
        return TimelyConnection(current_app.extensions["mail"])


# Flask-Mail registers UTF-8 bodies as unencoded 8-bit, so one long line (a pasted paragraph)
# breaks RFC 5321's 998-character limit and servers refuse the mail. Quoted-printable wraps it.
email_charset.add_charset("utf-8", email_charset.SHORTEST, email_charset.QP, "utf-8")

@event.listens_for(Engine, "connect")
def enforce_foreign_keys_on_sqlite(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys (and their ON DELETE) unless told on each connection: told
    here, so the quick start deletes and refuses as PostgreSQL does (tests/core/test_schema.py)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = TimelyMail()
limiter = Limiter(get_remote_address)
babel = Babel()
