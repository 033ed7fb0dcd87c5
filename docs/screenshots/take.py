"""Screenshots of the main pages at 1280 and 375 px, from the demo data (`make screenshots`).

It builds a fresh SQLite database in a temporary folder, migrates it, loads the demo, serves
the app on a free loopback port and photographs each page in Debian's Chromium, logged in as
the role that uses it (the admin and the desk officer with the code their authenticator app
would show), each role's workspace first: where they land after logging in. The pictures land
beside this file; the README shows some of them."""

import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from diaspora import create_app, demo  # noqa: E402
from diaspora.core import transaction  # noqa: E402

WIDTHS = {"desktop": 1280, "phone": 375}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# (file name, role to log in as or None, path; None: where the role lands, its workspace)
PAGES = [
    ("home", None, "/"),
    ("login-fr", None, "/login"),  # in French: chosen with the footer's language switch
    ("member-dashboard", "member", None),
    ("member-profile", "member", "/profile"),
    ("officer-manage", "officer", None),
    ("officer-directory", "officer", "/associations/gnma-uk/directory"),
    ("desk-queue", "desk", None),
    ("admin-dashboard", "admin", None),
    ("styleguide", "admin", "/admin/styleguide"),
]
_last_step: dict[str, int] = {}


class Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def _app(folder: str):
    app = create_app({"APP_ENV": "development", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite",
                      "SERVER_NAME": None, "MAIL_SERVER": None, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade()
        demo.load()
        transaction.commit()
    return app


def _log_in(page, base: str, app, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if "/login/code" in page.url:
        page.get_by_role("textbox", name="Code").fill(_code(app, email))
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
    if "/login" in page.url:
        raise SystemExit(f"could not log in as {email}")


def _code(app, email: str) -> str:
    """The code the demo account's authenticator app shows, never one time-step twice (the
    app refuses a replayed code): waits for the next step if need be."""
    import pyotp

    from diaspora.auth import services, two_factor

    with app.app_context():
        totp = pyotp.TOTP(two_factor.secret_of(services.find_by_email(email)))
    while int(time.time()) // 30 <= _last_step.get(email, -1):
        time.sleep(1)
    _last_step[email] = int(time.time()) // 30
    return totp.now()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        server = make_server("127.0.0.1", 0, _app(folder), handler_class=Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        app = server.get_app()
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                                 args=CHROMIUM_ARGS)
            for device, width in WIDTHS.items():
                for name, role, path in PAGES:
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    page = context.new_page()
                    if role:
                        _log_in(page, base, app, f"{role}@{demo.DOMAIN}")
                    if path:
                        page.goto(base + path)
                    if name.endswith("-fr"):
                        page.get_by_role("button", name="Français").click()
                        page.wait_for_load_state()
                    target = HERE / f"{name}-{device}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(f"  {target.relative_to(HERE.parent.parent)}")
                    context.close()
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
