"""The agent starting from a ramdisk's kernel command line (IPA's ``ipa-*`` parameters)."""

import pytest

from ironic_lite_agent import cli, cmdline

LINE = (
    "console=ttyS0 BOOTIF=01-52-54-00-12-34-56 ipa-api-url=http://192.0.2.1:6385,http://x:1 "
    "ipa-inspection-callback-url=http://192.0.2.1:6385/v1/continue_inspection "
    'ipa-insecure=1 ipa-debug=true ipa-global-request-id=req-1234 quiet note="two words"'
)


def test_parse_reads_words_quotes_and_bare_flags():
    params = cmdline.parse(LINE)
    assert params["ipa-api-url"] == "http://192.0.2.1:6385,http://x:1"
    assert params["quiet"] == ""
    assert params["note"] == "two words"
    assert params["BOOTIF"] == "01-52-54-00-12-34-56"
    assert cmdline.parse('broken="quote') == {"broken": '"quote'}


def test_ipa_parameters_become_agent_flags():
    args = cmdline.agent_args(cmdline.parse(LINE))
    assert args == [
        "--api-url",
        "http://192.0.2.1:6385",
        "--inspect",
        "--inspection-url",
        "http://192.0.2.1:6385/v1/continue_inspection",
        "--insecure",
        "--debug",
        "--request-id",
        "req-1234",
    ]
    listen = cmdline.agent_args(
        {"ipa-listen-host": "::", "ipa-listen-port": "9998", "ipa-advertise-host": "fd00::5"}
    )
    assert listen == ["--listen", "[::]:9998", "--advertise-url", "http://[fd00::5]:9999"]
    assert cmdline.agent_args({"ipa-insecure": "0"}) == []


def test_the_cli_takes_the_kernel_line_and_lets_flags_win(tmp_path):
    path = tmp_path / "cmdline"
    path.write_text(LINE)
    parser = cli.run_parser()
    argv = ["--cmdline-file", str(path), "--request-id", "req-mine"]
    args = parser.parse_args(cmdline.agent_args(cmdline.parse(path.read_text())) + argv)
    assert (args.api_url, args.inspect, args.insecure, args.debug) == (
        "http://192.0.2.1:6385",
        True,
        True,
        True,
    )
    assert args.request_id == "req-mine"
    assert cli.parse_listen("[::]:9998") == ("::", 9998)


def test_no_api_url_anywhere_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "cmdline"
    path.write_text("console=ttyS0\n")
    with pytest.raises(SystemExit) as exc:
        cli.main(["--cmdline-file", str(path)])
    assert exc.value.code == 2
    assert "no ipa-api-url" in capsys.readouterr().err
