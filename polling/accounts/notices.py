"""The e-mails Pulse sends about accounts, each in the recipient's language."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from polling import mail
from polling.accounts.models import User
from polling.mail import Mail


def _locale(locale: str | None) -> str:
    return locale if locale in ("en", "es") else "en"


def verify_address(to: str, locale: str | None, url: str) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("Confirm your e-mail address for Pulse"),
            _(
                "Welcome to Pulse.\n\nConfirm that this is your address by opening this link within "
                "48 hours:\n\n%(url)s\n\nIf you did not sign up, ignore this e-mail.",
                url=url,
            ),
        )


def already_registered(to: str, locale: str | None, login_url: str, reset_url: str) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("Someone tried to sign up to Pulse with your address"),
            _(
                "Someone (perhaps you) tried to create a Pulse account with this e-mail address, which "
                "already has one. Log in at %(login)s, or, if you forgot your password, set a new one "
                "at %(reset)s.\n\nIf it was not you, you need do nothing.",
                login=login_url,
                reset=reset_url,
            ),
        )


def licence_in_use(to: str, locale: str | None, support_url: str) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("Your Pulse registration could not be completed"),
            _(
                "We could not register the licence number you gave. If it is yours, write to us through "
                "%(support)s and staff will check it with you.",
                support=support_url,
            ),
        )


def licence_claimed(to: str, locale: str | None, support_url: str) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("Someone tried to register your licence number on Pulse"),
            _(
                "Someone tried to sign up to Pulse with the licence number of your account. Nothing "
                "changed on your account. If this worries you, contact us through %(support)s.",
                support=support_url,
            ),
        )


def reset_password(to: str, locale: str | None, url: str) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("Set a new Pulse password"),
            _(
                "Open this link within an hour to choose a new password (it works once):\n\n%(url)s\n\n"
                "If you did not ask for this, ignore this e-mail: your password stays as it is.",
                url=url,
            ),
        )


def password_changed(to: str, locale: str | None, reset_url: str) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("Your Pulse password was changed"),
            _(
                "Your password was just changed and every other session and API token was ended. "
                "If this was not you, set a new password at once: %(reset)s",
                reset=reset_url,
            ),
        )


def member_verified(to: str, locale: str | None, url: str) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("Your Pulse membership is verified"),
            _("Staff verified your licence: you can now vote in polls. %(url)s", url=url),
        )


def member_rejected(to: str, locale: str | None, reason: str, url: str) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("Your Pulse registration needs a correction"),
            _(
                "Staff could not verify your licence. Their reason:\n\n%(reason)s\n\nYou can correct "
                "your details and send them again at %(url)s",
                reason=reason,
                url=url,
            ),
        )


def new_proposal(to: str, locale: str | None, url: str) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("A member proposed a poll"),
            _("A member proposed a poll for Pulse. Review it at %(url)s", url=url),
        )


def notify_staff_of_proposal(app: Flask, session: Session) -> int:
    """Mail every staff account that a member's poll proposal waits for review; how many were sent."""
    url = str(app.config["PUBLIC_URL"]).rstrip("/") + url_for("polls.manage")
    staff = session.execute(
        select(User.email, User.locale).where(User.role == "staff", User.email != "system@pulse.invalid")
    ).all()
    return mail.deliver(app, [new_proposal(email, locale, url) for email, locale in staff])
