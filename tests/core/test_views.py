def test_healthz_answers_small_json_without_auth(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_api_path_is_json_not_html(client):
    response = client.get("/v2/no-such-thing")
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_unknown_merchant_path_uses_nest_body(client):
    response = client.get("/v2/account/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "Not found", "error": "Not Found"}
