"""Drives Tollgate with the official OpenAI Python client, as a user's application would.

Usage: openai_client_check.py basic|rate-limited|refused|responses|responses-azure|
    responses-azure-fallback|responses-rate-limited
Environment: TOLLGATE_BASE_URL (e.g. http://127.0.0.1:10000/v1), TOLLGATE_KEY.
Prints PASSED and exits 0 when every check holds; raises otherwise.
"""
import os
import sys

import openai

client = openai.OpenAI(
    base_url=os.environ["TOLLGATE_BASE_URL"],
    api_key=os.environ["TOLLGATE_KEY"],
    max_retries=0,
    timeout=30,
)
scenario = sys.argv[1]


def create_story(model):
    """responses.create of a story; the emulator reports 13 input and 21 output tokens."""
    response = client.responses.create(
        model=model, instructions="Be brief.", input="Tell me a three sentence bedtime story."
    )
    assert response.output_text.startswith("Tollgate forwarded this request"), response
    assert response.status == "completed", response
    assert (response.usage.input_tokens, response.usage.output_tokens) == (13, 21), response.usage
    print("responses.create:", model, response.model, response.usage.total_tokens, "tokens")


def stream_hi(model, headers=None):
    """responses.stream of a greeting; returns the final response after checking its deltas."""
    deltas = []
    with client.responses.stream(
        model=model,
        instructions="Be brief.",
        input=[{"role": "user", "content": "Hi"}],
        extra_headers=headers,
    ) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text, deltas
    assert final.output_text.startswith("Tollgate forwarded this request"), final.output_text
    return final


if scenario == "basic":
    reply = client.chat.completions.create(
        model="fast", max_tokens=8, messages=[{"role": "user", "content": "Hello"}]
    )
    assert reply.choices[0].message.content, reply
    assert reply.usage.total_tokens > 0, reply.usage
    print("normal call:", reply.model, reply.usage.total_tokens, "tokens")

    pieces, usage = [], None
    stream = client.chat.completions.create(
        model="demo-chat",
        max_tokens=5,
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Hello"}],
    )
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
        if chunk.usage:
            usage = chunk.usage
    assert "".join(pieces).strip(), pieces
    assert usage is not None and usage.completion_tokens == 5, usage
    print("stream:", "".join(pieces), usage.total_tokens, "tokens")

    try:
        client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
        raise AssertionError("unknown model accepted")
    except openai.NotFoundError as error:
        print("unknown model:", error.status_code)

elif scenario == "rate-limited":
    try:
        client.chat.completions.create(
            model="demo-chat", max_tokens=8, messages=[{"role": "user", "content": "Hello"}]
        )
        raise AssertionError("request over budget was served")
    except openai.RateLimitError as error:
        assert error.status_code == 429, error
        retry_after = error.response.headers.get("retry-after")
        assert retry_after, dict(error.response.headers)
        print("rate limited: 429, retry-after", retry_after, error.message)
elif scenario == "refused":
    # What the gateway refuses reaches the application as the client's own typed errors.
    try:
        client.files.list()
        raise AssertionError("an unmetered API was served with the provider's key")
    except openai.NotFoundError as error:
        assert error.code == "unknown_url", error.body
        print("files API:", error.status_code, error.code)

    try:
        client.chat.completions.list()
        raise AssertionError("stored completions were listed with the provider's key")
    except openai.APIStatusError as error:
        assert error.status_code == 405, error
        assert "POST" in error.response.headers.get("allow", ""), dict(error.response.headers)
        print("stored completions:", error.status_code, error.code)

    try:
        client.chat.completions.create(
            model="fast", n=1000, messages=[{"role": "user", "content": "Hello"}]
        )
        raise AssertionError("n=1000 was accepted")
    except openai.BadRequestError as error:
        assert error.param == "n", error.body
        print("n=1000:", error.status_code, error.code, error.param)

    try:
        client.chat.completions.create(
            model="fast",
            max_tokens=10,
            max_completion_tokens=50000,
            messages=[{"role": "user", "content": "Hello"}],
        )
        raise AssertionError("contradictory output caps were accepted")
    except openai.BadRequestError as error:
        assert error.param in ("max_tokens", "max_completion_tokens"), error.body
        print("contradictory caps:", error.status_code, error.code, error.param)
elif scenario == "responses":
    # The Responses API as Codex and the SDK's users call it. The provider is the strict emulator:
    # a quarter of the characters of every text as input tokens (4 more per input item), one output
    # token per word of its 21-word sentence.
    create_story("codex")

    try:
        client.responses.create(model="codex", input="x", extra_body={"max_tokens": 5})
        raise AssertionError("max_tokens was accepted on the Responses API")
    except openai.BadRequestError as error:
        assert (error.code, error.param) == ("unsupported_parameter", "max_tokens"), error.body
        print("max_tokens:", error.status_code, error.code)

    try:
        client.responses.create(model="codex", input="x", previous_response_id="resp_123")
        raise AssertionError("previous_response_id was forwarded")
    except openai.BadRequestError as error:
        assert error.param == "previous_response_id", error.body
        print("previous_response_id:", error.status_code, error.code)

    try:
        client.responses.create(model="no-such-model", input="x")
        raise AssertionError("unknown model accepted")
    except openai.NotFoundError as error:
        assert error.code == "model_not_found", error.body
        print("unknown model:", error.status_code, error.code)

    assert "codex" in [m.id for m in client.models.list()]

    # Last, so that the provider's last request is this stream's; the emulator's knob reports 4 of
    # its 8 input tokens as cached, as OpenAI's prompt cache would.
    final = stream_hi("codex", {"x-demo-cached-tokens": "4"})
    usage = final.usage
    assert (usage.input_tokens, usage.input_tokens_details.cached_tokens, usage.output_tokens) == (
        8,
        4,
        21,
    ), usage
    print("responses.stream:", final.output_text, usage.total_tokens, "tokens")
elif scenario == "responses-azure":
    # The Responses API to an Azure OpenAI deployment (the strict Azure emulator): the gateway
    # sends it to /openai/v1/responses with the deployment as model; the SDK sees OpenAI's shapes.
    create_story("eu")
    final = stream_hi("eu")
    assert (final.usage.input_tokens, final.usage.output_tokens) == (8, 21), final.usage
    print("azure responses.stream:", final.usage.total_tokens, "tokens")
elif scenario == "responses-azure-fallback":
    # The OpenAI backend answers 503; Envoy falls back to the Azure deployment.
    create_story("eu-fallback")
elif scenario == "responses-rate-limited":
    # 1,000 tokens a month: the first response (150 input + 16 output tokens committed) fits, then
    # a request reserving 900 output tokens does not, whether it streams or not.
    first = client.responses.create(model="codex", input=" ".join(["Hi"] * 200), max_output_tokens=16)
    assert first.usage.total_tokens == 166, first.usage
    for stream in (False, True):
        try:
            client.responses.create(model="codex", input="Hi", max_output_tokens=900, stream=stream)
            raise AssertionError("a response over the budget was served")
        except openai.RateLimitError as error:
            assert error.status_code == 429, error
            assert error.response.headers.get("retry-after"), dict(error.response.headers)
            print("over budget, stream" if stream else "over budget:", error.status_code, error.code)
else:
    raise SystemExit("unknown scenario " + scenario)

print("PASSED")
