"""Hash chains for tamper evidence: SM3 through hashlib where the platform's OpenSSL has it, else SHA-256."""

import hashlib
import json

ALGORITHM = "sm3" if "sm3" in hashlib.algorithms_available else "sha256"


def digest(data: bytes, algorithm: str = ALGORITHM) -> str:
    """'<algorithm>:<hex>' so a chain says which function made it."""
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def canonical(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def link(prev_hash: str, payload) -> str:
    """The hash of one link: the previous link's hash and this payload's canonical JSON."""
    algorithm = prev_hash.split(":", 1)[0] if prev_hash else ALGORITHM
    return digest(prev_hash.encode() + b"\n" + canonical(payload), algorithm)
