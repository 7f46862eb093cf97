"""The use cases the ``kg`` command and the API both call: ingest and load
(:mod:`~kg.services.ingest`), the server's start-up rehearsal (:mod:`~kg.services.warm_up`),
consent (:mod:`~kg.services.consent`), merge suggestions (:mod:`~kg.services.suggestions`), an
analyst's merge and split (:mod:`~kg.services.merge_split`) and erasure
(:mod:`~kg.services.erasure`). Each composes the domain packages below it (ingestion,
extraction, derivation, consent, resolution, the mirror); none of those imports a service."""
