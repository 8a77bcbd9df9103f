"""Checks recorded REST exchanges against the OpenAPI document with openapi-core.

Usage: check_exchanges.py <openapi.yaml> <exchanges.json>

Each exchange is {"method", "path", "query", "status", "content_type", "body"} (the body as
text, or base64 in "body_base64" for binary answers). Every response must be one the
document describes for its operation: a documented status, a documented content type, and a
body that matches the schema. Prints one line per exchange that does not, and exits 1 then.
"""
import base64
import json
import sys

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SERVER = "http://127.0.0.1:4000"


def main() -> int:
    spec_path, exchanges_path = sys.argv[1], sys.argv[2]
    api = OpenAPI.from_file_path(spec_path)
    with open(exchanges_path, encoding="utf-8") as f:
        exchanges = json.load(f)
    failures = []
    for exchange in exchanges:
        args = dict(pair.split("=", 1) if "=" in pair else (pair, "")
                    for pair in exchange.get("query", "").split("&") if pair)
        request = MockRequest(SERVER, exchange["method"].lower(), exchange["path"], args=args)
        if "body_base64" in exchange:
            data = base64.b64decode(exchange["body_base64"])
        else:
            data = exchange["body"].encode("utf-8")
        content_type = exchange.get("content_type") or "application/json"
        response = MockResponse(
            data,
            status_code=exchange["status"],
            content_type=content_type.split(";")[0].strip(),
            headers={},
        )
        try:
            api.validate_response(request, response)
        except Exception as error:  # noqa: BLE001 - every kind of mismatch is reported
            detail = error
            while getattr(detail, "__cause__", None) is not None:
                detail = detail.__cause__
            failures.append(
                f"{exchange['method']} {exchange['path']} -> {exchange['status']} "
                f"{content_type}: {type(error).__name__}: {str(detail)[:500]}; "
                f"body: {exchange.get('body', '')[:300]}"
            )
    for failure in failures:
        print(failure)
    print(f"{len(exchanges)} exchanges checked, {len(failures)} do not conform", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
