"""``advisor serve``: the advisor as an HL7 CDS Hooks 2.0 service for the electronic health
record, behind the ``[serve]`` extra (FastAPI, uvicorn, PyJWT, httpx).

- :mod:`~advisor.serve.discovery`: the services and their prefetch templates;
- :mod:`~advisor.serve.hook`: a hook request -> the patient, the orders and the genotypes
  (from prefetch, or read from the client's FHIR server with the client's token);
- :mod:`~advisor.serve.medications`: FHIR medications -> knowledge-base drugs (RxNorm and ATC
  codes, then names, synonyms and brand names);
- :mod:`~advisor.serve.fhir_client`: the reads from the client's FHIR server;
- :mod:`~advisor.serve.cards`: the consult result -> CDS Hooks cards;
- :mod:`~advisor.serve.auth`: the CDS Hooks JWT of the allowed issuers;
- :mod:`~advisor.serve.links`: stateless, encrypted and expiring links to the full report;
- :mod:`~advisor.serve.logs`: JSON logs without patient data, request size limits;
- :mod:`~advisor.serve.batching`: the requests waiting for the engine, judged together;
- :mod:`~advisor.serve.findings_cache`: the findings of recent requests, by what was judged;
- :mod:`~advisor.serve.app`: the ASGI app, one knowledge base per worker.

Each card comes from :func:`advisor.consult.consult`, the engine every other entry uses.
"""
