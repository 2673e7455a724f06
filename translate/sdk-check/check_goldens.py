"""Reads the translate module's golden outputs with the official SDKs.

Serves each translated response (JSON and SSE) from a local HTTP server on 127.0.0.1 and has the
`openai` and `anthropic` Python clients parse it, so the goldens are proven to be what the SDKs
expect, not only what the tests say. Usage: python check_goldens.py <golden dir>
"""

import http.server
import json
import pathlib
import sys
import threading

import anthropic
import openai

GOLDEN = pathlib.Path(sys.argv[1])
served = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        status, content_type, body = served["next"]
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"
oa = openai.OpenAI(base_url=base + "/v1", api_key="k", max_retries=0)
an = anthropic.Anthropic(base_url=base, api_key="k", max_retries=0)
failures = 0


def serve(status, content_type, body):
    served["next"] = (status, content_type, body)


def check(name, fn):
    global failures
    try:
        print(f"ok   {name}: {fn()}")
    except Exception as e:  # noqa: BLE001 - report every case
        failures += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")


def openai_json(path):
    out = json.loads(path.read_text())
    serve(out["status"], "application/json", json.dumps(out["body"]).encode())
    try:
        r = oa.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        m = r.choices[0].message
        return f"{r.choices[0].finish_reason} content={m.content!r} tools={len(m.tool_calls or [])} usage={r.usage.prompt_tokens}/{r.usage.completion_tokens}"
    except openai.APIStatusError as e:
        return f"{type(e).__name__} {e.status_code}"


def openai_stream(path):
    serve(200, "text/event-stream", path.read_bytes())
    text, tools, finish, usage = "", {}, None, None
    try:
        for chunk in oa.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True):
            if chunk.usage:
                usage = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            for c in chunk.choices:
                text += c.delta.content or ""
                finish = c.finish_reason or finish
                for t in c.delta.tool_calls or []:
                    tools.setdefault(t.index, "")
                    tools[t.index] += t.function.arguments or ""
    except openai.APIError as e:
        return f"raised {type(e).__name__} after {text!r}"
    return f"{finish} text={text!r} tools={tools} usage={usage}"


def anthropic_json(path):
    out = json.loads(path.read_text())
    serve(out["status"], "application/json", json.dumps(out["body"]).encode())
    try:
        r = an.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "x"}])
        return f"{r.stop_reason} blocks={[b.type for b in r.content]} usage={r.usage.input_tokens}/{r.usage.cache_read_input_tokens}/{r.usage.output_tokens}"
    except anthropic.APIStatusError as e:
        return f"{type(e).__name__} {e.status_code}"


def anthropic_stream(path):
    serve(200, "text/event-stream", path.read_bytes())
    try:
        with an.messages.stream(model="m", max_tokens=10, messages=[{"role": "user", "content": "x"}]) as s:
            m = s.get_final_message()
        inputs = [b.input for b in m.content if b.type == "tool_use"]
        return f"{m.stop_reason} blocks={[b.type for b in m.content]} inputs={inputs} usage={m.usage.input_tokens}/{m.usage.cache_read_input_tokens}/{m.usage.output_tokens}"
    except anthropic.APIError as e:
        return f"raised {type(e).__name__}"


for p in sorted((GOLDEN / "openai-chat-to-anthropic/response").glob("*.out.json")):
    check("openai json " + p.name, lambda p=p: openai_json(p))
for p in sorted((GOLDEN / "openai-chat-to-anthropic/stream").glob("*.out.sse")):
    check("openai stream " + p.name, lambda p=p: openai_stream(p))
for p in sorted((GOLDEN / "anthropic-to-openai-chat/response").glob("*.out.json")):
    check("anthropic json " + p.name, lambda p=p: anthropic_json(p))
for p in sorted((GOLDEN / "anthropic-to-openai-chat/stream").glob("*.out.sse")):
    check("anthropic stream " + p.name, lambda p=p: anthropic_stream(p))
server.shutdown()
sys.exit(1 if failures else 0)
