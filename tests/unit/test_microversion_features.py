"""The microversion feature table is the one place versions are written in the API's gates."""

import pathlib
import re

import pytest

from ironic_lite.api import microversions
from ironic_lite.api.microversions import FEATURES, MAX_VERSION, Version
from ironic_lite.common import exceptions

API = pathlib.Path(microversions.__file__).parent
SOURCES = {p: p.read_text() for p in API.rglob("*.py") if p.name != "microversions.py"}


def test_features_are_in_version_order_and_served():
    versions = list(FEATURES.values())
    assert versions == sorted(versions)
    assert versions[-1] <= MAX_VERSION


def test_every_feature_a_view_names_exists():
    named = set()
    for text in SOURCES.values():
        named |= set(re.findall(r"(?:supports|require|since|require_version)\(\s*\"(\w+)\"", text))
        named |= set(re.findall(r"feature=\"(\w+)\"", text))
    assert named, "no gate found: the pattern no longer matches the views"
    assert named - set(FEATURES) == set()


@pytest.mark.parametrize(
    "pattern",
    [r"minor\(\)\s*[<>]=?\s*\d", r"require_version\(\s*\d", r"version\.minor\s*[<>]=?\s*\d"],
)
def test_no_gate_compares_with_a_number(pattern):
    offenders = [str(p) for p, text in SOURCES.items() if re.search(pattern, text)]
    assert offenders == []


def test_require_names_the_version_and_supports_compares():
    assert microversions.supports("deploy_steps", Version(1, 69))
    assert not microversions.supports("deploy_steps", Version(1, 68))
    with pytest.raises(exceptions.NotAcceptable, match="should be 1.69"):
        microversions.require("deploy_steps", version=Version(1, 68))
