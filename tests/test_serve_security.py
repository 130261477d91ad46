"""The service's own safeguards one by one: report links, the settings handed to workers,
the allow-list file, the CDS Hooks JWT check, and the command line."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from advisor.errors import InputError
from advisor.serve.auth import JwtCheck
from advisor.serve.config import ServeConfig, load_issuers
from advisor.serve.errors import NotFound, Unauthorized
from advisor.serve.links import ReportLinks, new_key
from tests.conftest import ROOT
from tests.serve_support import Issuer


def test_report_links_are_opaque_tamper_proof_and_expire():
    links = ReportLinks(new_key())
    token = links.token({"id": "P-1", "seizure_types": ["focal"]}, {"CYP2C9": "*1/*3"})
    assert "P-1" not in token and "CYP2C9" not in token
    assert links.read(token) == ({"id": "P-1", "seizure_types": ["focal"]},
                                 {"CYP2C9": "*1/*3"})
    with pytest.raises(NotFound):
        ReportLinks(new_key()).read(token)  # another server's key
    old = links.fernet.encrypt_at_time(b"x", int(time.time()) - 9 * 3600)
    with pytest.raises(NotFound, match="expired"):
        links.read(old.decode())


def test_serve_config_round_trips_through_the_environment():
    config = ServeConfig(kb="/kb", base_url="https://cds.example.org", max_body_bytes=5000,
                         issuers={"https://ehr": {"keys": []}}, report_key="k")
    assert ServeConfig.from_env({"ADVISOR_SERVE_CONFIG": config.to_env()}) == config
    with pytest.raises(RuntimeError, match="advisor serve"):
        ServeConfig.from_env({})


def test_issuer_file_problems_name_the_field(tmp_path):
    issuer = Issuer("https://ehr.example.org")
    (tmp_path / "jwks.json").write_text(json.dumps(issuer.jwks))
    good = tmp_path / "issuers.yaml"
    good.write_text("issuers:\n  https://ehr.example.org: {jwks: jwks.json}\n")
    assert load_issuers(good) == {"https://ehr.example.org": issuer.jwks}
    private = json.loads(json.dumps(issuer.jwks))
    private["keys"][0]["d"] = "secret"
    (tmp_path / "private.json").write_text(json.dumps(private))
    cases = {
        "missing.yaml": None,
        "empty.yaml": "issuers: {}\n",
        "nojwks.yaml": "issuers:\n  https://ehr: {}\n",
        "private.yaml": "issuers:\n  https://ehr: {jwks: private.json}\n",
        "http.yaml": "issuers:\n  https://ehr: {jwks: 'http://keys.example.org/jwks.json'}\n",
        "absent.yaml": "issuers:\n  https://ehr: {jwks: absent.json}\n",
    }
    for name, text in cases.items():
        if text is not None:
            (tmp_path / name).write_text(text)
        with pytest.raises(InputError) as err:
            load_issuers(tmp_path / name)
        assert str(err.value).count("\n") == 0 and err.value.field


def test_a_key_whose_coordinate_starts_with_a_zero_byte_is_accepted(tmp_path):
    """About one P-384 key in 128 has a leading zero byte in x or y; the EHR's JWK Set then
    carries it as 48 bytes (RFC 7518), and both the allow-list and the JWT check take it."""
    key = next(k for k in iter(lambda: ec.generate_private_key(ec.SECP384R1()), None)
               if k.public_key().public_numbers().x < 1 << 376)
    issuer = Issuer("https://ehr.example.org", key=key)
    (tmp_path / "jwks.json").write_text(json.dumps(issuer.jwks))
    (tmp_path / "issuers.yaml").write_text(
        "issuers:\n  https://ehr.example.org: {jwks: jwks.json}\n")
    assert load_issuers(tmp_path / "issuers.yaml") == {issuer.iss: issuer.jwks}
    aud = "https://cds.example.org/cds-services/asm-order-select"
    assert JwtCheck({issuer.iss: issuer.jwks}).claims(
        f"Bearer {issuer.token(aud, tenant='t-0')}", aud)["tenant"] == "t-0"
    short = {"keys": [{**issuer.jwks["keys"][0], "x": base64.urlsafe_b64encode(
        key.public_key().public_numbers().x.to_bytes(47, "big")).rstrip(b"=").decode()}]}
    (tmp_path / "jwks.json").write_text(json.dumps(short))  # leading zero dropped: not RFC
    with pytest.raises(InputError, match=r"key 1 \(ehr-key-1\): .*48 bytes"):
        load_issuers(tmp_path / "issuers.yaml")


def test_jwt_check(tmp_path):
    issuer = Issuer("https://ehr.example.org")
    check = JwtCheck({issuer.iss: issuer.jwks})
    aud = "https://cds.example.org/cds-services/asm-order-select"
    claims = check.claims(f"Bearer {issuer.token(aud, tenant='t-1')}", aud)
    assert claims["tenant"] == "t-1"
    for header in (None, "Basic abc", "Bearer ", f"Bearer {issuer.token(aud + 'x')}",
                   f"Bearer {issuer.token(aud, exp_in=-60)}"):
        with pytest.raises(Unauthorized):
            check.claims(header, aud)


def test_serve_without_the_extra_is_one_line_naming_it():
    code = ("import sys\nsys.modules['fastapi'] = None\nfrom advisor.cli import main\n"
            "sys.exit(main(['serve']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False, cwd=ROOT.parent)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: the CDS Hooks service needs the optional extra [serve] (fastapi, uvicorn, "
        "pyjwt, httpx): pip install 'dre-advisor[serve]'"]


def test_serve_refuses_bad_options_with_exit_2(tmp_path):
    from advisor.cli import main

    assert main(["serve", "--kb", str(tmp_path / "none")]) == 2
    assert main(["serve", "--workers", "0"]) == 2
    assert main(["serve", "--issuers", str(tmp_path / "none.yaml")]) == 2


def test_json_logs_withhold_exception_and_warning_text():
    import logging

    from advisor.serve.logs import JsonFormatter

    formatter = JsonFormatter()
    try:
        raise ValueError("genotypes.X: unknown allele (value: '*99/*1')")
    except ValueError:
        import sys as _sys

        record = logging.LogRecord("advisor.serve.error", logging.ERROR, __file__, 1,
                                   "unexpected error", None, _sys.exc_info())
    line = json.loads(formatter.format(record))
    assert line["error"] == "ValueError" and "*99/*1" not in json.dumps(line)
    warning = logging.LogRecord("py.warnings", logging.WARNING, __file__, 1, "%s",
                                ("/x/main.py:464: UserWarning: Pydantic serializer warnings: "
                                 "AddStep(drug='lamotrigine'...)\n",), None)
    line = json.loads(formatter.format(warning))
    assert line == {**line, "message": "UserWarning (text withheld)", "where": "/x/main.py:464"}
    assert "lamotrigine" not in json.dumps(line)
