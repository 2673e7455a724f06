#!/usr/bin/env python3
"""What the upstream model filter costs Envoy per request: CPU time of the Envoy process over N
sequential requests (keep-alive, one connection) through three clusters: no filter, the filter on a
request without x-tollgate-model-span (a shared cluster's other rules), and the filter rewriting the
model. A fourth variant is an attempt on a translating cluster (docs/xds.md, "The body's API, per
attempt") that needs no translation: the composite filter keyed on x-tollgate-translation with a
value that matches no translation, so it runs nothing. CPU per request is read from /proc, so a busy machine slows the run but moves the numbers
less than latencies. Not a test: it prints a table for bench/README.md.

Usage: bench/attempt/run.py [requests per variant] [rounds]
"""
import http.client
import http.server
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
LUA = (ROOT / "envoy-xds/src/main/resources/dev/tollgate/xds/upstream-model.lua").read_text()
LUA = LUA.replace("${MODEL_SPAN_HEADER}", "x-tollgate-model-span").replace(
    "${UPSTREAM_MODEL_HEADER}", "x-tollgate-upstream-model")
BODY = json.dumps({
    "messages": [{"role": "user", "content": "Say hello in one short sentence, please." * 20}],
    "model": "fast",
    "tools": [{"type": "function", "function": {"name": "pick", "parameters": {
        "type": "object", "properties": {"model": {"type": "string"}}}}}],
    "max_tokens": 16,
}).encode()
START = BODY.index(b'"fast"')
SPAN = f"{START},{START + 6}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        model = json.loads(body)["model"].encode()
        answer = b'{"model":"' + model + b'"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


TRANSLATION = {"name": "tollgate.attempt_translation", "typed_config": {
    "@type": "type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher",
    "extension_config": {"name": "composite", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.composite.v3.Composite"}},
    "xds_matcher": {"matcher_tree": {
        "input": {"name": "translation", "typed_config": {
            "@type": "type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput",
            "header_name": "x-tollgate-translation"}},
        "exact_match_map": {"map": {t: {"action": {"name": "translate " + t, "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction",
            "typed_config": {"name": "envoy.filters.http.ext_proc", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
                "grpc_service": {"envoy_grpc": {"cluster_name": "processor"}, "timeout": "2s"},
                "processing_mode": {"request_body_mode": "BUFFERED", "response_header_mode": "SKIP",
                                    "request_trailer_mode": "SKIP",
                                    "response_trailer_mode": "SKIP"}}}}}}
            for t in ("openai-to-anthropic", "anthropic-to-openai")}}}}}}


def cluster(name, port, lua, translation=False):
    filters = []
    if translation:
        filters.append(TRANSLATION)
    if lua:
        filters.append({"name": "tollgate.upstream_model", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
            "default_source_code": {"inline_string": LUA}}})
    filters.append({"name": "envoy.filters.http.upstream_codec", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec"}})
    return {"name": name, "type": "STATIC", "connect_timeout": "1s",
            "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [{"endpoint": {
                "address": {"socket_address": {"address": "127.0.0.1", "port_value": port}}}}]}]},
            "typed_extension_protocol_options": {
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                    "explicit_http_config": {"http_protocol_options": {}},
                    "http_filters": filters}}}


def envoy_config(listen, admin, upstream):
    routes = [{"match": {"prefix": "/", "headers": [{"name": "x-bench-cluster",
                                                      "string_match": {"exact": c}}]},
               "route": {"cluster": c, "retry_policy": {"retry_on": "5xx", "num_retries": 1}}}
              for c in ("plain", "lua", "translating")]
    return {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin}}},
            "static_resources": {
                "listeners": [{"name": "l", "address": {"socket_address": {
                    "address": "127.0.0.1", "port_value": listen}},
                    "filter_chains": [{"filters": [{
                        "name": "envoy.filters.network.http_connection_manager",
                        "typed_config": {
                            "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                            "stat_prefix": "bench",
                            "route_config": {"virtual_hosts": [{"name": "v", "domains": ["*"],
                                                                 "routes": routes}]},
                            "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
                                "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}]}]}],
                "clusters": [cluster("plain", upstream, False), cluster("lua", upstream, True),
                             cluster("translating", upstream, False, True),
                             # Never called: the bench's attempts need no translation.
                             {"name": "processor", "type": "STATIC", "connect_timeout": "1s",
                              "http2_protocol_options": {},
                              "load_assignment": {"cluster_name": "processor", "endpoints": [
                                  {"lb_endpoints": [{"endpoint": {"address": {"socket_address": {
                                      "address": "127.0.0.1", "port_value": 9}}}}]}]}}]}}


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(port, pid, headers, n):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    before = cpu_seconds(pid)
    for _ in range(n):
        conn.request("POST", "/v1/chat/completions", BODY, headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200:
            raise SystemExit(f"{headers}: {response.status} {answer!r}")
    conn.close()
    return (cpu_seconds(pid) - before) / n * 1e6, json.loads(answer)["model"]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    listen, admin = free_port(), free_port()
    work = pathlib.Path(tempfile.mkdtemp(prefix="tollgate-bench-attempt-"))
    (work / "envoy.json").write_text(json.dumps(envoy_config(listen, admin, stub.server_address[1])))
    envoy = subprocess.Popen(["envoy", "-c", str(work / "envoy.json"), "--concurrency", "1",
                              "--log-level", "warn", "--base-id", str(listen)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", admin, timeout=1)
                probe.request("GET", "/ready")
                if probe.getresponse().status == 200:
                    socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("Envoy did not become ready in 60 s")
        variants = {
            "no filter": {"x-bench-cluster": "plain"},
            "filter, no span (passes)": {"x-bench-cluster": "lua"},
            "filter, span (rewrites)": {"x-bench-cluster": "lua", "x-tollgate-model-span": SPAN,
                                        "x-tollgate-upstream-model": "llama-3.1-8b-instruct"},
            "translating cluster, own API (no call)": {"x-bench-cluster": "translating",
                                                       "x-tollgate-translation": "openai-to-openai"},
        }
        for headers in variants.values():
            run(listen, envoy.pid, headers, 300)  # warm-up
        results = {name: [] for name in variants}
        models = {}
        for _ in range(rounds):
            for name, headers in variants.items():
                cpu, models[name] = run(listen, envoy.pid, headers, n)
                results[name].append(cpu)
        print(f"{n} requests x {rounds} rounds, body {len(BODY)} bytes, load "
              f"{os.getloadavg()[0]:.1f}")
        print("| variant | Envoy CPU per request (median of rounds) | model upstream |")
        print("|---|---:|---|")
        for name, cpus in results.items():
            print(f"| {name} | {statistics.median(cpus):.0f} µs | {models[name]} |")
    finally:
        envoy.terminate()
        envoy.wait(10)
        stub.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
