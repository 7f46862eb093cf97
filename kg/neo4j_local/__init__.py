"""The project-managed local Neo4j: installed from Maven Central, run with Neo4j's own launcher."""
