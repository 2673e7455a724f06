"""Drives Tollgate's Messages API with the official Anthropic Python client, as Claude Code would.

Usage: anthropic_client_check.py basic|rate-limited|chat|messages-to-openai|key-expired
(chat: the official openai client's chat completions to the Anthropic-backed model, translated;
messages-to-openai: the anthropic client's messages to an OpenAI-compatible model, translated;
key-expired: an expired key, with both official clients, on every API)
Environment: TOLLGATE_BASE_URL (the gateway, without /v1), TOLLGATE_KEY.
Prints PASSED and exits 0 when every check holds; raises otherwise.
"""
import json
import os
import sys

import anthropic

import chat_tools

base_url = os.environ["TOLLGATE_BASE_URL"]
key = os.environ["TOLLGATE_KEY"]
client = anthropic.Anthropic(base_url=base_url, api_key=key, max_retries=0, timeout=30)
scenario = sys.argv[1]
hello = [{"role": "user", "content": "Hello there"}]

if scenario == "basic":
    reply = client.messages.create(model="demo-claude", max_tokens=64, messages=hello)
    assert reply.type == "message" and reply.content[0].type == "text", reply
    assert reply.content[0].text, reply
    assert reply.stop_reason == "end_turn", reply
    assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0, reply.usage
    print("create:", reply.model, reply.usage)

    # The alias is rewritten upstream; the emulator knows only demo-claude.
    alias = client.messages.create(model="sonnet", max_tokens=3, messages=hello)
    assert alias.stop_reason == "max_tokens" and alias.usage.output_tokens == 3, alias
    print("alias:", alias.model)

    # ANTHROPIC_AUTH_TOKEN style: the key as Authorization: Bearer.
    bearer = anthropic.Anthropic(base_url=base_url, auth_token=key, max_retries=0, timeout=30)
    assert bearer.messages.create(model="demo-claude", max_tokens=4, messages=hello).content

    # The beta client (Claude Code's) calls /v1/messages?beta=true with anthropic-beta.
    beta = client.beta.messages.create(
        model="demo-claude", max_tokens=4, messages=hello, betas=["prompt-caching-2024-07-31"]
    )
    assert beta.content and beta.usage.output_tokens == 4, beta
    print("beta client:", beta.usage)

    with client.messages.stream(model="demo-claude", max_tokens=5, messages=hello) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and final.usage.output_tokens == 5, (text, final.usage)
    assert final.stop_reason == "max_tokens", final
    print("stream:", repr(text), final.usage)

    count = client.messages.count_tokens(model="demo-claude", messages=hello)
    assert count.input_tokens > 0, count
    print("count_tokens:", count.input_tokens)

    # Prompt caching: written on the first call, read on the second, both reported as usage.
    system = [{"type": "text", "text": "You answer in one short calm line", "cache_control": {"type": "ephemeral"}}]
    first = client.messages.create(model="demo-claude", max_tokens=4, system=system, messages=hello)
    second = client.messages.create(model="demo-claude", max_tokens=4, system=system, messages=hello)
    assert first.usage.cache_creation_input_tokens > 0, first.usage
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens, second.usage
    print("prompt cache:", first.usage.cache_creation_input_tokens, "written, then read")

    tools = [{
        "name": "get_weather",
        "description": "The weather in a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }]
    ask = [{"role": "user", "content": "Weather in Paris?"}]
    call = client.messages.create(model="demo-claude", max_tokens=64, tools=tools, messages=ask)
    assert call.stop_reason == "tool_use", call
    use = next(b for b in call.content if b.type == "tool_use")
    assert use.name == "get_weather" and use.input == {"city": "demo"}, use
    answer = client.messages.create(
        model="demo-claude",
        max_tokens=64,
        tools=tools,
        messages=ask + [
            {"role": "assistant", "content": [b.model_dump() for b in call.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "Sunny"}]},
        ],
    )
    assert answer.stop_reason == "end_turn" and answer.content[0].type == "text", answer
    print("tool use round trip:", use.id)

    with client.messages.stream(model="demo-claude", max_tokens=64, tools=tools, messages=ask) as stream:
        streamed = stream.get_final_message()
    assert streamed.stop_reason == "tool_use", streamed
    assert next(b for b in streamed.content if b.type == "tool_use").input == {"city": "demo"}

    try:
        client.messages.create(model="no-such-model", max_tokens=8, messages=hello)
        raise AssertionError("unknown model accepted")
    except anthropic.NotFoundError as error:
        assert error.body["type"] == "error", error.body
        assert error.body["error"]["type"] == "not_found_error", error.body
        print("unknown model:", error.status_code, error.body["error"]["message"][:60])

    try:
        anthropic.Anthropic(base_url=base_url, api_key="tg-not-a-key-00000000", max_retries=0).messages.create(
            model="demo-claude", max_tokens=8, messages=hello
        )
        raise AssertionError("bad key accepted")
    except anthropic.AuthenticationError as error:
        assert error.body["error"]["type"] == "authentication_error", error.body
        print("bad key:", error.status_code)

    try:
        client.messages.create(model="demo-claude-ratelimited", max_tokens=8, messages=hello)
        raise AssertionError("provider's 429 not raised")
    except anthropic.RateLimitError as error:
        assert error.body["error"]["type"] == "rate_limit_error", error.body
        print("provider rate limit:", error.status_code)

    try:
        client.post("/v1/messages", body={"model": "demo-claude", "messages": hello}, cast_to=object)
        raise AssertionError("missing max_tokens accepted")
    except anthropic.BadRequestError as error:
        assert error.body["error"]["message"] == "max_tokens: Field required", error.body
        print("no max_tokens:", error.status_code)

elif scenario == "rate-limited":
    served = 0
    while True:
        try:
            client.messages.create(model="demo-claude", max_tokens=20, messages=hello)
            served += 1
            assert served < 20, "the budget never refused"
        except anthropic.RateLimitError as error:
            assert error.status_code == 429, error
            assert error.response.headers.get("retry-after"), error.response.headers
            assert error.body["type"] == "error", error.body
            assert error.body["error"]["type"] == "rate_limit_error", error.body
            print("budget refused after", served, "requests:", error.body["error"]["message"][:60])
            break

elif scenario == "chat":
    import openai

    gpt = openai.OpenAI(base_url=base_url + "/v1", api_key=key, max_retries=0, timeout=30)
    reply = gpt.chat.completions.create(
        model="demo-claude",
        max_tokens=6,
        messages=[{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hello"}],
    )
    assert reply.object == "chat.completion", reply
    assert reply.choices[0].message.content, reply
    assert reply.choices[0].finish_reason == "length", reply
    assert reply.usage.completion_tokens == 6 and reply.usage.prompt_tokens > 0, reply.usage
    print("chat to claude:", reply.choices[0].message.content, reply.usage)

    pieces, usage, finish = [], None, None
    for chunk in gpt.chat.completions.create(
        model="demo-claude", max_tokens=4, stream=True, messages=[{"role": "user", "content": "Hello"}]
    ):
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            finish = choice.finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    assert "".join(pieces) == "Tollgate forwarded this request", pieces
    assert finish == "length" and usage is not None and usage.completion_tokens == 4, (finish, usage)
    print("chat stream to claude:", "".join(pieces), usage)

    print("chat tool round trip:", chat_tools.round_trip(gpt, "demo-claude"))
    chat_tools.streamed_call(gpt, "demo-claude")

    try:
        gpt.chat.completions.create(
            model="demo-claude", seed=1, messages=[{"role": "user", "content": "Hello"}]
        )
        raise AssertionError("untranslatable request accepted")
    except openai.BadRequestError as error:
        assert error.body["param"] == "seed", error.body
        print("untranslatable:", error.status_code, error.body["message"][:60])

elif scenario == "messages-to-openai":
    reply = client.messages.create(model="demo-chat", max_tokens=5, system="Be brief", messages=hello)
    assert reply.type == "message" and reply.content[0].type == "text", reply
    assert reply.stop_reason == "max_tokens" and reply.usage.output_tokens == 5, reply
    print("messages to openai:", reply.content[0].text, reply.usage)

    with client.messages.stream(model="demo-chat", max_tokens=3, messages=hello) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and final.usage.output_tokens == 3, (text, final.usage)
    print("stream to openai:", repr(text), final.usage)

    count = client.messages.count_tokens(model="demo-chat", messages=hello)
    assert count.input_tokens > 0, count
    print("count_tokens answered by the gateway:", count.input_tokens)

    try:
        client.messages.create(model="demo-chat", max_tokens=5, messages=hello, extra_body={"top_k": 3})
        raise AssertionError("untranslatable request accepted")
    except anthropic.BadRequestError as error:
        assert error.body["error"]["type"] == "invalid_request_error", error.body
        assert "top_k" in error.body["error"]["message"], error.body
        print("untranslatable:", error.status_code, error.body["error"]["message"][:60])

elif scenario == "key-expired":
    import openai

    # The key's Secret has tollgate.dev/expires-at in the past: each client raises its own typed
    # 401, in its API's shape, naming the expiry and not the key.
    for call in (
        lambda: client.messages.create(model="demo-claude", max_tokens=8, messages=hello),
        lambda: client.messages.count_tokens(model="demo-claude", messages=hello),
    ):
        try:
            call()
            raise AssertionError("an expired key was served")
        except anthropic.AuthenticationError as error:
            assert error.status_code == 401, error
            assert error.body["type"] == "error", error.body
            assert error.body["error"]["type"] == "authentication_error", error.body
            assert "expired at 2020-01-01T00:00:00Z" in error.body["error"]["message"], error.body
            assert key not in json.dumps(error.body), error.body
            print("anthropic:", error.status_code, error.body["error"]["message"])
    gpt = openai.OpenAI(base_url=base_url + "/v1", api_key=key, max_retries=0, timeout=30)
    for call in (
        lambda: gpt.chat.completions.create(model="demo-chat", messages=hello, max_tokens=8),
        lambda: gpt.chat.completions.create(model="demo-claude", messages=hello, max_tokens=8),
        lambda: gpt.responses.create(model="demo-chat", input="Hello", max_output_tokens=16),
    ):
        try:
            call()
            raise AssertionError("an expired key was served")
        except openai.AuthenticationError as error:
            assert error.status_code == 401, error
            assert error.code == "key_expired", (error.code, error.body)
            assert "expired at 2020-01-01T00:00:00Z" in error.message, error.message
            assert key not in error.message, error.message
            print("openai:", error.status_code, error.code)

else:
    raise SystemExit("unknown scenario " + scenario)

print("PASSED")
