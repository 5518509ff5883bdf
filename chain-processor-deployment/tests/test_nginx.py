"""The web image's nginx configuration passes `nginx -t`, as baked into the image and as
the chart mounts it (upstream = the release's API Service)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT, documents, render, run

NGINX = ROOT / "docker/nginx"


@pytest.fixture(scope="module")
def nginx_root() -> Path:
    root = Path(os.environ.get("CP_NGINX_ROOT", ""))
    if not (root / "usr/sbin/nginx").is_file():
        pytest.fail("nginx not unpacked: run scripts/test.sh (it sets CP_NGINX_ROOT)")
    return root


def nginx_test(nginx_root: Path, server_conf: str, prefix: Path) -> str:
    """Lay the image's files out under prefix (paths rewritten) and run nginx -t."""
    for folder in ("conf.d", "snippets", "tmp"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    main = (
        (NGINX / "nginx.conf")
        .read_text()
        .replace("/tmp/", f"{prefix}/tmp/")
        .replace("/etc/nginx/conf.d/", f"{prefix}/conf.d/")
        .replace("/etc/nginx/mime.types", f"{nginx_root}/etc/nginx/mime.types")
    )
    (prefix / "nginx.conf").write_text(main)
    # nginx -t resolves upstream names: point them at a local address.
    server = server_conf.replace("/etc/nginx/snippets/", f"{prefix}/snippets/")
    server = server.replace("server api:8000;", "server 127.0.0.1:8000;")
    server = server.replace("server cp-chain-processor-api:8000;", "server 127.0.0.1:8000;")
    (prefix / "conf.d/default.conf").write_text(server)
    (prefix / "snippets/security-headers.conf").write_text(
        (NGINX / "security-headers.conf").read_text()
    )
    result = run(
        [
            nginx_root / "usr/sbin/nginx",
            "-t",
            "-p",
            prefix,
            "-c",
            prefix / "nginx.conf",
            "-e",
            "stderr",
        ]
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_image_configuration(nginx_root: Path, tmp_path: Path) -> None:
    output = nginx_test(nginx_root, (NGINX / "default.conf").read_text(), tmp_path)
    assert "syntax is ok" in output


def test_chart_configuration(nginx_root: Path, tmp_path: Path) -> None:
    from conftest import ci_values

    docs = documents(render(ci_values("external")))
    config = next(
        d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-web")
    )
    conf = config["data"]["default.conf"]
    assert "server cp-chain-processor-api:8000;" in conf and "server api:8000;" not in conf
    nginx_test(nginx_root, conf, tmp_path)


def test_every_location_keeps_the_security_headers() -> None:
    """nginx drops the server's add_header in a location that has its own add_header."""
    conf = (NGINX / "default.conf").read_text()
    for block in conf.split("location")[1:]:
        body = block.split("}")[0]
        if "add_header" in body:
            assert "include /etc/nginx/snippets/security-headers.conf;" in body, block[:40]
