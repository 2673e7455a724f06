"""Chat Completions tool checks shared by the e2e scripts: a tool round trip and a streamed tool
call with the official openai client, against a backend that calls the request's first tool with
{"city": "demo"} (the strict Anthropic emulator does, translated). Raises when a check fails."""
import json

TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}]
ASK = [{"role": "user", "content": "Weather in Paris?"}]


def round_trip(gpt, model):
    """A tool call, then its result sent back; returns the call's id."""
    call = gpt.chat.completions.create(model=model, max_tokens=64, tools=TOOLS, messages=ASK)
    assert call.choices[0].finish_reason == "tool_calls", call
    tool_call = call.choices[0].message.tool_calls[0]
    assert tool_call.function.name == "get_weather", tool_call
    assert json.loads(tool_call.function.arguments) == {"city": "demo"}, tool_call
    answer = gpt.chat.completions.create(
        model=model,
        max_tokens=64,
        tools=TOOLS,
        messages=ASK + [
            call.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": tool_call.id, "content": "Sunny"},
        ],
    )
    assert answer.choices[0].finish_reason == "stop" and answer.choices[0].message.content, answer
    return tool_call.id


def streamed_call(gpt, model):
    """A streamed tool call; returns its arguments."""
    streamed_args, streamed_finish = "", None
    for chunk in gpt.chat.completions.create(
        model=model, max_tokens=64, tools=TOOLS, messages=ASK, stream=True
    ):
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or []:
                streamed_args += delta.function.arguments or ""
            streamed_finish = choice.finish_reason or streamed_finish
    assert streamed_finish == "tool_calls" and json.loads(streamed_args) == {"city": "demo"}, streamed_args
    return streamed_args
