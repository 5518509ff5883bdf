"""Error messages made safe to store and show: no secrets, paths, addresses or host names.

:func:`sanitize_error_message` implements spec §14.2, tightened. In order, it replaces:

1. URLs (``scheme://user:pw@host/path?query``) with ``scheme://[REDACTED]@[HOST]/[PATH]``,
   and ``user:pw@host`` without a scheme with ``[REDACTED]@[HOST]``;
2. values of credential keys (``password=x``, ``"api_key": "x"``, ``Token: x``,
   ``Authorization: Bearer x``, ``db_password = 'x'``) with ``[REDACTED]``, keeping the key;
   ``host=x`` becomes ``host=[HOST]``;
3. bearer/basic credentials, JWTs, well-known token formats (GitHub, AWS, Slack, ...) and
   long random-looking strings (32+ letters and digits; UUIDs are kept) with ``[REDACTED]``;
4. e-mail addresses with ``[EMAIL]``;
5. absolute, home- and dot-relative POSIX paths and Windows paths with ``[PATH]``;
6. IPv4 and IPv6 addresses with ``[IP]``;
7. host names ending in a common top-level or internal domain (``.com``, ``.io``,
   ``.internal``, ``.local``, ...) with ``[HOST]``. Dotted words that are usually code or
   files (``os.path``, ``node.py``, ``e.g.``) are left alone.

Only the first :data:`SCAN_CHARS` characters are examined, and the result is cut to
:data:`MAX_ERROR_CHARS`. Ordinary prose passes through unchanged.
"""

from __future__ import annotations

import ipaddress
import re
import string

MAX_ERROR_CHARS = 2000
"""The longest sanitized message, ellipsis included."""
SCAN_CHARS = 10_000
"""How much of a message is examined; the rest is dropped."""
ELLIPSIS = "…"

_URL = re.compile(
    r"\b([A-Za-z][A-Za-z0-9+.-]{0,31})://"  # scheme
    r"([^\s'\"<>]*[^\s'\"<>.,;:!?)])?"  # the rest, without trailing punctuation
)
_USERINFO = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,128}:[^\s@/]{1,128}@(?:\[[0-9A-Fa-f:.]+\]|[\w.-]+)"
)
_SECRET_KEY = (
    r"pass(?:word|wd|phrase)|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|auth(?:orization)?|credentials?|cookie|username|(?P<user>user)|(?P<host>host(?:name)?)"
)
_KEY_VALUE = re.compile(
    rf"(?<![A-Za-z0-9])(?:[A-Za-z0-9]+[_.-]){{0,4}}(?:{_SECRET_KEY})(?:[_.-][A-Za-z0-9]+){{0,4}}"
    r"[\"']?\s*(?(user)=|[:=])\s*"  # "user: ..." is usually prose, "user=..." a DSN
    r"(?P<value>(?:(?:bearer|basic|digest|token)\s+)?(?:\"[^\"]*\"?|'[^']*'?|[^\s,;&'\"]+))",
    re.IGNORECASE,
)
_SCHEME_CREDENTIAL = re.compile(
    r"\b(Bearer|Basic|Digest)\s+([A-Za-z0-9._~+/=-]{8,})", re.IGNORECASE
)
_TOKENS = re.compile(
    r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"  # JWT
    r"|\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|sk-[\w-]{20,})"
    r"|(?<![\w/+=-])(?![0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}(?![\w/+=-]))"
    r"(?=[\w+/=-]*\d)(?=[\w+/=-]*[A-Za-z])[A-Za-z0-9+_-][\w+/-]{31,}={0,2}(?![\w/+=-])"
)
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_WINDOWS_PATH = re.compile(r"\b[A-Za-z]:\\[^\s'\"<>|]*|\\\\[^\s'\"<>|\\]+\\[^\s'\"<>|]*")
_POSIX_PATH = re.compile(r"(?<![\w/.:~\\-])(?:~|\.{1,2})?/[\w.@+~-]+(?:/[\w.@+~-]*)*")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]*:[0-9A-Fa-f:]+(?:%\w+)?(?![\w:])")
_HOST = re.compile(
    r"(?<![\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63})"
    r"(?![\w-]|\.[A-Za-z0-9])"
)
_HOST_SUFFIXES = frozenset(
    "com net org edu gov mil int biz io dev app ai co cloud tech xyz online site "
    "local localdomain localhost internal intranet lan corp home svc cluster example test "
    "invalid arpa uk us eu de fr nl ca au jp cn ru br ch se es".split()
)
"""Top-level domains a dotted word must end in to count as a host name. File extensions
that are also country domains (``.py``, ``.md``, ``.sh``, ``.pl``) are left out on purpose."""


def sanitize_error_message(message: str) -> str:
    """Remove secrets, paths, addresses and host names from an error message."""
    truncated = len(message) > SCAN_CHARS
    if truncated:
        cut = max(message.rfind(space, 0, SCAN_CHARS) for space in " \n\t")
        message = message[: cut if cut > 0 else SCAN_CHARS]
    message = _URL.sub(_url, message)
    message = _USERINFO.sub("[REDACTED]@[HOST]", message)
    message = _KEY_VALUE.sub(_key_value, message)
    message = _SCHEME_CREDENTIAL.sub(_scheme_credential, message)
    message = _TOKENS.sub("[REDACTED]", message)
    message = _EMAIL.sub("[EMAIL]", message)
    message = _WINDOWS_PATH.sub("[PATH]", message)
    message = _POSIX_PATH.sub("[PATH]", message)
    message = _IPV4.sub("[IP]", message)
    message = _IPV6.sub(_ipv6, message)
    message = _HOST.sub(_host, message)
    if truncated or len(message) > MAX_ERROR_CHARS:
        message = message[: MAX_ERROR_CHARS - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return message


def format_exception(error: BaseException) -> str:
    """``"TypeName: sanitized message"``, or just the type name when there is no message."""
    try:
        message = str(error)
    except Exception:  # a broken __str__ must not hide the original error
        message = ""
    sanitized = sanitize_error_message(message)
    name = type(error).__name__
    return f"{name}: {sanitized}" if sanitized else name


def _url(match: re.Match[str]) -> str:
    rest = match[2] or ""
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    tail = rest[len(authority) :]
    text = f"{match[1]}://"
    if "@" in authority:
        text += "[REDACTED]@"
    if authority.rpartition("@")[2]:
        text += "[HOST]"
    if tail.strip("/"):
        text += "/[PATH]"
    elif tail:
        text += "/"
    return text


def _key_value(match: re.Match[str]) -> str:
    token = "[HOST]" if match["host"] else "[REDACTED]"
    return match[0][: match.start("value") - match.start()] + token


def _scheme_credential(match: re.Match[str]) -> str:
    token = match[2]
    looks_random = any(char.isdigit() or char in "+/=_-~." for char in token) or bool(
        re.search(r"[a-z][A-Z]", token)
    )
    return f"{match[1]} [REDACTED]" if looks_random else match[0]


def _ipv6(match: re.Match[str]) -> str:
    if not any(char in string.hexdigits for char in match[0]):
        return match[0]  # "::" alone is prose more often than an address
    try:
        ipaddress.IPv6Address(match[0])
    except ValueError:
        return match[0]
    return "[IP]"


def _host(match: re.Match[str]) -> str:
    return "[HOST]" if match[1].lower() in _HOST_SUFFIXES else match[0]
