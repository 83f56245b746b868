"""HTTPS: the certificate is checked for the URL's host name, though we connect to a vetted IP."""

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fetching import FetchTLSError, fetch_page, transport

x509 = pytest.importorskip("cryptography.x509")
hashes = pytest.importorskip("cryptography.hazmat.primitives.hashes")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
ec = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ec")


def _name(common_name):
    return x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, signing_key, extensions):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture(scope="module")
def test_ca():
    """A throwaway certificate authority: (certificate, private key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = _certificate(
        _name("price-monitor test CA"),
        _name("price-monitor test CA"),
        key.public_key(),
        key,
        [
            (x509.BasicConstraints(ca=True, path_length=None), True),
            (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True),
            (ski, False),
        ],
    )
    return certificate, key


@pytest.fixture
def tls_site(tmp_path, test_ca):
    """Start an HTTPS server on 127.0.0.1 whose certificate names ``hostname``."""
    servers = []

    def start(hostname):
        ca_certificate, ca_key = test_ca
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = _certificate(
            _name(hostname),
            ca_certificate.subject,
            key.public_key(),
            ca_key,
            [
                (x509.SubjectAlternativeName([x509.DNSName(hostname)]), False),
                (x509.BasicConstraints(ca=False, path_length=None), True),
                (x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False),
                (
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                    False,
                ),
            ],
        )
        cert_file, key_file = tmp_path / "site.pem", tmp_path / "site.key"
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        seen = {"sni": [], "host": []}
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def do_GET(self):
                seen["host"].append(self.headers["Host"])
                body = b"<p>secure 19,99</p>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.handle_error = lambda request, address: None  # refused handshakes are expected
        # Handshake in the handler thread, so a refused one cannot stall the accept loop.
        server.socket = context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        servers.append(server)
        return server.server_address[1], seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def trust_test_ca(monkeypatch, test_ca):
    pem = test_ca[0].public_bytes(serialization.Encoding.PEM).decode()
    context = ssl.create_default_context(cadata=pem)
    monkeypatch.setattr(transport, "tls_context", lambda: context)


def fetch_shop(port, **options):
    host = f"shop.test:{port}"
    return fetch_page(
        f"https://{host}/p/1",
        allowed_hosts=[host],
        resolver=lambda name: ["127.0.0.1"],
        timeout=2.0,
        **options,
    )


def test_https_checks_the_certificate_for_the_url_host_while_connecting_to_the_vetted_ip(
    tls_site, trust_test_ca
):
    port, seen = tls_site("shop.test")
    result = fetch_shop(port)
    assert (result.status, result.text) == (200, "<p>secure 19,99</p>")
    assert seen == {"sni": ["shop.test"], "host": [f"shop.test:{port}"]}


def test_certificate_for_another_host_is_refused(tls_site, trust_test_ca):
    port, seen = tls_site("other.test")
    with pytest.raises(FetchTLSError):
        fetch_shop(port)
    assert seen["host"] == []


def test_certificate_from_an_untrusted_authority_is_refused(tls_site):
    port, seen = tls_site("shop.test")
    with pytest.raises(FetchTLSError, match="certificate"):
        fetch_shop(port)
    assert seen["host"] == []
