"""Drives fallbacks across APIs with the official clients (see CrossApiIT).

Usage: cross_api_check.py chat-to-anthropic|messages-to-openai
(chat-to-anthropic: the openai client's chat completions to `smart`, whose OpenAI provider is in an
outage and whose fallback is an Anthropic provider; messages-to-openai: the anthropic client's
messages to `claude-first`, whose Anthropic model is overloaded and whose fallback is OpenAI's.)
Environment: TOLLGATE_BASE_URL (the gateway, without /v1), TOLLGATE_KEY.
Prints PASSED and exits 0 when every check holds; raises otherwise.
"""
import os
import sys

import anthropic

import chat_tools
import openai

base_url = os.environ["TOLLGATE_BASE_URL"]
key = os.environ["TOLLGATE_KEY"]
scenario = sys.argv[1]
hello = [{"role": "user", "content": "Hello there"}]

if scenario == "chat-to-anthropic":
    gpt = openai.OpenAI(base_url=base_url + "/v1", api_key=key, max_retries=0, timeout=30)
    reply = gpt.chat.completions.create(
        model="smart",
        max_tokens=6,
        messages=[{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hello"}],
    )
    assert reply.object == "chat.completion", reply
    assert reply.model == "claude-sonnet-4-5", reply
    assert reply.choices[0].message.content and reply.choices[0].finish_reason == "length", reply
    assert reply.usage.completion_tokens == 6 and reply.usage.prompt_tokens > 0, reply.usage
    print("chat, fallen back to claude:", reply.choices[0].message.content, reply.usage)

    pieces, usage, finish = [], None, None
    for chunk in gpt.chat.completions.create(
        model="smart", max_tokens=4, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Hello"}],
    ):
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            finish = choice.finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    assert pieces and finish == "length", (pieces, finish)
    assert usage is not None and usage.completion_tokens == 4, usage
    print("chat stream, fallen back to claude:", "".join(pieces), usage)

    print("chat tool round trip, fallen back to claude:", chat_tools.round_trip(gpt, "smart"))
    print("chat tool stream, fallen back to claude:", chat_tools.streamed_call(gpt, "smart"))

    # The Anthropic fallback's error (a retired model) in OpenAI's shape, with its status.
    try:
        gpt.chat.completions.create(model="smart-retired", max_tokens=5, messages=hello)
        raise AssertionError("an error was answered as a success")
    except openai.NotFoundError as error:
        assert error.status_code == 404, error
        assert isinstance(error.body, dict) and error.body.get("message"), error.body
        assert error.body.get("type") == "invalid_request_error", error.body
        print("translated error:", error.status_code, error.body)

elif scenario == "messages-to-openai":
    client = anthropic.Anthropic(base_url=base_url, api_key=key, max_retries=0, timeout=30)
    reply = client.messages.create(model="claude-first", max_tokens=5, system="Be brief", messages=hello)
    assert reply.type == "message" and reply.content[0].type == "text", reply
    assert reply.model == "gpt-4o-mini", reply
    assert reply.stop_reason == "max_tokens" and reply.usage.output_tokens == 5, reply
    print("messages, fallen back to openai:", reply.content[0].text, reply.usage)

    with client.messages.stream(model="claude-first", max_tokens=3, messages=hello) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and final.usage.output_tokens == 3, (text, final.usage)
    print("messages stream, fallen back to openai:", repr(text), final.usage)

    tools = [{
        "name": "get_weather",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }]
    use = client.messages.create(
        model="claude-first", max_tokens=64, tools=tools, tool_choice={"type": "any"},
        messages=[{"role": "user", "content": "Weather in Paris?"}],
    )
    assert use.stop_reason == "tool_use", use
    block = [b for b in use.content if b.type == "tool_use"][0]
    assert block.name == "get_weather" and block.input == {"city": "demo"}, block
    print("tool use, fallen back to openai:", block.id, block.input)

    # The OpenAI fallback's error (a retired model) in Anthropic's shape, with its status.
    try:
        client.messages.create(model="claude-retired", max_tokens=5, messages=hello)
        raise AssertionError("an error was answered as a success")
    except anthropic.NotFoundError as error:
        assert error.status_code == 404, error
        assert error.body["type"] == "error" and error.body["error"]["message"], error.body
        assert error.body["error"]["type"] == "not_found_error", error.body
        print("translated error:", error.status_code, error.body)

else:
    raise SystemExit("unknown scenario " + scenario)

print("PASSED")
