"""The step decorator, and the fake BIOS and firmware steps run alone on a stub task."""

import copy

import pytest

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.drivers import base, fake, noop


@pytest.fixture(autouse=True)
def conf():
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    return CONF


# --- @step -----------------------------------------------------------------------------------
def test_one_decorator_declares_a_step_of_several_kinds():
    info = {"x": {"description": "an x", "required": True}}

    @base.step(("clean", "deploy", "service"), priority=5, argsinfo=info, abortable=True)
    def fn(self, task, x):
        pass

    assert set(fn._step_specs) == {"clean", "deploy", "service"}
    for kind, spec in fn._step_specs.items():
        assert spec == base.StepSpec(kind, 5, info, True, False, False)


def test_a_single_kind_and_stacking_still_work():
    @base.step("clean", priority=10, rerunnable=True)
    @base.step(["deploy", "service"], priority=0)
    def fn(self, task):
        pass

    assert fn._step_specs["clean"] == base.StepSpec("clean", 10, None, False, False, True)
    assert fn._step_specs["deploy"].priority == 0
    assert fn._step_specs["service"].priority == 0


@pytest.mark.parametrize("kinds", ["cleaning", ("clean", "bogus"), ()])
def test_unknown_or_no_kinds_are_refused(kinds):
    with pytest.raises(ValueError):
        base.step(kinds)


def test_an_override_of_a_contract_step_must_be_declared():
    with pytest.raises(TypeError, match="apply_configuration must be declared with @step"):

        class Forgetful(fake.FakeBIOS):
            def apply_configuration(self, task, settings):
                pass

    with pytest.raises(TypeError, match="update must be declared with @step"):

        class AlsoForgetful(fake.FakeFirmware):
            def update(self, task, settings):
                pass


def test_fake_steps_declare_the_contract():
    apply = fake.FakeBIOS.apply_configuration._step_specs
    assert set(apply) == set(base.BIOS_STEP_KINDS)
    assert all(s.priority == 0 and s.argsinfo == base.BIOS_APPLY_ARGSINFO for s in apply.values())
    assert set(fake.FakeBIOS.factory_reset._step_specs) == set(base.BIOS_STEP_KINDS)
    update = fake.FakeFirmware.update._step_specs
    assert set(update) == set(base.FIRMWARE_STEP_KINDS)
    assert update["service"].argsinfo["settings"]["required"] is True


def test_no_bios_and_no_firmware_cache_nothing_and_refuse_steps():
    task = StubTask()
    noop.NoBIOS().cache_bios_settings(task)
    noop.NoFirmware().cache_firmware_components(task)
    assert task.stored == []
    with pytest.raises(exceptions.UnsupportedDriverExtension):
        noop.NoBIOS().apply_configuration(task, [])
    assert not noop.NoBIOS.supported and not noop.NoFirmware.supported


# --- the fake BIOS and firmware on a stub task -----------------------------------------------
class StubTask:
    """What the fake interfaces ask of a task, with the storage kept in memory."""

    def __init__(self):
        self.node = {"uuid": "node-1", "driver": "fake-hardware"}
        self._bios: dict[str, dict] = {}
        self._firmware: dict[str, dict] = {}
        self.stored: list[tuple[str, list, bool]] = []

    @property
    def bios_settings(self):
        return [copy.deepcopy(self._bios[n]) for n in sorted(self._bios)]

    def store_bios_settings(self, settings, replace=True):
        self.stored.append(("bios", copy.deepcopy(settings), replace))
        if replace:
            self._bios = {}
        for s in settings:
            row = self._bios.setdefault(s["name"], dict.fromkeys(fake.DEFAULT_BIOS_SETTINGS[0]))
            row.update(copy.deepcopy(s))
            for key in ("lower_bound", "upper_bound", "min_length", "max_length"):
                row.setdefault(key, None)
        return self.bios_settings

    @property
    def firmware_components(self):
        return list(copy.deepcopy(self._firmware).values())

    def store_firmware_components(self, components, replace=True):
        self.stored.append(("firmware", copy.deepcopy(components), replace))
        if replace:
            self._firmware = {}
        for c in components:
            row = self._firmware.setdefault(c["component"], {"last_version_flashed": None})
            row.update(c)
        return self.firmware_components


def _values(task):
    return {s["name"]: s["value"] for s in task.bios_settings}


def test_fake_bios_caches_defaults_once():
    task, bios = StubTask(), fake.FakeBIOS()
    bios.cache_bios_settings(task)
    bios.cache_bios_settings(task)
    assert len(task.stored) == 1
    assert _values(task) == {s["name"]: s["value"] for s in fake.DEFAULT_BIOS_SETTINGS}


def test_fake_bios_applies_checked_values_and_resets():
    task, bios = StubTask(), fake.FakeBIOS()
    bios.apply_configuration(
        task,
        [
            {"name": "BootMode", "value": "Bios"},
            {"name": "SriovGlobalEnable", "value": "TRUE"},
            {"name": "AcPwrRcvryUserDelay", "value": "600"},
        ],
    )
    assert task.stored[-1] == (
        "bios",
        [
            {"name": "BootMode", "value": "Bios"},
            {"name": "SriovGlobalEnable", "value": "true"},
            {"name": "AcPwrRcvryUserDelay", "value": "600"},
        ],
        False,
    )
    assert _values(task)["BootMode"] == "Bios"
    bios.factory_reset(task)
    assert _values(task)["BootMode"] == "Uefi"


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({"name": "Nope", "value": "1"}, ["Nope", "node-1"]),
        ({"name": "SystemMemorySize", "value": "1 GB"}, ["SystemMemorySize", "read-only"]),
        ({"name": "ProcTurboMode", "value": "Sometimes"}, ["ProcTurboMode", "Enabled, Disabled"]),
        ({"name": "SriovGlobalEnable", "value": "yes"}, ["SriovGlobalEnable", "true or false"]),
        ({"name": "AcPwrRcvryUserDelay", "value": "soon"}, ["AcPwrRcvryUserDelay", "integer"]),
        ({"name": "AcPwrRcvryUserDelay", "value": True}, ["AcPwrRcvryUserDelay", "integer"]),
        ({"name": "AssetTag", "value": "x" * 33}, ["AssetTag", "0 to 32 characters"]),
        ({"name": "AssetTag"}, ["#1", '"value"']),
        ({"name": "", "value": "x"}, ["#1", "name"]),
        ({"name": "AssetTag", "value": ["a"]}, ["AssetTag", "string, integer or boolean"]),
    ],
)
def test_fake_bios_refuses_naming_the_setting(item, words):
    task = StubTask()
    fake.FakeBIOS().cache_bios_settings(task)
    with pytest.raises(exceptions.InvalidParameterValue) as caught:
        fake.FakeBIOS().apply_configuration(task, [{"name": "BootMode", "value": "Bios"}, item])
    for word in words:
        assert word in str(caught.value)
    assert len(task.stored) == 1  # only the cached defaults: nothing applied
    assert _values(task)["BootMode"] == "Uefi"


@pytest.mark.parametrize("settings", [None, [], {"name": "BootMode"}, ["BootMode"]])
def test_fake_bios_refuses_settings_that_are_not_a_list_of_objects(settings):
    with pytest.raises(exceptions.InvalidParameterValue, match="settings|#0"):
        fake.FakeBIOS().apply_configuration(StubTask(), settings)


def test_fake_firmware_flashes_versions_from_url_or_key():
    task, firmware = StubTask(), fake.FakeFirmware()
    firmware.update(
        task,
        [
            {"component": "bios", "url": "https://fw.example/dell/BIOS_2.20.0_A00.EXE"},
            {"component": "bmc", "url": "file:///srv/bmc.bin", "version": "7.10.50.00"},
        ],
    )
    assert task.stored[-1] == (
        "firmware",
        [
            {"component": "bios", "current_version": "2.20.0", "last_version_flashed": "2.20.0"},
            {
                "component": "bmc",
                "current_version": "7.10.50.00",
                "last_version_flashed": "7.10.50.00",
            },
        ],
        False,
    )


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({"component": "gpu", "url": "http://x/gpu-1.0.bin"}, ["gpu", "bios, bmc, nic"]),
        ({"component": "bmc", "url": "http://x/latest.bin"}, ["bmc", "version"]),
        ({"component": "bmc"}, ["bmc", '"url"']),
        ({"component": "bmc", "url": "http://x/b-1.1.bin", "wait": -1}, ["bmc", "wait"]),
        ({"component": "bmc", "url": "http://x/b-1.1.bin", "force": True}, ["bmc", "force"]),
        ({"url": "http://x/b-1.1.bin"}, ["#1", '"component"']),
    ],
)
def test_fake_firmware_refuses_before_flashing_anything(item, words):
    task = StubTask()
    fake.FakeFirmware().cache_firmware_components(task)
    with pytest.raises(exceptions.InvalidParameterValue) as caught:
        fake.FakeFirmware().update(task, [{"component": "nic", "url": "http://x/n-2.0.bin"}, item])
    for word in words:
        assert word in str(caught.value)
    assert len(task.stored) == 1
