"""Hiding secrets in documents shown to callers: they are write-only through the API."""

from ironic_lite.common.masking import MASK, is_secret_key

__all__ = ["MASK", "is_secret_key", "mask", "mask_driver_info", "mask_instance_info"]


def mask(document):
    """A copy of ``document`` with every secret key's value replaced by the mask."""
    if isinstance(document, dict):
        if not document:
            return document
        return {k: (MASK if is_secret_key(k) else mask(v)) for k, v in document.items()}
    if isinstance(document, list):
        return [mask(v) for v in document]
    return document


def mask_driver_info(info: dict) -> dict:
    masked = mask(info)
    for key in ("snmp_auth_key", "snmp_priv_key"):
        if masked.get(key):
            masked[key] = MASK
    return masked


def mask_instance_info(info: dict) -> dict:
    masked = mask(info)
    for key in ("configdrive", "image_url"):
        if masked.get(key):
            masked[key] = MASK
    return masked
