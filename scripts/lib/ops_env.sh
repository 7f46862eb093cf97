# Sourced by scripts/soak and scripts/faults: a Neo4j and an RDF mirror of their own (home
# .kg/neo4j-ops, Bolt port KG_OPS_BOLT_PORT, default 7700; mirror .kg/rdf-ops), so a soak or
# fault run never touches the test, benchmark or demo graphs.
ops_port="${KG_OPS_BOLT_PORT:-7700}"
export KG_NEO4J_BOLT_PORT="$ops_port" KG_NEO4J_URI="bolt://127.0.0.1:$ops_port"
export KG_NEO4J_HOME="${KG_OPS_HOME:-$PWD/.kg/neo4j-ops}"
export KG_RDF_STORE="${KG_OPS_RDF_STORE:-$PWD/.kg/rdf-ops}"
unset KG_NEO4J_PASSWORD  # the ops home generates its own
