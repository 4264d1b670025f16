"""A strict client generated from openapi.yaml (openapi-python-client) installs, types decimals
as str, and reads real answers: a product lookup and a batch resolve against a live server on
an ephemeral loopback port."""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import ROOT

WATER = "09506000134352"
#: openapi-python-client reads raw binary bodies as application/octet-stream only; the spec
#: lists each image type /v1/scans takes (and label.svg sends), and this maps them for the
#: generator.
CONFIG = "post_hooks: []\ncontent_type_overrides:\n" + "".join(
    f"  image/{kind}: application/octet-stream\n"
    for kind in ("jpeg", "png", "webp", "bmp", "gif", "tiff", "heic", "heif", "svg+xml")
)


@pytest.fixture
def server(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def generated(tmp_path):
    """The client package, generated from openapi.yaml (warnings fail) and pip-installed."""
    (tmp_path / "config.yaml").write_text(CONFIG)
    bin_dir = ROOT / ".venv" / "bin"
    generator = bin_dir / "openapi-python-client"
    command = (
        [str(generator)] if generator.exists() else [sys.executable, "-m", "openapi_python_client"]
    )
    subprocess.run(
        [*command, "generate", "--path", str(ROOT / "openapi.yaml"), "--meta", "setup",
         "--config", str(tmp_path / "config.yaml"), "--output-path", str(tmp_path / "client"),
         "--fail-on-warning"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(tmp_path / "client")],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    sys.path.insert(0, str(site))
    try:
        yield importlib.import_module("tanji_api_client")
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m.split(".")[0] == "tanji_api_client"]:
            del sys.modules[name]


def test_generated_client_installs_types_decimals_as_str_and_reads_answers(generated, server):
    package = generated.__name__
    models = importlib.import_module(f"{package}.models")
    # Annotations as written in the generated models (they postpone evaluation).
    for model, field in ((models.Pcf, "value"), (models.Pcf, "declared_unit_amount"),
                         (models.Footprint, "value"), (models.Factor, "value")):  # fmt: skip
        assert model.__annotations__[field] in ("str", str), (model, field)

    client = generated.Client(base_url=server, raise_on_unexpected_status=True)
    lookup = importlib.import_module(f"{package}.api.products.get_v1_products_gtin")
    product = lookup.sync(gtin=WATER, client=client)
    assert isinstance(product, models.ProductFootprint), product
    assert product.gtin == WATER
    assert isinstance(product.certificate.pcf.value, str) and product.certificate.pcf.value
    assert isinstance(product.footprint, models.Footprint)
    assert product.footprint.value == product.certificate.pcf.value
    assert product.names.zh_cn and product.names.en

    resolve = importlib.import_module(f"{package}.api.resolve.post_v1_resolve")
    body = models.ResolveBatchRequest(codes=[WATER, "not a code"])
    batch = resolve.sync(client=client, body=body)
    assert isinstance(batch, models.BatchResponse), batch
    assert (batch.count, batch.resolved) == (2, 1)
    found, refused = batch.results
    assert found.ok and found.result.product.gtin == WATER and found.error is None
    assert not refused.ok and refused.result is None
    assert refused.error.code == 400 and refused.error.errors.reason == "not_a_code"

    missing = lookup.sync_detailed(gtin="00200000000011", client=client)
    assert missing.status_code == 404
    assert missing.parsed.errors.reason == "not_found"
