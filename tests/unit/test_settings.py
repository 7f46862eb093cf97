from pathlib import Path

import pytest
from pydantic import ValidationError

from kg.settings import load_settings


def test_environment_variables_with_prefix_override_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KG_NEO4J_URI", "neo4j+s://abc.databases.example:7687")
    monkeypatch.setenv("KG_NEO4J_USER", "analyst")
    monkeypatch.setenv("KG_NEO4J_PASSWORD", "s3cret-pass")
    monkeypatch.setenv("KG_NEO4J_DATABASE", "crm")
    settings = load_settings()
    assert settings.neo4j_uri == "neo4j+s://abc.databases.example:7687"
    assert settings.neo4j_user == "analyst"
    assert settings.neo4j_password is not None
    assert settings.neo4j_password.get_secret_value() == "s3cret-pass"
    assert settings.neo4j_database == "crm"


def test_password_never_appears_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_NEO4J_PASSWORD", "s3cret-pass")
    assert "s3cret-pass" not in repr(load_settings())


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("KG_NEO4J_URI", "KG_NEO4J_BOLT_PORT"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text("KG_NEO4J_URI=bolt://10.1.2.3:7999\nKG_NEO4J_BOLT_PORT=7999\n")
    settings = load_settings()
    assert settings.neo4j_uri == "bolt://10.1.2.3:7999"
    assert settings.neo4j_bolt_port == 7999


def test_unset_password_means_local_generated_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KG_NEO4J_PASSWORD", raising=False)
    assert load_settings().neo4j_password is None


@pytest.mark.parametrize("uri", ["http://localhost:7474", "localhost:7687", "bolt//x"])
def test_uri_without_a_bolt_or_neo4j_scheme_is_refused(uri: str) -> None:
    with pytest.raises(ValidationError, match="must start with one of"):
        load_settings(neo4j_uri=uri)


@pytest.mark.parametrize("size", ["1gb", "lots", "512", "-1g"])
def test_memory_sizes_are_validated(size: str) -> None:
    with pytest.raises(ValidationError, match="not a memory size"):
        load_settings(neo4j_heap=size)


def test_port_range_is_validated() -> None:
    with pytest.raises(ValidationError):
        load_settings(neo4j_bolt_port=70000)


def test_ontology_dir_setting_points_every_reader_at_another_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from kg.ontology.concept_labels import concept_labels
    from kg.ontology.files import default_ontology_dir

    shipped = default_ontology_dir()
    copy = tmp_path / "ontology"
    shutil.copytree(shipped, copy)
    concepts = copy / "concepts.ttl"
    concepts.write_text(concepts.read_text().replace('"refund"@en', '"cash handed back"@en', 1))
    monkeypatch.setenv("KG_ONTOLOGY_DIR", str(copy))
    assert default_ontology_dir() == copy
    assert "cash handed back" in concept_labels()["refund"]
    monkeypatch.delenv("KG_ONTOLOGY_DIR")
    assert default_ontology_dir() == shipped
    assert "cash handed back" not in concept_labels()["refund"]


def test_without_the_setting_the_ontology_is_the_packages_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The default is package data beside ``kg.ontology``, the same in a checkout and a wheel."""
    import kg.ontology
    from kg.ontology.files import default_ontology_dir

    monkeypatch.delenv("KG_ONTOLOGY_DIR", raising=False)
    folder = default_ontology_dir()
    assert folder == Path(kg.ontology.__file__).parent / "data"
    assert sorted(p.name for p in folder.glob("*.ttl")) == [
        "categories.ttl", "concepts.ttl", "customer-kg.ttl", "shapes.ttl"]
