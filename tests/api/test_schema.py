"""The OpenAPI schema is generated without warnings and lists every endpoint of API.md."""

from django.core.management import call_command

API_MD_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/vendors/",
    "/api/v1/vendors/{id}/",
    "/api/v1/task-types/",
    "/api/v1/contracts/",
    "/api/v1/contracts/{id}/",
    "/api/v1/contracts/{id}/terms/",
    "/api/v1/gold-sets/",
    "/api/v1/batches/",
    "/api/v1/batches/{id}/",
    "/api/v1/batches/{id}/metrics/",
    "/api/v1/batches/{id}/findings/",
    "/api/v1/breaches/",
    "/api/v1/breaches/{id}/",
    "/api/v1/scorecard-templates/",
    "/api/v1/evaluations/",
    "/api/v1/evaluations/{id}/",
    "/api/v1/evaluations/{id}/scores/",
]


def test_schema_generates_without_warnings_and_lists_the_public_paths(tmp_path, db):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    missing = [path for path in API_MD_PATHS if f"  {path}:" not in schema]
    assert not missing


def _schema(client):
    return client.get("/api/schema/?format=json").json()


def test_findings_and_terms_are_documented_as_the_plain_lists_they_return(client, db):
    paths = _schema(client)["paths"]
    findings = paths["/api/v1/batches/{id}/findings/"]["get"]
    assert findings["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    queries = [p["name"] for p in findings.get("parameters", []) if p["in"] == "query"]
    assert queries == ["format"], "no filters on one batch's findings, only the export format"
    terms = paths["/api/v1/contracts/{id}/terms/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert terms["schema"]["type"] == "array"
    events = paths["/api/v1/breaches/{id}/events/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert events["schema"]["type"] == "array"


def test_an_empty_day_filter_is_documented_as_allowed_since_it_means_no_filter(client, db):
    paths = _schema(client)["paths"]
    for path in ("/api/v1/batches/", "/api/v1/breaches/", "/api/v1/findings/"):
        (day,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == "delivered_before"]
        assert {"maxLength": 0} in day["schema"]["anyOf"], path


def test_options_asking_for_an_export_format_is_answered_as_json(api_client_for, lead):
    for path in ("/api/v1/credits/", "/api/v1/batches/"):
        response = api_client_for(lead).options(path, HTTP_ACCEPT="text/csv")
        assert response.status_code in (200, 406) and response["Content-Type"].startswith("application/json"), path


def test_a_method_the_list_does_not_take_is_a_405_even_when_it_asks_for_an_export(api_client_for, lead):
    for path in ("/api/v1/breaches/?format=csv", "/api/v1/findings/?format=xlsx"):
        assert api_client_for(lead).generic("TRACE", path).status_code == 405, path


def test_every_operation_documents_its_error_answers_and_the_token_its_throttling(client, db):
    paths = _schema(client)["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert {"400", "401", "403", "404"} <= set(operation["responses"]), f"{method} {path}"
    assert "429" in paths["/api/v1/auth/token/"]["post"]["responses"]


def test_empty_verdicts_statuses_and_clock_actors_are_in_the_schema(client, db):
    components = _schema(client)["components"]["schemas"]
    event = components["BreachEvent"]["properties"]
    assert event["actor"].get("nullable") is True
    assert "" in str(event["from_status"]) or "BlankEnum" in str(event["from_status"])
    assert "BlankEnum" in str(components["Batch"]["properties"]["verdict"])
