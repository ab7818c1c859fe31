"""Print the nginx site for this installation: `python deploy/render_nginx.py --server-name veche.example.ru`.

The body size limit and the static folder come from veche itself, so nginx and the app agree.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def render(server_name: str, certificate: str, certificate_key: str, upstream: str = "127.0.0.1:8000",
           https_listen: str = "443", http_listen: str = "80", static: str | None = None,
           max_upload_bytes: int | None = None, proxy_headers: str | None = None) -> str:
    """The site's text with every @NAME@ filled."""
    if static is None:
        from voting.core.resources import resource_dir

        static = str(resource_dir("static"))
    if max_upload_bytes is None:
        from voting.core.config import from_environment

        max_upload_bytes = from_environment("/nonexistent", {**os.environ, "VECHE_ENV": "development"})[
            "MAX_CONTENT_LENGTH"]
    values = {"SERVER_NAME": server_name, "CERTIFICATE": certificate, "CERTIFICATE_KEY": certificate_key,
              "UPSTREAM": upstream, "HTTPS_LISTEN": https_listen, "HTTP_LISTEN": http_listen, "STATIC": static,
              "MAX_BODY": f"{math.ceil(max_upload_bytes / 1024)}k",
              "PROXY_HEADERS": proxy_headers or str(HERE / "nginx" / "proxy_headers.conf")}
    text = (HERE / "nginx" / "veche.conf.in").read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    assert not re.search(r"@[A-Z_]+@", text), "a placeholder was left"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-name", required=True)
    parser.add_argument("--certificate", default="/etc/ssl/veche/fullchain.pem")
    parser.add_argument("--certificate-key", default="/etc/ssl/veche/privkey.pem")
    parser.add_argument("--upstream", default="127.0.0.1:8000")
    parser.add_argument("--proxy-headers", default="/etc/nginx/snippets/veche_proxy_headers.conf")
    args = parser.parse_args()
    print(render(args.server_name, args.certificate, args.certificate_key, args.upstream,
                 proxy_headers=args.proxy_headers), end="")


if __name__ == "__main__":
    main()
