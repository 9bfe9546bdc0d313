"""Secrets in free text: exception messages, SQL parameters, tracebacks, patch errors."""

import logging

import pytest
import sqlalchemy as sa

from ironic_lite.common.masking import MASK, MaskingFilter, is_secret_key, mask_text
from ironic_lite.db import session
from tests.lab.harness import ensure_config

SECRET = "hunter2-XYZ"


@pytest.mark.parametrize(
    "text",
    [
        f"{{'driver_info': {{'ipmi_password': '{SECRET}'}}, 'extra': {{}}}}",
        f"""{{'redfish_password': 'a"b{SECRET}', 'x': 1}}""",
        f"""{{'redfish_password': "a'b{SECRET}", 'x': 1}}""",
        f"{{'ipmi_password': 'it\\'s {SECRET}', 'x': 1}}",
        f'{{"fake_password": "q\\"{SECRET}", "x": 1}}',
        f'{{\\"fake_password\\": \\"q\\\\\\"{SECRET}\\", \\"x\\": 1}}',  # JSON in JSON
        f"[parameters: ('uuid', '{{\"ipmi_password\": \"{SECRET}\"}}', 'fake-hardware')]",
        f"Couldn't apply patch '{{'op': 'add', 'path': '/driver_info/ipmi_password/x', "
        f"'value': '{SECRET}'}}'. Reason: not a container",
        f"kernel ipa-api-url=http://192.0.2.1 agent_token={SECRET} ipa-debug=1",
        f"mysql+pymysql://ironic:{SECRET}@db.example/ironic",
        f"{{'configdrive': {{'user_data': '{SECRET}', 'meta_data': {{}}}}, 'image_source': 'x'}}",
        f"{{'agent_secret_token': {SECRET}, 'n': 5}}",
    ],
)
def test_secret_values_are_masked_in_text(text):
    masked = mask_text(text)
    assert SECRET not in masked and MASK in masked


def test_text_without_secrets_is_unchanged():
    for text in (
        "Node x: instance_info/image_source must be an http(s) URL, not 'file:///x'",
        "passwords are checked; token expiry is 300 s",
        "{'ipmi_username': 'admin', 'ipmi_address': '10.0.0.5'}",
    ):
        assert mask_text(text) == text
    assert is_secret_key("IPMI_Password") and not is_secret_key("ipmi_username")


def _record(exc_info=None, msg="%s", args=()) -> logging.LogRecord:
    return logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_the_log_filter_masks_messages_and_tracebacks_of_a_real_sql_error(tmp_path):
    """An engine built without hide_parameters (as a third-party one could be): its error
    quotes the INSERT's parameters; the filter masks them in the message and traceback."""
    engine = sa.create_engine(f"sqlite:///{tmp_path}/t.sqlite")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE nodes (name TEXT UNIQUE, driver_info TEXT)")
        conn.exec_driver_sql(
            "CREATE TRIGGER boom BEFORE INSERT ON nodes BEGIN INSERT INTO gone VALUES (1); END"
        )
    statement = sa.text("INSERT INTO nodes VALUES (:name, :info)")
    params = {"name": "n", "info": f'{{"ipmi_password": "{SECRET}"}}'}
    try:
        with engine.begin() as conn:
            conn.execute(statement, params)
    except sa.exc.OperationalError as exc:
        error = exc
        record = _record(exc_info=(type(exc), exc, exc.__traceback__), args=(exc,))
    assert SECRET in str(error), "without the filter the secret would be logged"
    handler_output = []

    class Collect(logging.Handler):
        def emit(self, record):
            handler_output.append(self.format(record))

    collect = Collect()
    collect.addFilter(MaskingFilter())
    collect.handle(record)
    assert handler_output and SECRET not in handler_output[0]
    assert "no such table: main.gone" in handler_output[0] and "Traceback" in handler_output[0]
    engine.dispose()


def test_engines_of_the_service_hide_statement_parameters(tmp_path):
    ensure_config()
    engine = session.make_engine(f"sqlite:///{tmp_path}/h.sqlite")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE nodes (driver_info TEXT)")
        conn.exec_driver_sql(
            "CREATE TRIGGER boom BEFORE INSERT ON nodes BEGIN INSERT INTO gone VALUES (1); END"
        )
    with pytest.raises(sa.exc.OperationalError) as info, engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO nodes VALUES (:i)"), {"i": SECRET})
    assert SECRET not in str(info.value) and "parameters hidden" in str(info.value)
    engine.dispose()
