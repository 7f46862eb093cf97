from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kg_api.webapp import CONTENT_SECURITY_POLICY, mount_web_app


def test_the_built_app_is_served_at_app_with_a_same_origin_policy(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    (tmp_path / "assets" / "index.js").write_text("console.log(1)")
    app = FastAPI()
    mount_web_app(app, tmp_path)
    client = TestClient(app)
    root = client.get("/", follow_redirects=False)
    assert root.status_code == 307 and root.headers["location"] == "/app/"
    assert "content-security-policy" not in root.headers  # outside /app: passed through
    page = client.get("/app/")
    assert page.status_code == 200 and "<title>app</title>" in page.text
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    script = client.get("/app/assets/index.js")
    assert script.status_code == 200 and script.headers["x-content-type-options"] == "nosniff"
    assert client.get("/app/assets/missing.js").status_code == 404


def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    app = FastAPI()
    mount_web_app(app, tmp_path / "dist")
    page = TestClient(app).get("/app/")
    assert page.status_code == 503
    assert "scripts/setup" in page.text
