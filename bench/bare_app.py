"""The yardstick: a bare FastAPI endpoint returning a constant, served exactly like calapi."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/v2/me")
async def constant() -> dict[str, object]:
    return {"status": "success", "data": {"id": 1}}
