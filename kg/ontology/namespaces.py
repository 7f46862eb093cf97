"""The product's IRIs: one namespace each for terms, concepts, reference data and instances."""

from __future__ import annotations

from rdflib import Namespace

CKG = Namespace("https://w3id.org/customer-kg/ontology#")
CKC = Namespace("https://w3id.org/customer-kg/concept/")
CKR = Namespace("https://w3id.org/customer-kg/ref/")
CKI = Namespace("https://w3id.org/customer-kg/id/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
