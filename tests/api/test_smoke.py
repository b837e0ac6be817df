"""The app starts on each database and answers with problem+json errors."""


def test_openapi_lists_stock_endpoints(client):
    """The schema is served and names the stock receipt endpoint."""
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert "/stock/receipts" in response.json()["paths"]


def test_missing_token_is_401_problem(client):
    """No bearer token: 401 with a problem document naming the Authorization field."""
    response = client.get("/stock")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "Authorization"


def test_receipt_raises_on_hand(client, world):
    """An operator receives 5 clocks at Monaco: on hand goes from 10 to 15."""
    response = client.post(
        "/stock/receipts",
        json={"warehouse_id": world.warehouses["MC"], "sku": "RETRO-CLOCK", "quantity": 5},
        headers=world.auth("operator"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["on_hand"] == 15
