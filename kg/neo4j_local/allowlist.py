"""The APOC procedures and functions Neo4j loads: what the product and analysts use, no more.

One list serves two guards. ``neo4j.conf``'s ``dbms.security.procedures.allowlist`` is built
from it, so a name left out does not exist in the server at all (whoever connects), and the
analyst policy (``kg_api.cypher_policy``) allows analysts exactly the analyst part of it.

Neo4j cannot stop a function call half-way (it checks for termination between rows) and does
not count the memory a function's result takes against ``db.memory.transaction.max`` (a 1 GiB
string from ``apoc.text.lpad`` runs the JVM out of heap). So only functions whose work and
result are at most about linear in the size of their arguments are listed. Left out, with the
reason:

* output sized by a number, not by the input: ``apoc.text.lpad``/``rpad``/``repeat``/
  ``random``/``format`` (a width), ``apoc.coll.fill``, ``apoc.coll.randomItems``;
* combinatorial output: ``apoc.coll.combinations``;
* a regular expression, which backtracks without bound inside one call (see the policy's
  note on ``=~``): ``apoc.text.regexGroups``/``regexGroupsByName``/``regreplace``/
  ``replace``/``split``;
* quadratic edit distances, minutes on two long message texts:
  ``apoc.text.distance``/``levenshteinDistance``/``levenshteinSimilarity``/``fuzzyMatch``/
  ``jaroWinklerDistance``;
* a whole label or the whole graph in one call: ``apoc.map.fromNodes``,
  ``apoc.hashing.fingerprintGraph``;
* aggregations that keep every value they see, untracked (``collect`` is tracked):
  ``apoc.agg.graph``/``median``/``percentiles``/``slice``/``maxItems``/``minItems``/
  ``statistics``.
"""

from __future__ import annotations

from typing import Final


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What the product itself calls: kg/feed/changes.py locks nodes; `kg neo4j install` and its
# test read the APOC version.
PRODUCT: Final = _names("apoc.lock.nodes apoc.version")

# Procedures an analyst may call through /query/cypher: APOC's read-only path expanders.
ANALYST_PROCEDURES: Final = _names("""
apoc.path.expand apoc.path.expandConfig apoc.path.subgraphNodes apoc.path.subgraphAll
apoc.path.spanningTree
""")

# Functions an analyst may use (APOC 5.26), each bounded as the module docstring says.
ANALYST_FUNCTIONS: Final = _names("""
apoc.agg.first apoc.agg.last apoc.agg.nth apoc.agg.product

apoc.coll.avg apoc.coll.contains apoc.coll.containsAll apoc.coll.containsAllSorted
apoc.coll.containsDuplicates apoc.coll.containsSorted apoc.coll.different
apoc.coll.disjunction apoc.coll.dropDuplicateNeighbors apoc.coll.duplicates
apoc.coll.duplicatesWithCount apoc.coll.flatten apoc.coll.frequencies
apoc.coll.frequenciesAsMap apoc.coll.indexOf apoc.coll.insert apoc.coll.insertAll
apoc.coll.intersection apoc.coll.isEqualCollection apoc.coll.max apoc.coll.min
apoc.coll.occurrences apoc.coll.pairWithOffset apoc.coll.pairs apoc.coll.pairsMin
apoc.coll.partition apoc.coll.randomItem apoc.coll.remove apoc.coll.removeAll
apoc.coll.runningTotal apoc.coll.set apoc.coll.shuffle apoc.coll.sort apoc.coll.sortMaps
apoc.coll.sortMulti apoc.coll.sortNodes apoc.coll.sortText apoc.coll.stdev apoc.coll.subtract
apoc.coll.sum apoc.coll.sumLongs apoc.coll.toSet apoc.coll.union apoc.coll.unionAll
apoc.coll.zip

apoc.convert.fromJsonList apoc.convert.fromJsonMap apoc.convert.getJsonProperty
apoc.convert.getJsonPropertyMap apoc.convert.toJson apoc.convert.toList apoc.convert.toMap
apoc.convert.toNode apoc.convert.toNodeList apoc.convert.toRelationship
apoc.convert.toRelationshipList apoc.convert.toSet apoc.convert.toSortedJsonMap

apoc.date.add apoc.date.convert apoc.date.convertFormat apoc.date.currentTimestamp
apoc.date.field apoc.date.fields apoc.date.format apoc.date.fromISO8601 apoc.date.parse
apoc.date.systemTimezone apoc.date.toISO8601 apoc.date.toYears
apoc.temporal.format apoc.temporal.formatDuration apoc.temporal.toZonedTemporal

apoc.map.clean apoc.map.flatten apoc.map.fromLists apoc.map.fromPairs apoc.map.fromValues
apoc.map.get apoc.map.groupBy apoc.map.groupByMulti apoc.map.merge apoc.map.mergeList
apoc.map.mget apoc.map.removeKey apoc.map.removeKeys apoc.map.setEntry apoc.map.setKey
apoc.map.setLists apoc.map.setPairs apoc.map.setValues apoc.map.sortedProperties
apoc.map.submap apoc.map.unflatten apoc.map.updateTree apoc.map.values

apoc.math.cosh apoc.math.coth apoc.math.csch apoc.math.maxByte apoc.math.maxDouble
apoc.math.maxInt apoc.math.maxLong apoc.math.minByte apoc.math.minDouble apoc.math.minInt
apoc.math.minLong apoc.math.sech apoc.math.sigmoid apoc.math.sigmoidPrime apoc.math.sinh
apoc.math.tanh
apoc.number.arabicToRoman apoc.number.exact.add apoc.number.exact.div apoc.number.exact.mul
apoc.number.exact.sub apoc.number.exact.toExact apoc.number.exact.toFloat
apoc.number.exact.toInteger apoc.number.format apoc.number.parseFloat apoc.number.parseInt
apoc.number.romanToArabic

apoc.text.base64Decode apoc.text.base64Encode apoc.text.base64UrlDecode
apoc.text.base64UrlEncode apoc.text.byteCount apoc.text.bytes apoc.text.camelCase
apoc.text.capitalize apoc.text.capitalizeAll apoc.text.charAt apoc.text.clean apoc.text.code
apoc.text.compareCleaned apoc.text.decapitalize apoc.text.decapitalizeAll
apoc.text.doubleMetaphone apoc.text.hammingDistance apoc.text.hexCharAt apoc.text.hexValue
apoc.text.indexOf apoc.text.indexesOf apoc.text.join apoc.text.phonetic apoc.text.slug
apoc.text.snakeCase apoc.text.sorensenDiceSimilarity apoc.text.swapCase apoc.text.toCypher
apoc.text.toUpperCase apoc.text.upperCamelCase apoc.text.urldecode apoc.text.urlencode

apoc.label.exists apoc.node.degree apoc.node.degree.in apoc.node.degree.out apoc.node.labels
apoc.rel.type apoc.any.properties
apoc.meta.cypher.isType apoc.meta.cypher.type apoc.meta.cypher.types
apoc.scoring.existence apoc.scoring.pareto
apoc.hashing.fingerprint apoc.hashing.fingerprinting
""")


def procedures_allowlist() -> str:
    """The value of ``dbms.security.procedures.allowlist``: every name above, sorted.

    Built-in procedures (``db.*``, ``dbms.*``) are not plugins and are not affected by it; the
    analyst policy limits those."""
    return ",".join(sorted(PRODUCT | ANALYST_PROCEDURES | ANALYST_FUNCTIONS))
