"""The change feed: what each write touched, recorded in the same transaction, and the keyed
ids every layer mints. Derivation reads the records it must still derive, the RDF mirror the
records it must still apply, erasure rewrites the records that name an erased person. It sits
below all of them and imports nothing of theirs."""
