#!/usr/bin/env python3
"""Writes the JSON schemas kubeconform validates against, from local sources only.

kubeconform downloads its schemas from GitHub by default, which our machines cannot reach. This
script builds the same kind of schemas from:
  --swagger FILE   the Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json of
                   k8s.io/kubernetes), for every built-in kind;
  --crd FILE...    CustomResourceDefinitions (Tollgate's, and others the manifests use), for
                   every version they serve.
The schemas are strict: an object with declared properties accepts no others, so a misspelt
field fails validation instead of being dropped silently by the API server.

Layout: kubeconform's own, OUT/{kind}-{first label of the group}-{version}.json, e.g.
deployment-apps-v1.json, service-v1.json, airoute-tollgate-v1alpha1.json; pass
  -schema-location 'OUT/{{ .ResourceKind }}{{ .KindSuffix }}.json'
Two groups with the same first label would share a file name: the script refuses that.

Usage: scripts/kubeconform-schemas.py --swagger swagger.json --crd a.yaml b.yaml --out DIR
"""

import argparse
import copy
import json
import os
import sys

try:
    import yaml  # PyYAML, for CRDs
except ImportError:  # pragma: no cover - reported below
    yaml = None

INT_OR_STRING = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
QUANTITY = {"oneOf": [{"type": "string"}, {"type": "number"}]}


def strict(schema):
    """Closes every object that declares properties; leaves maps and free-form objects open.

    Walks only schema positions (a property may be named "properties" or "items")."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {name: strict(sub) for name, sub in out["properties"].items()}
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = strict(out["additionalProperties"])
    if isinstance(out.get("items"), dict):
        out["items"] = strict(out["items"])
    for keyword in ("allOf", "anyOf", "oneOf"):
        if isinstance(out.get(keyword), list):
            out[keyword] = [strict(sub) for sub in out[keyword]]
    if isinstance(out.get("not"), dict):
        out["not"] = strict(out["not"])
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.update(copy.deepcopy(INT_OR_STRING))
    if "properties" in out and "additionalProperties" not in out \
            and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def swagger_schemas(path):
    with open(path, encoding="utf-8") as f:
        definitions = json.load(f)["definitions"]
    # Types whose JSON is not what their declared type says.
    special = {
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString": INT_OR_STRING,
        "io.k8s.apimachinery.pkg.api.resource.Quantity": QUANTITY,
    }

    def closure(name, seen):
        if name in seen or name in special:
            return
        seen.add(name)
        stack = [definitions[name]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/definitions/"):
                    closure(ref[len("#/definitions/"):], seen)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)

    for name, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            if name.endswith("List") or "properties" not in definition:
                continue
            props = definition["properties"]
            if "apiVersion" not in props or "kind" not in props:
                continue
            seen = set()
            closure(name, seen)
            defs = {n: strict(definitions[n]) for n in sorted(seen)}
            defs.update({n: copy.deepcopy(s) for n, s in special.items()})
            schema = {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "$ref": "#/definitions/" + name,
                "definitions": defs,
            }
            yield gvk.get("group", ""), gvk["kind"], gvk["version"], schema


def yaml12_loader():
    """A safe loader that reads only true/false as booleans (YAML 1.2), so a key "on" stays text."""
    import re

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    # YAML 1.2 floats: the exponent's sign is optional (1.0E8, as Fabric8 writes maxima).
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)$"),
        list("-+.0123456789"))
    return Loader


def crd_schemas(path):
    with open(path, encoding="utf-8") as f:
        documents = [d for d in yaml.load_all(f, Loader=yaml12_loader()) if d]
    for crd in documents:
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = version.get("schema", {}).get("openAPIV3Schema")
            if schema is None:
                continue
            schema = strict(schema)
            props = schema.setdefault("properties", {})
            # apiVersion, kind and metadata are the API server's, not described in every CRD.
            props.setdefault("apiVersion", {"type": "string"})
            props.setdefault("kind", {"type": "string"})
            props["metadata"] = {"type": "object"}
            schema["$schema"] = "http://json-schema.org/draft-07/schema#"
            yield spec["group"], spec["names"]["kind"], version["name"], schema


def write(out, group, kind, version, schema, written):
    prefix = group.split(".")[0] + "-" if group else ""
    name = "%s-%s%s.json" % (kind.lower(), prefix, version)
    if written.get(name, group) != group:
        sys.exit("kubeconform-schemas: %s and %s both map to %s" % (written[name], group, name))
    written[name] = group
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        f.write(json.dumps(schema, sort_keys=True, separators=(",", ":")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swagger", required=True)
    parser.add_argument("--crd", nargs="*", default=[])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.crd and yaml is None:
        sys.exit("kubeconform-schemas: PyYAML is needed to read CRDs (pip install pyyaml)")
    written = {}
    for group, kind, version, schema in swagger_schemas(args.swagger):
        write(args.out, group, kind, version, schema, written)
    for path in args.crd:
        for group, kind, version, schema in crd_schemas(path):
            write(args.out, group, kind, version, schema, written)
    print("kubeconform-schemas: %d schemas in %s" % (len(written), args.out))


if __name__ == "__main__":
    main()
