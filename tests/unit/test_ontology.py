import ast
import importlib
import re
import shutil
from pathlib import Path

import pytest
import rdflib

from kg.analyst_questions import QUESTIONS
from kg.errors import OntologyError
from kg.ontology.check import check_ontology
from kg.ontology.docs import render_html, render_markdown
from kg.ontology.files import OntologyFiles, default_ontology_dir, load_vocabulary, parse_turtle
from kg.ontology.mapping import GraphMapping, build_mapping, load_mapping, upper_snake
from kg.ontology.namespaces import CKG
from kg.ontology.reasoning import check_consistency
from kg.ontology.shapes import validate_instances

FILES = OntologyFiles(default_ontology_dir())
ROOT = Path(__file__).resolve().parents[2]
# Folders of Python in the checkout, with the package each is imported as.
PYTHON_FOLDERS = {"kg": "kg", "api": "kg_api", "bench": "bench", "training": "training",
                  "tests": "tests"}
CYPHER_START = re.compile(r"\s*(MATCH|OPTIONAL MATCH|MERGE|CREATE|UNWIND|CALL|RETURN|WITH|SHOW)\b")


@pytest.fixture
def ontology_copy(tmp_path: Path) -> OntologyFiles:
    shutil.copytree(FILES.folder, tmp_path / "ontology")
    return OntologyFiles(tmp_path / "ontology")


def test_upper_snake_case_of_object_properties() -> None:
    assert upper_snake("hasIdentity") == "HAS_IDENTITY"
    assert upper_snake("partOfCase") == "PART_OF_CASE"


def test_mapping_covers_the_product_vocabulary() -> None:
    mapping = load_mapping()
    for label in ("Customer", "Identity", "Consent", "Channel", "Touchpoint", "Interaction",
                  "Case", "Journey", "Concept", "Entity", "Mention", "Opinion", "Emotion",
                  "Intent", "Segment"):
        assert label in mapping.labels
    assert mapping.relationship_types["HAS_IDENTITY"] == CKG.hasIdentity
    assert mapping.key_of("Post") == "interactionId"
    assert mapping.labels_of("Competitor") == ["Competitor", "Organisation", "Entity"]


def test_constraints_cover_the_keys_of_core_labels() -> None:
    constrained = {(c.label, c.key) for c in load_mapping().constraints}
    for pair in (("Customer", "customerId"), ("Identity", "identityId"),
                 ("Interaction", "interactionId"), ("Concept", "conceptId"),
                 ("Entity", "entityId"), ("Channel", "channelId")):
        assert pair in constrained


def test_node_iris_are_minted_from_label_and_key() -> None:
    mapping = load_mapping()
    assert str(mapping.node_iri("Post", "twcs:1 2")) == (
        "https://w3id.org/customer-kg/id/interaction/twcs%3A1%202")
    assert str(mapping.node_iri("Concept", "refund")) == (
        "https://w3id.org/customer-kg/concept/refund")
    assert str(mapping.node_iri("IntentCategory", "churn_risk")) == (
        "https://w3id.org/customer-kg/ref/intent-churn-risk")


def test_unknown_names_are_refused() -> None:
    mapping = load_mapping()
    with pytest.raises(OntologyError, match="Custmer"):
        mapping.require_label("Custmer")
    with pytest.raises(OntologyError, match="HAS_FRIEND"):
        mapping.edge_iri("HAS_FRIEND")


def _module_of(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = [PYTHON_FOLDERS[folder], *rest]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _python_files() -> list[Path]:
    return sorted(p for folder in PYTHON_FOLDERS for p in (ROOT / folder).rglob("*.py"))


def cypher_constants() -> dict[str, str]:
    """Every module-level ``NAME: Final[LiteralString]`` of the checkout (shipped code, tooling
    and tests), by ``module.NAME``, with its value as the module builds it (fragments joined)."""
    found: dict[str, str] = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = [node.target.id for node in tree.body
                 if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                 and ast.unparse(node.annotation) == "Final[LiteralString]"]
        if names:
            module = importlib.import_module(_module_of(path))
            found.update({f"{module.__name__}.{name}": getattr(module, name) for name in names})
    return found


def _cypher_statements() -> dict[str, str]:
    """The named Cypher constants wherever they live, and the analyst questions' Cypher."""
    return {**cypher_constants(), **{f"question {q.name}": q.cypher for q in QUESTIONS}}


def test_the_scan_finds_cypher_wherever_it_lives() -> None:
    names = set(cypher_constants())
    for name in ("kg.feed.changes.LOCK_FEED", "kg.ingestion.statements.MERGE_INTERACTIONS",
                 "kg_api.routes.insights.CONCEPT_EXISTS", "kg_api.routes.customers.CUSTOMER_VIEW",
                 "training.similarity_eval.SUMMARY_CONCEPTS", "bench.graphs.DELETE_ALL",
                 "tests.integration.graph_state.FORGET_DERIVED"):
        assert name in names, name
    assert len(names) > 150


def test_no_cypher_is_written_inline() -> None:
    """Cypher is a named ``Final[LiteralString]`` constant (which the vocabulary check reads),
    never a string literal handed straight to a call. (An analyst question's ``cypher=`` is
    read through :data:`~kg.analyst_questions.QUESTIONS`.)"""
    inline = []
    for path in _python_files():
        if path.is_relative_to(ROOT / "tests"):
            continue  # tests may write a statement where they assert on it
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            keywords = [k.value for k in call.keywords if k.arg != "cypher"]
            for argument in [*call.args, *keywords]:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str) \
                        and CYPHER_START.match(argument.value):
                    inline.append(f"{path.relative_to(ROOT)}:{argument.lineno}")
    assert inline == []


def unknown_names(statement: str, mapping: GraphMapping) -> list[str]:
    """Labels, relationship types and property keys in a Cypher statement that the ontology
    does not define."""
    unknown: list[str] = []
    for label in re.findall(r"\(\w*:(\w+)", statement):
        if label not in mapping.labels:
            unknown.append(f"label {label}")
    for rels in re.findall(r"\[\w*:([\w|]+)", statement):
        unknown += [f"relationship {rel}" for rel in rels.split("|")
                    if rel not in mapping.relationship_types]
    for variable, key in re.findall(r"\b([a-z]\w*)\.([a-z]\w*)\b", statement):
        # row.x reads a parameter field; duration.x and friends are Cypher functions,
        # apoc.x and db.x procedure namespaces, vector.x and fulltext.x index settings
        if variable not in {"row", "duration", "datetime", "date", "apoc", "db", "vector",
                            "fulltext"} \
                and key not in mapping.property_keys:
            unknown.append(f"property {key}")
    for key in re.findall(r"[{,]\s*([a-z]\w*):\s*(?:\$|row\.)", statement):
        if key not in mapping.property_keys:
            unknown.append(f"property {key}")
    return unknown


def test_cypher_in_code_uses_only_ontology_names() -> None:
    mapping = load_mapping()
    statements = {name: s for name, s in _cypher_statements().items()
                  if not s.lstrip().startswith("SHOW")}
    assert len(statements) > 150, "the scan found too few statements"
    unknown = {name: found for name, s in statements.items()
               if (found := unknown_names(s, mapping))}
    assert unknown == {}


def test_vocabulary_check_catches_a_made_up_name() -> None:
    mapping = load_mapping()
    bad = ("MATCH (c:Customer)-[:HAS_FRIEND|HAS_IDENTITY]->(x:Buddy) "
           "WHERE c.nickname = $n MERGE (y:Customer {shoeSize: $s}) RETURN c.displayName")
    assert unknown_names(bad, mapping) == [
        "label Buddy", "relationship HAS_FRIEND", "property nickname", "property shoeSize"]


def test_the_shipped_ontology_passes_its_check() -> None:
    report = check_ontology(FILES)
    assert report.concepts >= 60
    assert report.top_concepts >= 10
    assert report.shapes.conforms, report.shapes.violations


def test_hermit_finds_an_individual_of_disjoint_classes() -> None:
    vocabulary = load_vocabulary(FILES)
    node = rdflib.URIRef("https://w3id.org/customer-kg/id/customer/c-9")
    vocabulary.add((node, rdflib.RDF.type, CKG.Customer))
    vocabulary.add((node, rdflib.RDF.type, CKG.Interaction))
    with pytest.raises(OntologyError, match="inconsistent"):
        check_consistency(vocabulary)


def test_hermit_applies_domains_and_disjointness() -> None:
    vocabulary = load_vocabulary(FILES)
    interaction = rdflib.URIRef("https://w3id.org/customer-kg/id/interaction/i-1")
    vocabulary.add((interaction, rdflib.RDF.type, CKG.Interaction))
    # hasIdentity's domain is Customer, and Customer is disjoint with Interaction
    vocabulary.add((interaction, CKG.hasIdentity,
                    rdflib.URIRef("https://w3id.org/customer-kg/id/identity/x")))
    with pytest.raises(OntologyError, match="inconsistent"):
        check_consistency(vocabulary)


def test_shapes_report_a_failing_sample() -> None:
    vocabulary = load_vocabulary(FILES)
    sample = parse_turtle(FILES.folder / "examples" / "sample.ttl")
    interaction = rdflib.URIRef("https://w3id.org/customer-kg/id/interaction/twcs%3A1")
    sample.remove((interaction, CKG.occurredAt, None))
    sample.set((interaction, CKG.direction, rdflib.Literal("sideways")))
    report = validate_instances(sample, parse_turtle(FILES.shapes), vocabulary)
    assert not report.conforms
    joined = "\n".join(report.violations)
    assert "occurredAt" in joined
    assert "direction" in joined
    assert len(report.violations) == 2


def test_turtle_syntax_error_names_file_and_line(ontology_copy: OntologyFiles) -> None:
    lines = ontology_copy.concepts.read_text().splitlines()
    lines[20] = lines[20] + " ;;; oops"
    ontology_copy.concepts.write_text("\n".join(lines) + "\n")
    with pytest.raises(OntologyError) as caught:
        load_vocabulary(ontology_copy)
    assert f"{ontology_copy.concepts}:" in str(caught.value)
    assert caught.value.line is not None and 18 <= caught.value.line <= 24


def test_undocumented_term_names_file_line_and_term(ontology_copy: OntologyFiles) -> None:
    text = ontology_copy.ontology.read_text()
    text = text.replace('rdfs:label "Touchpoint"@en ;', "")
    ontology_copy.ontology.write_text(text)
    with pytest.raises(OntologyError) as caught:
        check_ontology(ontology_copy)
    assert caught.value.term == "ckg:Touchpoint"
    assert caught.value.path == str(ontology_copy.ontology)
    assert caught.value.line is not None
    assert "Touchpoint" in ontology_copy.ontology.read_text().splitlines()[caught.value.line - 1]


def test_broken_broader_link_names_the_concept(ontology_copy: OntologyFiles) -> None:
    text = ontology_copy.concepts.read_text()
    text = text.replace("skos:broader ckc:billing-pricing ;\n    skos:prefLabel \"overcharge\"",
                        "skos:broader ckc:billing-pricin ;\n    skos:prefLabel \"overcharge\"")
    ontology_copy.concepts.write_text(text)
    with pytest.raises(OntologyError, match="undefined concept") as caught:
        check_ontology(ontology_copy)
    assert caught.value.term == "ckc:overcharge"


def test_graph_key_to_undefined_property_is_refused(ontology_copy: OntologyFiles) -> None:
    text = ontology_copy.ontology.read_text().replace("ckg:graphKey ckg:caseId",
                                                      "ckg:graphKey ckg:caseNumber")
    ontology_copy.ontology.write_text(text)
    with pytest.raises(OntologyError, match="graphKey") as caught:
        build_mapping(load_vocabulary(ontology_copy), ontology_copy.ontology)
    assert caught.value.term == "Case"


def test_docs_contain_classes_relationships_and_the_concept_tree() -> None:
    vocabulary = load_vocabulary(FILES)
    markdown = render_markdown(vocabulary, build_mapping(vocabulary))
    assert "| `Customer` | `customerId` |" in markdown
    assert "| `HAS_IDENTITY` | `ckg:hasIdentity` |" in markdown
    assert "- **billing and pricing** (`billing-pricing`)" in markdown
    assert "  - **overcharge** (`overcharge`) — " in markdown
    html = render_html(markdown)
    assert "<table>" in html and "<code>HAS_IDENTITY</code>" in html
