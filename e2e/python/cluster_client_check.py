"""The cluster test's calls (helm ClusterIT), made with the official OpenAI Python client through a
port-forward to the chart's Envoy Service.

Usage: cluster_client_check.py governed | calls N | budget ANSWERS | traffic SECONDS | tier
Environment: TOLLGATE_BASE_URL (e.g. http://127.0.0.1:PORT/v1), TOLLGATE_KEY, TOLLGATE_MODEL
(default fast).
Prints PASSED (and for traffic the counts) and exits 0 when every check holds; raises otherwise.
"""
import os
import sys
import time

import openai

client = openai.OpenAI(
    base_url=os.environ["TOLLGATE_BASE_URL"],
    api_key=os.environ["TOLLGATE_KEY"],
    max_retries=0,
    timeout=30,
)
scenario = sys.argv[1]


def ask(model=os.environ.get("TOLLGATE_MODEL", "fast"), max_tokens=8):
    return client.chat.completions.create(
        model=model, max_tokens=max_tokens, messages=[{"role": "user", "content": "Hello"}]
    )


def ask_past_store_outage(seconds=60):
    """Asks until the budget store answers. Envoy's 503 "budget service is unavailable" means the
    request was not sent and nothing was reserved or committed, so retrying it keeps the budget
    check exact. Right after the rate-limit Deployment rolls, an Envoy worker whose connection went
    to an old Pod can still answer that 503 (docs/cluster.md)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return ask()
        except openai.InternalServerError as error:
            unavailable = error.status_code == 503 and "budget service is unavailable" in str(error)
            if not unavailable or time.monotonic() > deadline:
                raise
            print("budget store unavailable, retrying:", str(error)[:120])
            time.sleep(0.5)


if scenario == "governed":
    reply = ask()
    assert reply.choices[0].message.content, reply
    assert reply.usage.total_tokens > 0, reply.usage
    print("governed call:", reply.model, reply.usage.total_tokens, "tokens")
elif scenario == "calls":
    for _ in range(int(sys.argv[2])):
        ask()
    print(sys.argv[2], "calls answered")
elif scenario == "budget":
    # The test's TokenQuota leaves this client ANSWERS requests: those are answered, the next is
    # refused with the budget's 429.
    expected = int(sys.argv[2])
    for _ in range(expected):
        ask_past_store_outage()
    try:
        ask_past_store_outage()
        raise AssertionError("request past the budget was answered")
    except openai.RateLimitError as error:
        assert error.status_code == 429, error
        print("budget refusal after", expected, "answers:", error.status_code, error.body)
elif scenario == "tier":
    # TOLLGATE_MODEL (smart) has a tier (fast) and a budget whose warn threshold a few requests
    # reach: the first requests are answered by smart's model without the header, then one falls
    # to the tier, says so in x-tollgate-downgraded, and is answered by the tier's model.
    stayed = 0
    for attempt in range(6):
        raw = client.chat.completions.with_raw_response.create(
            model=os.environ.get("TOLLGATE_MODEL", "smart"),
            max_tokens=8,
            messages=[{"role": "user", "content": "Hello"}],
        )
        reply = raw.parse()
        downgraded = raw.headers.get("x-tollgate-downgraded")
        print("tier call", attempt, "model", reply.model, "x-tollgate-downgraded:", downgraded)
        if downgraded is None:
            assert reply.model.startswith("gpt-4o") and not reply.model.startswith("gpt-4o-mini"), reply.model
            stayed += 1
            continue
        assert stayed > 0, "the first request fell already: " + downgraded
        assert downgraded.startswith("fast; from=smart; reason=warn; quota=team-t/tier-budget"), downgraded
        assert reply.model.startswith("gpt-4o-mini"), reply.model
        print("fell to the tier after", stayed, "answers by smart's model:", downgraded)
        break
    else:
        raise AssertionError("no request fell to the tier after %d answers" % stayed)
elif scenario == "traffic":
    # Steady traffic for SECONDS; every request must be answered.
    # The answers are counted by the model that gave them, so a canary backend that never answers
    # shows.
    start = time.monotonic()
    deadline = start + float(sys.argv[2])
    ok, failed, errors, by_model = 0, 0, [], {}
    while time.monotonic() < deadline:
        try:
            reply = ask()
            ok += 1
            by_model[reply.model] = by_model.get(reply.model, 0) + 1
        except openai.APIError as error:
            failed += 1
            # Seconds since the start: ClusterIT deletes the operator Pod at 8 s.
            # The budget's Warning header tells a spent budget from a store that did not answer.
            response = getattr(error, "response", None)
            warning = response.headers.get("x-tollgate-quota-warning") if response is not None else None
            errors.append("%.1fs %s warning=%s" % (time.monotonic() - start, repr(error)[:200], warning))
        time.sleep(0.2)
    print("traffic:", ok, "answered,", failed, "failed; answers by model:", by_model, errors[:3])
    assert ok > 0 and failed == 0, errors[:5]
else:
    raise SystemExit("unknown scenario " + scenario)
print("PASSED")
