import pytest

from kefu.webhooks.signing import (
    SignatureError,
    compute_signature,
    parse_signature_header,
    signature_header,
    verify_signature,
)

SECRET = "whsec_test-secret"
BODY = '{"type":"message.created","data":{"body":"充值没有到账"}}'.encode()


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    # Computed independently: printf '1700000000.{...}' | openssl dgst -sha256 -hmac whsec_test-secret
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert compute_signature(SECRET, 1700000000, BODY) == expected
    assert signature_header(SECRET, BODY, 1700000000) == f"t=1700000000,v1={expected}"


def test_a_valid_signature_verifies_and_returns_the_timestamp():
    header = signature_header(SECRET, BODY, 1700000000)
    assert verify_signature(SECRET, BODY, header, now=1700000100) == 1700000000


@pytest.mark.parametrize("secret, body", [("whsec_other", BODY), (SECRET, BODY + b" ")])
def test_wrong_secret_or_changed_body_is_refused(secret, body):
    header = signature_header(SECRET, BODY, 1700000000)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(secret, body, header, now=1700000000)


def test_an_old_timestamp_is_refused_as_a_replay():
    header = signature_header(SECRET, BODY, 1700000000)
    with pytest.raises(SignatureError, match="tolerance"):
        verify_signature(SECRET, BODY, header, now=1700000000 + 301)


def test_any_of_several_v1_signatures_may_match_during_secret_rotation():
    good = compute_signature(SECRET, 1700000000, BODY)
    header = f"t=1700000000,v1={'0' * 64},v1={good}"
    assert parse_signature_header(header) == (1700000000, ["0" * 64, good])
    assert verify_signature(SECRET, BODY, header, now=1700000000) == 1700000000


@pytest.mark.parametrize("header", ["", "v1=abc", "t=notanumber,v1=abc", "t=1700000000"])
def test_malformed_headers_are_refused(header):
    with pytest.raises(SignatureError, match="needs t="):
        verify_signature(SECRET, BODY, header, now=1700000000)
