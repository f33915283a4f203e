# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every transport failure says first what happened, then the redacted URL once: against real sockets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.msp.antivirus.plugins.module_utils.errors import TransportError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import REDACTED, HttpClient, Redactor
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Drop, Reply, Reset

KEY = "SECRETKEY123"
PARAMS = {"apikey": KEY, "service": "list_clients"}
# How the URL of every request here reads in a message.
QUERY_SHOWN = "?apikey={0}&service=list_clients".format(REDACTED)
TLS_HINT = "Check the server option, or set validate_certs=false only for a host you trust"
NETWORK_HINT = "Check the server option, the network path to it (DNS, proxy, firewall), and the timeout and retries"
# What a message may add to the URL: the reason, the service, the attempts and what to check.
MAX_MESSAGE_BEYOND_URL = 330


def request_error(url, timeout=5):
    """The TransportError of one GET of ``url`` with the key in its query, no retry."""
    client = HttpClient("N-sight", "server", timeout=timeout, retries=0,
                        redactor=Redactor(secrets=[KEY], query_keys=["apikey"]))
    with pytest.raises(TransportError) as raised:
        client.request("GET", url, params=PARAMS)
    client.close()
    return raised.value


def assert_message(error, url, reason, cause, hint=NETWORK_HINT):
    message = str(error)
    shown_url = url + QUERY_SHOWN
    assert message.startswith(reason), message
    assert message.count(url) == 1 and shown_url in message, message
    assert hint in message
    assert KEY not in message and KEY not in repr(error.details)
    assert "Max retries exceeded" not in message and "ConnectionPool" not in message
    assert len(message) - len(shown_url) <= MAX_MESSAGE_BEYOND_URL, message
    assert error.details["url"] == shown_url
    assert error.cause == cause


# --------------------------------------------------------------------------- certificates and a TLS server

def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def certificate(name, key, issuer=None, issuer_key=None, ca=False, expired=False):
    """A certificate for ``name`` (a host name or an IP address), signed by ``issuer`` or by itself,
    with the extensions a strict verifier (Python 3.13's VERIFY_X509_STRICT) wants."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name = issuer.subject if issuer is not None else subject
    signer = issuer_key or key
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = (now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)) if expired else (
        now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1))
    try:
        alt_name = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        alt_name = x509.DNSName(name)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, key_cert_sign=ca, crl_sign=ca,
                                            content_commitment=False, key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, encipher_only=False, decipher_only=False),
                              critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                              critical=False))
    if not ca:
        builder = (builder.add_extension(x509.SubjectAlternativeName([alt_name]), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    return builder.sign(signer, hashes.SHA256())


def write_pem(path, cert, key=None):
    data = cert.public_bytes(serialization.Encoding.PEM)
    if key is not None:
        data += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def trusted_ca(tmp_path, monkeypatch):
    """(certificate, key) of a CA that requests trusts (REQUESTS_CA_BUNDLE), so that a server certificate it
    signs fails verification for its own fault alone."""
    key = new_key()
    cert = certificate("msp.antivirus test CA", key, ca=True)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", write_pem(tmp_path / "ca.pem", cert))
    return cert, key


@pytest.fixture
def tls_server(tmp_path):
    """start(certificate, key) -> the port of a TLS server on 127.0.0.1 that offers that certificate to one
    client. A client that refuses it ends the handshake, so the server needs to speak no HTTP."""
    threads = []

    def start(cert, key):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(write_pem(tmp_path / "server.pem", cert, key))
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(10)

        def serve_one():
            with listener:
                try:
                    connection = listener.accept()[0]
                    with context.wrap_socket(connection, server_side=True):
                        pass
                except OSError:  # the client's alert, or no client at all
                    pass

        thread = threading.Thread(target=serve_one, daemon=True)
        thread.start()
        threads.append(thread)
        return listener.getsockname()[1]

    yield start
    for thread in threads:
        thread.join(10)


# --------------------------------------------------------------------------- TLS

def test_self_signed_certificate(tls_server):
    key = new_key()
    url = "https://127.0.0.1:{0}/api/".format(tls_server(certificate("127.0.0.1", key), key))
    error = request_error(url)
    assert_message(error, url, "TLS certificate verification failed (self-signed certificate) for N-sight at " + url,
                   "tls", TLS_HINT)
    assert error.retryable is False


def test_expired_certificate(tls_server, trusted_ca):
    key = new_key()
    url = "https://127.0.0.1:{0}/api/".format(tls_server(certificate("127.0.0.1", key, *trusted_ca, expired=True), key))
    error = request_error(url)
    assert_message(error, url, "TLS certificate verification failed (certificate has expired) for N-sight at " + url,
                   "tls", TLS_HINT)
    assert error.retryable is False


def test_certificate_for_another_host_name(tls_server, trusted_ca):
    # Signed by a trusted CA and valid: only its name is wrong (OpenSSL checks the issuer first).
    key = new_key()
    url = "https://127.0.0.1:{0}/api/".format(tls_server(certificate("api.example.com", key, *trusted_ca), key))
    error = request_error(url)
    assert_message(error, url, "TLS certificate verification failed (host name mismatch: the certificate is not "
                   "for 127.0.0.1) for N-sight at " + url, "tls", TLS_HINT)
    assert error.retryable is False


def test_certificate_of_an_unknown_issuer(tls_server, trusted_ca):
    other_ca_key = new_key()
    other_ca = certificate("another CA", other_ca_key, ca=True)
    key = new_key()
    url = "https://127.0.0.1:{0}/api/".format(tls_server(certificate("127.0.0.1", key, other_ca, other_ca_key), key))
    assert_message(request_error(url), url, "TLS certificate verification failed (unable to get local issuer "
                   "certificate: the issuing CA is not trusted) for N-sight at " + url, "tls", TLS_HINT)


# --------------------------------------------------------------------------- connections

def test_connection_refused():
    # A port bound but never listened on refuses every connection, and no other process can take it meanwhile.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = "http://127.0.0.1:{0}/api/".format(closed.getsockname()[1])
        error = request_error(url)
    assert_message(error, url, "Connection refused: the request to N-sight at " + url, "refused")
    assert "failed after 1 attempt(s)." in str(error)
    assert (error.retryable, error.outcome_unknown) == (True, False)


def test_host_name_does_not_resolve():
    # .invalid never resolves (RFC 6761).
    url = "https://no-such-host.invalid/api/"
    error = request_error(url)
    assert_message(error, url, "The host name does not resolve: the request to N-sight at " + url, "dns")
    assert error.outcome_unknown is False


def test_no_answer_in_time():
    # The kernel accepts connections to a listening socket that is never accept()ed, and nothing answers.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = "http://127.0.0.1:{0}/api/".format(silent.getsockname()[1])
        error = request_error(url, timeout=0.3)
    assert_message(error, url, "No complete answer within 0.3 s: the request to N-sight at " + url, "timeout")
    assert error.outcome_unknown is True


def test_connection_reset(local_server):
    local_server.script(Reset())
    url = local_server.url + "/api/"
    error = request_error(url)
    assert_message(error, url, "Connection reset: the request to N-sight at " + url, "reset")
    assert (error.retryable, error.outcome_unknown) == (True, True)


def test_connection_closed_without_an_answer(local_server):
    local_server.script(Drop())
    url = local_server.url + "/api/"
    error = request_error(url)
    assert_message(error, url, "Connection closed without an answer: the request to N-sight at " + url, "reset")
    assert (error.retryable, error.outcome_unknown) == (True, True)


def test_answer_that_cannot_be_decoded(local_server):
    local_server.script(Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    url = local_server.url + "/api/"
    assert_message(request_error(url), url, "The answer could not be decoded (Error -3 while decompressing data: "
                   "incorrect header check): the request to N-sight at " + url, "body")
