"""Sending alerts and reports: e-mail through SMTP, JSON to a webhook, a line to a file.

- `mailto:ADDRESS`: an e-mail through `[smtp]` (STARTTLS and login when configured; the password
  is read from the environment variable `smtp.password_env` names).
- `http://` or `https://` URL: a POST of a JSON body whose `text` is the message (what Slack and
  Microsoft Teams incoming webhooks show), with the structured fields beside it.
- `file:PATH`: one JSON line appended per message.
Every failure is a DeliveryError with one sentence naming the destination and what to do.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

from etl.settings.alerts import SmtpSettings


class DeliveryError(RuntimeError):
    """A message that could not be delivered; the text names the destination."""


def send_mail(
    smtp: SmtpSettings,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """One e-mail to `to` (addresses) with a text body, an optional HTML body and attachments
    given as (file name, bytes, MIME type)."""
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, smtp.sender, ", ".join(to)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, data, mime in attachments:
        main, _, sub = mime.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub or "octet-stream", filename=name)
    where = f"SMTP server {smtp.host}:{smtp.port}"
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s) as server:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context())
            if smtp.user:
                password = os.environ.get(smtp.password_env or "", "")
                if not password:
                    raise DeliveryError(
                        f"{where} needs a password: set the environment variable "
                        f"{smtp.password_env or '(smtp.password_env)'}."
                    )
                server.login(smtp.user, password)
            server.send_message(msg)
    except DeliveryError:
        raise
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryError(
            f"mail to {', '.join(to)} through {where} failed ({type(e).__name__}: {e}); "
            "check the [smtp] settings and that the server is reachable."
        ) from None


def post_json(url: str, payload: dict, timeout_s: float = 30.0) -> None:
    """POST `payload` as JSON to a webhook URL."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - the user's own URL
            response.read()
    except urllib.error.HTTPError as e:
        raise DeliveryError(
            f"webhook {_host(url)} answered HTTP {e.code}; check the URL and the receiving service."
        ) from None
    except (OSError, urllib.error.URLError) as e:
        raise DeliveryError(
            f"webhook {_host(url)} could not be reached ({e}); check the URL."
        ) from None


def append_line(path: str | Path, payload: dict) -> None:
    """Append one JSON line to a file."""
    try:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    except OSError as e:
        raise DeliveryError(
            f"cannot append to {path} ({e.strerror}); choose a writable file."
        ) from None


def _host(url: str) -> str:
    """The scheme and host of a URL (webhook paths carry secrets: never print them)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def deliver(
    smtp: SmtpSettings,
    destination: str,
    subject: str,
    text: str,
    payload: dict,
    html: str | None = None,
) -> None:
    """Send one message to one destination of an alert (mailto:, http(s):// or file:)."""
    if destination.startswith("mailto:"):
        send_mail(smtp, [destination[len("mailto:") :]], subject, text, html)
    elif destination.startswith(("http://", "https://")):
        post_json(destination, {"text": f"*{subject}*\n{text}", **payload}, smtp.timeout_s)
    elif destination.startswith("file:"):
        append_line(destination[len("file:") :], payload)
    else:
        raise DeliveryError(f"{destination!r} is not mailto:, http(s):// or file:.")
