"""Change-record keys, and why rewriting one relationship type of a node in the mirror is sound."""

from kg.feed.changes import Change, edge_key, split_edge_key, split_node_key
from kg.ontology.mapping import load_mapping
from kg.rdf.sync import EXPORT_THESE_NODES


def test_edge_keys_round_trip_keys_holding_separators() -> None:
    key = "mail:a>b:c"
    assert split_edge_key(edge_key("IN_SEGMENT", "Customer", key)) == (
        "IN_SEGMENT", "Customer", key)
    assert split_node_key("Customer:" + key) == ("Customer", key)


def test_touching_edges_names_no_whole_node() -> None:
    change = Change()
    change.touch_edges("Customer", ["c1", "c2"], "IN_SEGMENT")
    assert change.edges == {"IN_SEGMENT>Customer:c1", "IN_SEGMENT>Customer:c2"}
    assert change.nodes == set()
    other = Change()
    other.update(change)
    assert other.edges == change.edges


def test_each_relationship_type_has_predicates_of_its_own() -> None:
    """The mirror removes a relationship type's triples by predicate; were a predicate shared
    by two types (or a property), it would remove the other's facts too."""
    mapping = load_mapping()
    used = [str(iri) for iri in mapping.relationship_types.values()]
    used += [str(iri) for iri in mapping.aligned_edges.values()]
    assert len(used) > 10
    assert len(set(used)) == len(used)
    properties = {str(iri) for iri in mapping.property_keys.values()}
    properties |= {str(iri) for iri in mapping.aligned_properties.values()}
    assert not properties & set(used)


def test_the_export_query_finds_every_mirrored_label_on_its_key() -> None:
    """The mirror writer finds each node it exports again by one branch per keyed label; a
    label without its branch (or with a wrong key property) would vanish from the mirror."""
    from kg.rdf.mirror import mirrored_keys

    keys = mirrored_keys(load_mapping())
    assert len(keys) > 10
    for label, key in keys.items():
        branch = f"WITH row WHERE row.label = '{label}'\n  MATCH (n:{label} {{{key}: row.key}})"
        assert branch in EXPORT_THESE_NODES, label
