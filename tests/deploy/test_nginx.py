"""The deployment guide's nginx site (deploy/nginx/zhibu.conf) in front of the production profile, for real.

Debian's nginx runs the project's own site file, changed only where a test's paths and ports differ from a
server's: a throwaway self-signed certificate, the static folder, the upstreams' ports and the listening
ports (loopback, IPv4). `nginx -t` must accept it as written for the nginx of the supported system, and
through it, over TLS: the load balancer's /healthz answers, a page comes from gunicorn with the security
headers of a TLS proxy, the login page's style sheet (named by its content) comes from disk kept for a year,
an uploaded file's path is refused, and a WebSocket handshake reaches daphne (which refuses an anonymous
board: 403, not the 404 a plain HTTP request would get).

Needs nginx (`make test` installs Debian's package when it is missing), PostgreSQL and Redis; runs once,
in the SQLite pass (it makes its own database on the shared PostgreSQL).
"""

import datetime
import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.stack import Stack, check_services, free_port  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")),
        reason="runs once, in the SQLite pass (it makes its own database)",
    ),
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (make test installs it)"),
]

MAIN = """
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""


def _certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "zhibu.crt", folder / "zhibu.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return crt, pem


def _site(stack: Stack, folder: Path, http_port: int, https_port: int) -> str:
    """deploy/nginx/zhibu.conf with this test's certificate, static folder, upstreams and ports."""
    crt, key = _certificate(folder)
    site = (ROOT / "deploy" / "nginx" / "zhibu.conf").read_text()
    replacements = {
        "/etc/zhibu/tls/zhibu.crt": str(crt),
        "/etc/zhibu/tls/zhibu.key": str(key),
        "root /var/lib/zhibu;": f"root {stack.tmp};",  # collectstatic wrote <tmp>/static (ZHIBU_STATIC_ROOT)
        "server 127.0.0.1:8001;": f"server 127.0.0.1:{stack.ports['gunicorn']};",
        "server 127.0.0.1:8002;": f"server 127.0.0.1:{stack.ports['daphne']};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/zhibu.conf no longer has {old!r}"
        site = site.replace(old, new)
    return "\n".join(line for line in site.splitlines() if "listen [::]" not in line)


def _https(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the throwaway certificate
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)
    try:
        conn.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        resp = conn.getresponse()
        headers: dict[str, str] = {}
        for k, v in resp.getheaders():  # a header sent twice is one list, as HTTP reads it
            headers[k.lower()] = f"{headers[k.lower()]}, {v}" if k.lower() in headers else v
        return resp.status, headers, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    reason = check_services()
    if reason:
        pytest.skip(f"needs PostgreSQL and Redis on loopback: {reason}")
    folder = tmp_path_factory.mktemp("nginx")
    with Stack() as stack:
        stack.prepare()  # migrate and collectstatic, as the deployment guide's steps do
        stack.start_gunicorn(workers=1, threads=2)
        stack.start_daphne()
        stack.wait_http("gunicorn")
        stack.wait_http("daphne")
        http_port, https_port = free_port(), free_port()
        (folder / "site.conf").write_text(_site(stack, folder, http_port, https_port))
        user = "user root;" if os.geteuid() == 0 else ""  # workers read the test's private folders
        (folder / "main.conf").write_text(MAIN.format(tmp=folder, user=user))
        cmd = [NGINX, "-p", str(folder), "-c", str(folder / "main.conf")]
        test = subprocess.run([*cmd, "-t"], capture_output=True, text=True)
        assert test.returncode == 0, test.stderr
        nginx = subprocess.Popen([*cmd, "-g", "daemon off;"], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    _https(https_port, "/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline or nginx.poll() is not None:
                        raise
                    time.sleep(0.2)
            yield {"http": http_port, "https": https_port}
        finally:
            nginx.terminate()
            nginx.wait(20)


def test_the_load_balancers_check_answers_through_nginx(site):
    status, _, body = _https(site["https"], "/healthz")
    assert (status, body) == (200, b'{"status": "ok"}')


def test_plain_http_is_sent_to_https(site):
    conn = http.client.HTTPConnection("127.0.0.1", site["http"], timeout=10)
    conn.request("GET", "/login/", headers={"Host": "localhost"})
    resp = conn.getresponse()
    assert resp.status == 301 and resp.getheader("Location") == "https://localhost/login/"
    conn.close()


def test_a_page_comes_from_gunicorn_as_behind_a_tls_proxy(site):
    status, headers, body = _https(site["https"], "/login/")
    assert status == 200 and 'name="password"' in body.decode()
    assert headers["strict-transport-security"].startswith("max-age=")  # X-Forwarded-Proto: https arrived
    assert "secure" in headers["set-cookie"].lower()


def test_the_style_sheet_named_by_its_content_is_kept_a_year_and_sent_compressed(site):
    _, _, body = _https(site["https"], "/login/")
    css = re.search(r'href="(/static/zhibu/zhibu\.[0-9a-f]{12}\.css)"', body.decode())
    assert css, "the login page does not name its style sheet by content"
    status, headers, body = _https(site["https"], css[1], {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert headers.get("content-encoding") == "gzip"  # the .gz collectstatic wrote (gzip_static)
    assert headers["cache-control"] == "max-age=315360000, public, immutable"
    # The same file under its plain name: a short cache, to be asked again.
    status, headers, _ = _https(site["https"], "/static/zhibu/zhibu.css")
    assert status == 200 and headers["cache-control"] == "max-age=3600, public"  # expires 1h, and public


def test_uploaded_files_are_not_served_from_disk(site):
    assert _https(site["https"], "/media/jobs/anything.xlsx")[0] == 404


def test_a_websocket_handshake_reaches_daphne(site):
    status, _, _ = _https(
        site["https"],
        "/ws/board/",
        {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Origin": "https://localhost",
        },
    )
    assert status == 403  # daphne refusing an anonymous board; a plain HTTP GET of /ws/board/ is a 404
