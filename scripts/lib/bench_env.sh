# Sourced by scripts/bench_load, bench_api, bench_ingest and bench_scale: where the benchmark
# Neo4j and its RDF mirror live. Override with KG_BENCH_BOLT_PORT (default 7698), KG_BENCH_HOME,
# KG_BENCH_RDF_STORE; a port other than 7698 gets homes of its own (.kg/neo4j-bench-PORT), so a
# smoke run never touches the benchmark graph. bench_ingest's empty-graph server: Bolt port
# KG_BENCH_EMPTY_BOLT_PORT (default: the benchmark port + 1), home KG_BENCH_EMPTY_HOME.
# Generated corpora and their extraction results: KG_BENCH_CACHE (default .kg/bench-cache).
bench_port="${KG_BENCH_BOLT_PORT:-7698}"
bench_suffix=""
if [ "$bench_port" != 7698 ]; then bench_suffix="-$bench_port"; fi
export KG_NEO4J_BOLT_PORT="$bench_port" KG_NEO4J_URI="bolt://127.0.0.1:$bench_port"
export KG_NEO4J_HOME="${KG_BENCH_HOME:-$PWD/.kg/neo4j-bench$bench_suffix}"
export KG_RDF_STORE="${KG_BENCH_RDF_STORE:-$PWD/.kg/rdf-bench$bench_suffix}"
export KG_BENCH_EMPTY_BOLT_PORT="${KG_BENCH_EMPTY_BOLT_PORT:-$((bench_port + 1))}"
export KG_BENCH_EMPTY_HOME="${KG_BENCH_EMPTY_HOME:-$PWD/.kg/neo4j-bench-empty$bench_suffix}"
export KG_BENCH_CACHE="${KG_BENCH_CACHE:-$PWD/.kg/bench-cache}"
unset KG_NEO4J_PASSWORD  # each benchmark home generates its own

# Whether the arguments ask for --help, which a benchmark script answers before it starts a server.
bench_help() {
  local arg
  for arg in "$@"; do
    case "$arg" in -h|--help) return 0 ;; esac
  done
  return 1
}
