"""Auth styles (hub.core.auth): what each puts on the wire, and that what it sends is masked.

Every value here is made up for this file (the redactor's registry is process-wide), and the
header and parameter names are invented (``X-Acme-Key``, ``acmeLogin``): the core must mask what
a plugin's style declares without knowing any platform's names.
"""

from __future__ import annotations

import base64
import logging
from urllib.parse import parse_qsl

import httpx
import pytest
import respx
from pydantic import BaseModel, SecretStr

from hub.core.auth import (
    ApiKeyHeader,
    BasicAuth,
    BearerToken,
    CredentialParams,
    credential_fields,
)
from hub.core.errors import AuthError, FatalError
from hub.core.http import PlatformClient, RetryPolicy, redact_headers
from hub.core.plugin import PluginSettings
from hub.core.redact import is_secret_name, redact

BASE = "https://api.acme.test"
ONCE = RetryPolicy(max_attempts=1)


def sent(style: httpx.Auth, **request: object) -> httpx.Request:
    """The request ``style`` lets go of, built like the client builds it."""
    built = httpx.Client(base_url=BASE).build_request(**{"method": "GET", "url": "/items", **request})
    flow = style.sync_auth_flow(built)
    return next(flow)


# --------------------------------------------------------------------------- on the wire


def test_bearer_token_sends_the_authorization_header() -> None:
    request = sent(BearerToken(SecretStr("bearer-Tk-0001")))
    assert request.headers["Authorization"] == "Bearer bearer-Tk-0001"


def test_api_key_goes_in_the_header_the_plugin_names() -> None:
    style = ApiKeyHeader("X-Acme-Key", "acme-key-0002")
    assert sent(style).headers["X-Acme-Key"] == "acme-key-0002"
    assert style.headers() == {"X-Acme-Key": "acme-key-0002"}
    with pytest.raises(ValueError):
        ApiKeyHeader("", "acme-key-0002")


def test_basic_auth_sends_what_httpx_basic_auth_sends() -> None:
    ours = sent(BasicAuth("acme-user", SecretStr("basic-Pw-0003")))
    theirs = next(httpx.BasicAuth("acme-user", "basic-Pw-0003").sync_auth_flow(ours))
    expected = "Basic " + base64.b64encode(b"acme-user:basic-Pw-0003").decode()
    assert ours.headers["Authorization"] == theirs.headers["Authorization"] == expected


def test_credential_params_follow_the_callers_own_in_the_query() -> None:
    style = CredentialParams({"acmeLogin": SecretStr("login-0004"), "acmePass": "pass-0004&x"})
    request = sent(style, method="POST", url="/order/query/", params={"page": 2, "startDate": "01/31/2025"})
    assert request.url.query.decode() == (
        "page=2&startDate=01%2F31%2F2025&acmeLogin=login-0004&acmePass=pass-0004%26x"
    )


def test_credential_params_in_a_form_body_join_the_callers_fields() -> None:
    style = CredentialParams({"acmePass": "form-pass-0005"}, location="form")
    request = sent(style, method="POST", url="/order/refund/", data={"orderId": "A1", "acmePass": "spoof"})
    assert parse_qsl(request.content.decode()) == [("orderId", "A1"), ("acmePass", "form-pass-0005")]
    assert request.headers["Content-Length"] == str(len(request.content))
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    bare = sent(style, method="POST", url="/order/refund/")
    assert parse_qsl(bare.content.decode()) == [("acmePass", "form-pass-0005")]


def test_credential_params_refuse_a_body_that_is_not_a_form() -> None:
    style = CredentialParams({"acmePass": "form-pass-0006"}, location="form")
    with pytest.raises(ValueError, match="form body"):
        sent(style, method="POST", url="/x", json={"a": 1})
    with pytest.raises(ValueError, match="query or a form"):
        CredentialParams({"acmePass": "x-0006"}, location="header")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- what is masked


def test_each_style_registers_its_secrets_in_every_encoding() -> None:
    BearerToken("bearer-Tk-0007")
    ApiKeyHeader("X-Acme-Key", "acme-key-0007")
    BasicAuth("acme-user-7", "basic-Pw-0007")
    pair = base64.b64encode(b"acme-user-7:basic-Pw-0007").decode()
    text = f"echo: bearer-Tk-0007 acme-key-0007 {pair} {base64.b64encode(b'acme-key-0007').decode()}"
    masked = redact(text)
    for leaked in ("bearer-Tk-0007", "acme-key-0007", "basic-Pw-0007", pair.rstrip("=")):
        assert leaked not in masked


def test_a_user_name_is_masked_only_when_the_platform_issues_it_as_a_credential() -> None:
    BasicAuth("plain-user-0008", "basic-Pw-0008")
    BasicAuth("issued-id-0008", "basic-Pw-0108", username_is_secret=True)
    assert "plain-user-0008" in redact("user plain-user-0008")
    assert "issued-id-0008" not in redact("user issued-id-0008")


def test_declared_names_mask_values_never_registered() -> None:
    """A header or parameter a style declared is a credential's name from then on, whatever the
    value (a rotated key, another account's)."""
    ApiKeyHeader("X-Acme-Key", "acme-key-0009")
    CredentialParams({"acmeLogin": "login-0009", "acmePass": "pass-0009"}, public=["acmeAccount"])
    assert redact("X-Acme-Key: other-key-9") == "X-Acme-Key: ***"
    assert redact("POST /q/?page=1&acmeLogin=someone-else&acmeAccount=77") == (
        "POST /q/?page=1&acmeLogin=***&acmeAccount=77"
    )
    assert redact('{"x-acme-key": "other-key-9"}') == '{"x-acme-key": "***"}'
    assert is_secret_name("x-acme-key") and is_secret_name("ACMELOGIN") and not is_secret_name("acmeAccount")
    headers = {"X-Acme-Key": "k", "Authorization": "Bearer t", "Accept": "application/json"}
    assert redact_headers(headers) == {
        "X-Acme-Key": "***",
        "Authorization": "***",
        "Accept": "application/json",
    }


def test_public_params_are_sent_but_not_masked() -> None:
    style = CredentialParams({"acmeAccount": "acct-0010", "acmePass": "pass-0010"}, public=["acmeAccount"])
    assert style.secrets == ("pass-0010",) and style.users == ("acct-0010",)
    assert "acct-0010" in redact("account acct-0010")
    assert "acmeaccount" not in style.names


def test_repr_shows_names_never_values() -> None:
    text = repr(CredentialParams({"acmeLogin": "login-0011", "acmePass": "pass-0011"}))
    assert "login-0011" not in text and "pass-0011" not in text and "acmeLogin" in text
    assert "bearer-Tk-0011" not in repr(BearerToken("bearer-Tk-0011"))


# --------------------------------------------------------------------------- through the client


@respx.mock
async def test_an_error_body_echoing_the_key_is_masked_in_the_error() -> None:
    route = respx.get(f"{BASE}/items").mock(
        return_value=httpx.Response(401, text="bad key acme-key-0012 in X-Acme-Key: acme-key-0012")
    )
    async with PlatformClient(
        base_url=BASE, auth=ApiKeyHeader("X-Acme-Key", "acme-key-0012"), policy=ONCE
    ) as c:
        with pytest.raises(AuthError) as raised:
            await c.request("GET", "/items")
    assert route.calls.last.request.headers["X-Acme-Key"] == "acme-key-0012"
    assert "acme-key-0012" not in str(raised.value) and "***" in str(raised.value)


@respx.mock
async def test_httpx_request_lines_carry_no_query_credentials(caplog: pytest.LogCaptureFixture) -> None:
    respx.post(f"{BASE}/order/query/").mock(return_value=httpx.Response(404))
    style = CredentialParams({"acmeLogin": "login-0013", "acmePass": "pass-0013"})
    caplog.set_level(logging.INFO, logger="httpx")
    async with PlatformClient(base_url=BASE, auth=style, policy=ONCE) as c:
        with pytest.raises(FatalError):
            await c.request("POST", "/order/query/", params={"page": 1})
    lines = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert lines and all("login-0013" not in line and "pass-0013" not in line for line in lines)


# --------------------------------------------------------------------------- settings models


class _Store(BaseModel):
    acme_login_ref: SecretStr
    acme_account: str = ""


class _AcmeSettings(PluginSettings):
    acme_signing_code: SecretStr | None = None
    stores: dict[str, _Store] = {}
    label: str = ""


def test_credential_fields_finds_secret_fields_nested_and_optional() -> None:
    assert credential_fields(_AcmeSettings) == {"acme_signing_code", "acme_login_ref"}


def test_a_plugin_settings_class_masks_its_secret_fields_by_name_from_its_creation() -> None:
    """A hook trace may print a settings dict before any configuration registered its values."""
    printed = "settings={'acme_login_ref': 'never-registered-14', 'label': 'PaleoHacks'}"
    assert redact(printed) == "settings={'acme_login_ref': '***', 'label': 'PaleoHacks'}"
    assert redact("Store(acme_signing_code='never-registered-14')") == "Store(acme_signing_code='***')"
