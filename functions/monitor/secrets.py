"""Reading a secret's value: Powertools Parameters, cached, and never in a log line.

Secrets (a proxy's URL, a channel's Apprise URL) are read through Powertools Parameters
(``get_secret``), whose cache keeps a value for ``SECRET_MAX_AGE_SECONDS``: one
GetSecretValue per secret per container per five minutes, and a rotated secret is picked
up within that time. botocore logs every response body at DEBUG, a secret's value included
(a function whose log level is set to DEBUG would print it): importing this module masks
those lines (``SecretBodyFilter``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

SECRET_MAX_AGE_SECONDS = 300

# secret id -> its value (SecretString as text, SecretBinary as bytes)
SecretReader = Callable[[str], str | bytes]


class SecretBodyFilter(logging.Filter):
    """Masks botocore's DEBUG line of a response body that carries a secret's value."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "SecretString" in text or "SecretBinary" in text:
            record.msg, record.args = "Response body: (masked: it holds a secret's value)", ()
        return True


_BOTOCORE_BODY_LOGGER = "botocore.parsers"  # where botocore logs "Response body: ..."
logging.getLogger(_BOTOCORE_BODY_LOGGER).addFilter(SecretBodyFilter())


def read_secret(secret_id: str) -> str | bytes:
    """The secret's current value, from Powertools' cache when it is fresh enough."""
    return parameters.get_secret(secret_id, max_age=SECRET_MAX_AGE_SECONDS)


class SecretTextError(RuntimeError):
    """A secret that could not be read, or whose value is not text: what went wrong, in
    words the caller puts after the secret's id (never the value)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def secret_text(secret_id: str, holding: str, read: SecretReader = read_secret) -> str:
    """The secret's value as text (UTF-8 for SecretBinary); `holding` names what it should
    hold ("a proxy URL"), for the error when it is binary."""
    try:
        value = read(secret_id)
    except GetParameterError as error:
        raise SecretTextError(f"could not be read ({error})") from None
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretTextError(f"is binary, not {holding}") from None
    if not isinstance(value, str):
        raise SecretTextError("is not text")
    return value
