"""The API honours the web UI's contract (``contracts/pacts/``, written by
``npm run test:pact`` in chain-processor-web): every interaction replayed against the real
application under uvicorn on PostgreSQL, each provider state seeded through the real query
functions and services, the access token and ids filled in from those states."""

from __future__ import annotations

import json

import pytest
from pact import Verifier

from tests.contract.conftest import PACTS, PROVIDER
from tests.contract.provider_states import ProviderStates
from tests.contract.servers import HOST

WEB_PACT = PACTS / "chain-processor-web-chain-processor-api.json"


def test_the_api_honours_the_web_contract(
    api_url: str, state_url: str, provider_states: ProviderStates
) -> None:
    verifier = (
        Verifier(PROVIDER, host=HOST)
        .add_source(WEB_PACT)
        .add_transport(url=api_url)
        .state_handler(state_url, body=True)
        .set_error_on_empty_pact(enabled=True)
    )
    try:
        verifier.verify()
    except RuntimeError:
        pytest.fail(str(verifier.output(strip_ansi=True)), pytrace=False)
    named = {
        state["name"]
        for interaction in json.loads(WEB_PACT.read_text(encoding="utf-8"))["interactions"]
        for state in interaction.get("providerStates", [])
    }
    assert named <= set(provider_states.seen)
