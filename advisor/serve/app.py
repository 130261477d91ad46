"""The ASGI app (FastAPI) of ``advisor serve``.

Endpoints: ``GET /cds-services`` (discovery), ``POST /cds-services/{id}`` (cards),
``POST /consult`` (a patient file as JSON -> the consult's JSON, for other systems),
``GET /report/{token}`` (the full report a card links to, as HTML), ``GET /healthz``, and the
OpenAPI description (``/openapi.json``, ``/docs``). With an allow-list of issuers, the CDS
endpoints and ``/consult`` need the CDS Hooks JWT.

Each worker loads the knowledge base once at start and runs one hook request and one consult
(which loads the risk models, for the reports); requests then run the engine in the worker's
thread pool, one engine call at a time. Cards are made from
:func:`advisor.consult.order_findings_many`, the consult's judging without the parts no card
shows; the hook requests waiting for the engine are judged together
(:mod:`advisor.serve.batching`), and a patient judged like one of a recent request takes its
findings (:mod:`advisor.serve.findings_cache`).

(No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations,
which name classes imported inside :func:`create_app`.)
"""

import gc
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from advisor import __version__
from advisor.errors import InputError
from advisor.extras import require
from advisor.knowledge.yaml_io import read_yaml
from advisor.resources import bundled
from advisor.serve.config import ServeConfig
from advisor.serve.discovery import SERVICES, Service, discovery
from advisor.serve.errors import NotFound, ServiceError
from advisor.serve.findings_cache import FindingsCache, judged_key

SEIZURE_NOTE = ("Seizure types judged: {types}, those {drugs} {verb} used for (the request gave "
                "none; send the patient's own in the extension io.github.dre-advisor."
                "seizure-types for alternatives ranked on them).")
NO_SEIZURE_TYPES = ("Seizure types: the request gave none, and {drugs} {verb} not used for a "
                    "seizure type of an epilepsy (acute use only): send the patient's own in the "
                    "extension io.github.dre-advisor.seizure-types for alternatives ranked on "
                    "them.")
NO_STORE = {"Cache-Control": "no-store"}
FILE_FIELDS = ("vcf", "pharmcat", "sample")  # patient-file fields that name files
REPORT_HEADERS = {**NO_STORE, "Referrer-Policy": "no-referrer", "X-Content-Type-Options":
                  "nosniff", "Content-Security-Policy": "default-src 'none'; style-src "
                  "'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"}


@dataclass
class Judging:
    """One patient to judge for a hook request: the drugs it answers for, the patient data,
    what is judged (:func:`~advisor.serve.findings_cache.judged_key`), and the findings
    (known, or to be judged from ``prepared``)."""

    drugs: list[str]
    data: dict[str, Any]
    key: str
    findings: Any  # OrderFindings, None until judged
    prepared: Any  # advisor.consult.Prepared, None when the findings were known
    note: str | None = None  # said on its cards: drugs ordered with it not counted as taken


class Runtime:
    """What one worker loads once and shares between requests."""

    def __init__(self, config: ServeConfig):
        import httpx

        from advisor.knowledge import load_knowledgebase
        from advisor.serve.auth import JwtCheck
        from advisor.serve.fhir_client import CONNECT_SECONDS, READ_SECONDS
        from advisor.serve.links import ReportLinks
        from advisor.serve.medications import MedicationCodes

        self.config = config
        self.kb = load_knowledgebase(config.kb)
        self.codes = MedicationCodes(self.kb)
        self.findings = FindingsCache(config.cache_size)
        self.jwt = JwtCheck(config.issuers) if config.issuers else None
        self.links = ReportLinks(config.report_key)
        self.http = httpx.Client(timeout=httpx.Timeout(READ_SECONDS, connect=CONNECT_SECONDS),
                                 follow_redirects=False, trust_env=False)
        self.warm_up()

    def warm_up(self) -> None:
        """One hook request through every step (FHIR models, engine, risk-model tables), so
        that the first real request is not the slow one."""
        import json

        drug = next(iter(self.kb.drugs))
        request = {"hook": "order-sign", "hookInstance": "warm-up", "context": {
            "userId": "Practitioner/warm-up", "patientId": "warm-up", "draftOrders": {
                "resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
                    "resourceType": "MedicationRequest", "id": "warm-up", "status": "draft",
                    "intent": "order", "medicationCodeableConcept": {"text": drug},
                    "subject": {"reference": "Patient/warm-up"}}}]}},
            "prefetch": {
                "patient": {"resourceType": "Patient", "id": "warm-up", "birthDate": "1980"},
                "genotypes": {"resourceType": "Bundle", "type": "searchset", "entry": []},
                "medications": {"resourceType": "Bundle", "type": "searchset", "entry": []},
                "weight": {"resourceType": "Observation", "status": "final",
                           "code": {"text": "body weight"},
                           "valueQuantity": {"value": 70, "unit": "kg"}}}}
        self.hook(SERVICES["asm-order-sign"], json.dumps(request).encode(), "http://warm-up")
        self.consult({"id": "warm-up", "age_years": 44, "seizure_types": ["focal"]})  # reports

    def close(self) -> None:
        self.http.close()

    def base_url(self, request: Any) -> str:
        if self.config.base_url:
            return self.config.base_url.rstrip("/")
        return f"{request.url.scheme}://{request.url.netloc}"

    def authorize(self, request: Any) -> None:
        """Check the CDS Hooks JWT when the server has an allow-list of issuers."""
        if self.jwt is not None:
            self.jwt.claims(request.headers.get("authorization"),
                            self.base_url(request) + request.url.path)

    def reader(self, server: str, token: str) -> Any:
        from advisor.serve.fhir_client import FhirReader

        return FhirReader(self.http, server, token)

    def consult(self, patient_data: dict[str, Any], genotypes: dict[str, Any] | None = None
                ) -> Any:
        from advisor.consult import consult
        from advisor.inputs.patient import validate_patient

        return consult(self.kb, validate_patient(self.kb, patient_data),
                       fhir_genotypes=genotypes or None)

    def consult_json(self, patient_data: Any) -> dict[str, Any]:
        if not isinstance(patient_data, dict):
            raise InputError("", type(patient_data).__name__, "a patient must be a JSON object")
        for field in FILE_FIELDS:
            if patient_data.get(field) is not None:
                raise InputError(field, patient_data[field], "the service reads no files: "
                                 "give genotypes as values")
        return self.consult(patient_data).model_dump(mode="json")

    def hook_inputs(self, service: Service, body: bytes) -> tuple[Any, list[Judging]]:
        """A hook request's inputs, and the patients to judge for it (:func:`per_drug`),
        each validated, with the findings of a recent request judged alike or else prepared
        for judging (:func:`advisor.consult.prepare`); an error here is this request's
        alone."""
        from advisor.serve.hook import gather, parse_json, per_drug

        inputs = gather(self.kb, self.codes, service, parse_json(body), self.reader)
        return inputs, [self.judging(inputs, drugs, data)
                        for drugs, data in per_drug(self.kb, inputs)]

    def judging(self, inputs: Any, drugs: list[str], data: dict[str, Any],
                note: str | None = None) -> Judging:
        """One patient of a hook request, validated, with the findings of a recent request
        judged alike, or else prepared for judging (:func:`advisor.consult.prepare`)."""
        from advisor.consult import prepare
        from advisor.inputs.patient import validate_patient

        patient = validate_patient(self.kb, data)
        key = judged_key(patient, inputs.genotypes, drugs)
        found = self.findings.get(key)
        return Judging(drugs, data, key, found, None if found is not None else
                       prepare(self.kb, patient, fhir_genotypes=inputs.genotypes or None),
                       note)

    def without_avoided(self, inputs: Any, judged: list[Judging]) -> list[int]:
        """A drug ordered alongside (another order of the request, selected or pending) is
        judged as taken; but one this patient must avoid (its own card says so, and offers a
        replacement) is not counted as taken for the others: their patients are judged
        again without it (the indices of ``judged`` replaced, each with a note). An avoided
        drug the patient takes already stays taken."""
        redone = []
        for i, judging in enumerate(judged):
            avoid = {f.drug for f in judging.findings.flags if f.action == "avoid"}
            dropped = [d for d in judging.data["current_medications"] if d in avoid
                       and d not in inputs.active and d not in judging.drugs]
            if not dropped:
                continue
            data = {**judging.data, "current_medications": [
                d for d in judging.data["current_medications"] if d not in dropped]}
            judged[i] = self.judging(inputs, judging.drugs, data,
                                     _not_counted(dropped, " and ".join(judging.drugs)))
            redone.append(i)
        return redone

    def hook_cards(self, inputs: Any, judged: list[Judging], base: str) -> dict[str, Any]:
        """The answer to a hook request from its inputs and its judged patients."""
        from advisor.rules import AGGRAVATES
        from advisor.serve.cards import INDICATOR_RANK, cards

        link = f"{base}/report/{self.links.token(inputs.patient, inputs.genotypes)}"
        out = []
        for judging in judged:
            drugs, data, findings = judging.drugs, judging.data, judging.findings
            if inputs.inferred_seizure_types and "syndrome" not in data:
                # seizure types taken from the ordered drug's use are not the patient's: a
                # drug's aggravation of one of them says nothing about this patient
                findings = replace(findings, flags=[f for f in findings.flags
                                                    if AGGRAVATES not in (f.rule or "")])
            rescue = {d for o in inputs.orders if o.match.rescue for d in o.match.drugs}
            ordered = [d for d in drugs if d in self.kb.drugs and d not in rescue]
            note = (NO_SEIZURE_TYPES if data["seizure_types"] == ["unknown"] else SEIZURE_NOTE
                    ).format(types=", ".join(self.kb.seizure_type_words(t)
                                           for t in data["seizure_types"]),
                             drugs=" and ".join(dict.fromkeys(ordered)),
                             verb="are" if len(set(ordered)) > 1 else "is",
                             ) if inputs.inferred_seizure_types and ordered else None
            current = [d for d in data["current_medications"] if d in self.kb.drugs]
            timed = self.timed(inputs, drugs, findings)
            note = "\n\n".join(n for n in (" ".join(n for n in (note, judging.note) if n),
                                          _exposure_note(inputs.taken, timed)) if n) or None
            out += cards(self.kb, findings, inputs.orders, current_asms=current,
                         taking=inputs.active, by_kind=(inputs.daily, inputs.rescue),
                         age_years=data.get("age_years"),
                         report_url=link, seizure_note=note,
                         only=set(drugs) if len(judged) > 1 else None,
                         serious=findings.serious, unchecked=inputs.unchecked,
                         unread_allergies=inputs.unread_allergies,
                         syndrome=self.kb.positions.for_syndrome(data.get("syndrome")),
                         timed=timed)
        return {"cards": sorted(out, key=lambda c: INDICATOR_RANK[c["indicator"]])}

    def timed(self, inputs: Any, drugs: list[str], findings: Any) -> frozenset[str]:
        """The drugs of ``drugs`` counted as taken since their active prescriptions were
        written that have a finding depending on how long they were taken."""
        counted = {t["drug"] for t in inputs.taken}
        return frozenset(f.drug for f in findings.flags if f.rule in self.kb.exposure_rules
                         and f.drug in counted and f.drug in drugs)

    def answers(self, requests: list[tuple[Service, bytes, str]]) -> list[Any]:
        """The answers to hook requests (service, body, base URL): each the request's cards,
        or the error that makes it a bad request (that request's answer only). Patients
        judged like a recent one take its findings (:mod:`advisor.serve.findings_cache`);
        the others are judged together (:func:`advisor.consult.order_findings_many`), each
        distinct one once."""
        out: list[Any] = []
        ready = []
        for service, body, base in requests:
            try:
                inputs, judged = self.hook_inputs(service, body)
            except (ServiceError, InputError) as exc:
                out.append(exc)
                continue
            ready.append((len(out), inputs, judged, base))
            out.append(None)
        new = self.judge([j for _, _, judged, _ in ready for j in judged])
        again = [j for _, inputs, judged, _ in ready
                 for j in (judged[i] for i in self.without_avoided(inputs, judged))]
        new.update(self.judge(again))
        for i, inputs, judged, base in ready:
            out[i] = self.hook_cards(inputs, judged, base)
        for key, (first, *_) in new.items() if self.findings.size else ():
            # kept with the regimens the cards ranked
            self.findings.put(key, first.findings.detached(self.kb, first.prepared,
                                                           first.drugs))
        return out

    def judge(self, judged: list[Judging]) -> dict[str, list[Judging]]:
        """Judge together the patients not judged yet (each distinct one once; see
        :func:`advisor.consult.order_findings_many`): by key, the judgings that took the
        findings."""
        from advisor.consult import order_findings_many

        new: dict[str, list[Judging]] = {}
        for judging in judged:
            if judging.findings is None:
                new.setdefault(judging.key, []).append(judging)
        found = order_findings_many(self.kb, [same[0].prepared for same in new.values()],
                                    [same[0].drugs for same in new.values()]) if new else []
        for same, findings in zip(new.values(), found, strict=True):
            for judging in same:
                judging.findings = findings
        return new

    def hook(self, service: Service, body: bytes, base: str) -> dict[str, Any]:
        """The cards for one hook request, judged alone."""
        answer = self.answers([(service, body, base)])[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def report_html(self, token: str) -> str:
        from advisor.report import render

        patient, genotypes = self.links.read(token)
        return render(self.consult(patient, genotypes), "html", self.kb)


def _exposure_note(taken: list[dict[str, Any]], timed: frozenset[str]) -> str | None:
    """What a card says of a drug counted as taken since its active prescription was
    written, when a finding about it depends on that time."""
    notes = [f"{t['drug']} {t['duration_months']:g} months, {t['note']}"
             for t in taken if t["drug"] in timed]
    if not notes:
        return None
    return (f"Time taken: {'; '.join(notes)} (a renewed prescription counts from its own "
            "date, so the time may be longer). The findings that depend on how long a drug "
            "has been taken use this time: confirm with the patient how long it has been "
            "taken, without a break and without a reaction.")


def _not_counted(dropped: list[str], ordered: str) -> str:
    """The note on the cards of ``ordered`` judged without the drugs ordered with it that
    this patient must avoid."""
    names, one = " and ".join(dropped), len(dropped) == 1
    it, its = ("it", "its") if one else ("them", "their")
    return (f"{names}, ordered with {ordered}, {'is' if one else 'are'} not counted as taken: "
            f"the advisor finds this patient must avoid {it}. If "
            f"{'it is' if one else 'they are'} given anyway, {its} interactions with {ordered} "
            "apply, and the doses here change.")


def create_app(config: ServeConfig) -> Any:
    """The FastAPI app for ``config``; the knowledge base loads when the app starts."""
    require("fastapi", "serve", "the CDS Hooks service")
    from anyio import CapacityLimiter, to_thread
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse
    from starlette.concurrency import run_in_threadpool

    from advisor.serve.batching import Batcher
    from advisor.serve.logs import Guard, capture_warnings

    capture_warnings()
    engine = CapacityLimiter(1)  # CPU-bound engine calls: one at a time in a worker process

    async def run_engine(fn: Any, *args: Any) -> Any:
        """``fn(*args)`` off the event loop, one engine call at a time: threads running the
        engine side by side contend for the GIL and serve less in total."""
        return await to_thread.run_sync(fn, *args, limiter=engine)

    @asynccontextmanager
    async def lifespan(app: Any):  # type: ignore[no-untyped-def]
        app.state.runtime = await run_in_threadpool(Runtime, config)
        app.state.batcher = Batcher(lambda calls: run_engine(app.state.runtime.answers,
                                                             calls))
        # The knowledge base, models and imported modules live as long as the worker: kept
        # out of the garbage collector's full passes, which would otherwise walk them all.
        gc.freeze()
        yield
        app.state.runtime.close()
        gc.unfreeze()

    app = FastAPI(title="DRE advisor: CDS Hooks service", version=__version__,
                  description=DESCRIPTION, lifespan=lifespan, redoc_url=None)
    app.add_middleware(Guard, max_body_bytes=config.max_body_bytes)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        headers = {**NO_STORE, **({"WWW-Authenticate": "Bearer"} if exc.status == 401 else {})}
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=headers)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400, headers=NO_STORE)

    def runtime(request: Request) -> Runtime:
        return request.app.state.runtime

    @app.get("/cds-services", summary="CDS Hooks discovery: the services and their prefetch")
    async def services(request: Request) -> JSONResponse:
        runtime(request).authorize(request)
        return JSONResponse(discovery(), headers=NO_STORE)

    @app.post("/cds-services/{service_id}", summary="Call a CDS service: cards for the orders",
              openapi_extra=HOOK_BODY)
    async def call(service_id: str, request: Request) -> JSONResponse:
        rt = runtime(request)
        service = SERVICES.get(service_id)
        if service is None:
            raise NotFound(f"no CDS service {service_id!r}; see GET /cds-services")
        rt.authorize(request)
        body = await request.body()
        answer = await request.app.state.batcher.submit((service, body,
                                                          rt.base_url(request)))
        return JSONResponse(answer, headers=NO_STORE)

    @app.post("/consult", summary="The full consult (JSON) of a patient file given as JSON",
              openapi_extra=CONSULT_BODY)
    async def consult(request: Request) -> JSONResponse:
        from advisor.serve.hook import parse_json

        rt = runtime(request)
        rt.authorize(request)
        data = parse_json(await request.body())
        return JSONResponse(await run_engine(rt.consult_json, data), headers=NO_STORE)

    @app.get("/report/{token}", response_class=HTMLResponse,
             summary="The full consult report a card links to (HTML)")
    async def report(token: str, request: Request) -> HTMLResponse:
        html = await run_engine(runtime(request).report_html, token)
        return HTMLResponse(html, headers=REPORT_HEADERS)

    @app.get("/healthz", summary="Liveness, with the knowledge base in use")
    async def healthz(request: Request) -> JSONResponse:
        kb = runtime(request).kb
        return JSONResponse({"status": "ok", "advisor_version": __version__,
                             "knowledgebase_version": kb.version,
                             "knowledgebase_sha256": kb.sha256}, headers=NO_STORE)

    return app


def app_from_env() -> Any:
    """The app of the settings ``advisor serve`` put in the environment (uvicorn factory)."""
    return create_app(ServeConfig.from_env())


DESCRIPTION = """\
Pharmacogenomic advice on antiseizure medications at the point of prescribing, as an
[HL7 CDS Hooks 2.0](https://cds-hooks.hl7.org/2.0/) service. Cards come from the same engine
as `advisor consult`. Decision support for healthcare professionals; it does not replace
clinical judgment."""

HOOK_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["hook", "hookInstance", "context"],
    "description": "A CDS Hooks 2.0 request (Calling a CDS Service): context.patientId, "
                   "context.draftOrders (a FHIR R4 Bundle of MedicationRequests), "
                   "context.selections (order-select), and prefetch or fhirServer with "
                   "fhirAuthorization. See examples/cds-hooks-order-select.json.",
    "properties": {"hook": {"type": "string"}, "hookInstance": {"type": "string"},
                   "fhirServer": {"type": "string"}, "fhirAuthorization": {"type": "object"},
                   "context": {"type": "object"}, "prefetch": {"type": "object"},
                   "extension": {"type": "object"}}}}}}}

CONSULT_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["seizure_types"],
    "description": "A patient file as JSON: the fields of advisor consult's patient file, "
                   "with genotypes given as values (the service reads no files: vcf and "
                   "pharmcat are refused).",
    "example": read_yaml(bundled("examples") / "hla-b1502-focal-dre.yaml")}}}}}
