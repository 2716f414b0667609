"""`maestro mcp`: the MCP server over stdio, driven by the SDK's own client (stdio_client + ClientSession).

One server process serves the whole module (the ``start_mcp`` fixture); its root folder holds copies of the worked
examples and the fixture engagement, the only place check_threat_model may read.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from maestro import scoring, urls
from maestro.kb import LAYER_ORDER
from maestro.mcp_server import REFUSED, REPORT_REFUSED

mcp = pytest.importorskip("mcp", reason="the mcp package (requirements.txt) is not installed")

ROOT = Path(__file__).resolve().parents[1]
TOOLS = {"lookup_id": {"id"}, "search": {"query", "limit"}, "list_ids": {"type", "layer"}, "resolve_citation": {"text"},
         "score_risk": {"severity", "likelihood", "statuses", "vector", "complexity"}, "check_threat_model": {"path"},
         "report_summary": {"path"}}
STARTUP_BUDGET = 5.0  # seconds from spawning the process to a finished initialize handshake
ENGAGEMENTS = {"rag-agent.json": "data/examples/rag-agent.json", "devops-deployment.json": "data/examples/devops-deployment.json",
               "clinic-assistant": "tests/fixtures/engagement/clinic-assistant"}  # name in the root: source in the checkout


HOST = "/"
"""The address IDs are given under: site-relative, as this test session sets no SITE_URL (maestro/urls.py)."""


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """The server's --root: a copy of each engagement in ENGAGEMENTS."""
    folder = tmp_path_factory.mktemp("mcp-root")
    for name, src in ENGAGEMENTS.items():
        (shutil.copytree if (ROOT / src).is_dir() else shutil.copy2)(ROOT / src, folder / name)
    return folder


@pytest.fixture(scope="module")
def server(root, start_mcp):
    s = start_mcp(root=root)
    yield s
    s.close()


# ------------------------------------------------------------------ the server
def test_starts_quickly_and_states_its_knowledge_base_version(server, kb):
    assert server.startup < STARTUP_BUDGET, f"initialize took {server.startup:.1f} s"
    info = server.init
    assert info.server_info.name == "maestro" and info.server_info.version == kb.version
    assert f"version {kb.version}" in info.instructions and "lookup_id" in info.instructions


def test_tool_list_is_exactly_the_seven_tools_with_input_schemas(server):
    tools = {t.name: t for t in server.run(server.session.list_tools()).tools}
    assert set(tools) == set(TOOLS)
    for name, t in tools.items():
        schema = t.input_schema
        assert schema["type"] == "object" and set(schema["properties"]) == TOOLS[name], name
        assert t.description and len(t.description) > 80, name
        assert all(p.get("description") for p in schema["properties"].values()), name
        assert t.annotations.read_only_hint is True and t.annotations.open_world_hint is False, name
    assert tools["lookup_id"].input_schema["required"] == ["id"]
    assert set(tools["score_risk"].input_schema["required"]) == {"severity", "likelihood"}
    assert tools["list_ids"].input_schema["properties"]["type"]["anyOf"][0]["enum"] == \
        ["threat", "blindspot", "mitigation", "layer", "checklist"]


def test_stdout_carries_only_the_protocol(start_raw_stdio):
    """Raw stdio: every line the server writes to stdout is a JSON-RPC message, even the first."""
    lines = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}},
             {"jsonrpc": "2.0", "method": "notifications/initialized"},
             {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}]
    # stdin stays open until the last answer is in: a server may stop at end of input before it has answered
    proc = start_raw_stdio()
    try:
        for m in lines:
            proc.send(m)
        raw = [proc.receive_line(60), proc.receive_line(60)]      # one line per answer (initialize, tools/list)
    finally:
        code, rest = proc.close()
    raw += rest                                                    # anything else it writes before it exits
    assert code == 0, proc.stderr()
    out = [json.loads(line) for line in raw if line.strip()]
    assert [m.get("id") for m in out] == [1, 2] and all(m["jsonrpc"] == "2.0" for m in out), raw
    assert len(out[1]["result"]["tools"]) == len(TOOLS)


def test_without_the_mcp_package_exits_2_with_one_line(maestro_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "mcp", None)  # makes `import mcp` raise ImportError
    code, out, err = maestro_cli("mcp")
    lines = [l for l in err.splitlines() if "differ from the release manifest" not in l]
    assert code == 2 and out == "" and len(lines) == 1 and "requirements" in lines[0], err


# ------------------------------------------------------------------ lookup_id
def _expected(kb, ident: str) -> tuple[str, str, str]:
    """(type, canonical name, URL) of an ID, from the knowledge base and the URL contract."""
    if ident in kb.items:
        return "checklist", kb.items[ident]["text"], f"{HOST}playbook/08-checklists/#{ident}"
    info = kb.all_ids()[ident]
    return info["type"], info["name"], HOST.rstrip("/") + urls.url_of(info["type"], ident)


@pytest.mark.parametrize("ident", ["T12", "T40", "T26", "BV-3", "L3-D2", "CL-R3", "L3", "CL", "CK-L1-01", "CK-BV-12"])
def test_lookup_returns_the_canonical_name_url_and_citation(server, kb, ident):
    kind, name, url = _expected(kb, ident)
    r = server.data("lookup_id", id=ident)
    assert (r["id"], r["type"], r["name"], r["url"]) == (ident, kind, name, url)
    assert r["status"] == kb.status_of(ident) if kind != "checklist" else r["status"] == "active"
    assert r["citation"] == kb.meta["citation"].format(id=ident, version=kb.version) and r["kb_version"] == kb.version
    assert isinstance(r["layers"], list) and isinstance(r["related"], dict)


def test_lookup_relates_a_threat_to_its_mitigations_and_a_mitigation_to_its_threats(server, kb):
    t = server.data("lookup_id", id="T12")
    assert [m["id"] for m in t["related"]["mitigations"]] == [m for k in "PDCR" for m in kb.mitigations_for("T12")[k]]
    assert t["layers"] == [l for l in LAYER_ORDER if l in kb.threat_layers["T12"]]
    assert t["layer_strength"] == kb.threat_layers["T12"]
    m = server.data("lookup_id", id="L3-D2")
    assert [x["id"] for x in m["related"]["threats"]] == kb.mitigations["L3-D2"]["addresses"]
    assert m["layer"] == "L3" and m["control_type"] == "detective"
    layer = server.data("lookup_id", id="L3")
    assert [x["id"] for x in layer["related"]["primary_threats"]] == kb.layer_threats("L3")["primary"]
    assert server.data("lookup_id", id="T26")["status"] == "reserved"


def test_lookup_of_an_unknown_id_is_an_error_naming_it(server):
    r = server.call("lookup_id", id="T99")
    assert r.is_error and "T99" in server.text(r) and "not an ID" in server.text(r)
    assert "T9 " in server.text(r)  # a near ID is suggested
    r = server.call("lookup_id", id="OWASP T16")
    assert r.is_error and "T30" in server.text(r)  # another publisher's ID: what it is and the nearest MAESTRO threats


@pytest.mark.parametrize("raw,ident", [("t12", "T12"), (" bv-3 ", "BV-3"), ("l3-d2", "L3-D2"), ("cl", "CL"),
                                       ("ck-l1-01", "CK-L1-01"), ("MAESTRO t6", "T6")])
def test_lookup_is_case_insensitive_and_ignores_spaces(server, raw, ident):
    assert server.data("lookup_id", id=raw)["id"] == ident


# ------------------------------------------------------------------ search
@pytest.mark.parametrize("query,first,kind", [("T1", "T1", "threat"), ("t1", "T1", "threat"), ("L3", "L3", "layer"),
                                              ("BV-1", "BV-1", "blindspot"), ("L3-D2", "L3-D2", "mitigation")])
def test_search_ranks_the_exact_id_first(server, query, first, kind):
    r = server.data("search", query=query)
    assert (r["results"][0]["id"], r["results"][0]["type"], r["results"][0]["match"]) == (first, kind, "id")


def test_search_ranks_an_exact_threat_name_first(server, kb):
    name = kb.threats["T6"]["name"]
    for q in (name, name.lower(), f"  {name.upper()} "):
        r = server.data("search", query=q)
        assert (r["results"][0]["id"], r["results"][0]["match"]) == ("T6", "name"), q


def test_search_is_deterministic_and_respects_the_limit(server):
    a = server.data("search", query="memory poisoning", limit=7)
    assert a == server.data("search", query="memory poisoning", limit=7)
    assert a["count"] == len(a["results"]) == 7 and a["results"][0]["id"] == "T1"
    tiers = [r["match"] for r in a["results"]]
    from maestro.mcp_server import MATCHES
    assert [MATCHES.index(t) for t in tiers] == sorted(MATCHES.index(t) for t in tiers)
    assert server.call("search", query="  ").is_error
    assert server.call("search", query="x", limit=0).is_error


# ------------------------------------------------------------------ list_ids
@pytest.mark.parametrize("layer", ["L1", "L3", "L7", "CL"])
def test_list_by_layer_equals_the_knowledge_base_mapping(server, kb, layer):
    threats = server.data("list_ids", type="threat", layer=layer)["ids"]
    assert {r["id"]: r["strength"] for r in threats} == {t: c[layer] for t, c in kb.threat_layers.items() if layer in c}
    mits = [r["id"] for r in server.data("list_ids", type="mitigation", layer=layer)["ids"]]
    assert mits == sorted((m for g in kb.layer_mitigations(layer).values() for m in g), key=kb.mitigation_sort_key)
    bvs = [r["id"] for r in server.data("list_ids", type="blindspot", layer=layer.lower())["ids"]]
    assert bvs == kb.layer_blindspots(layer)
    items = [r["id"] for r in server.data("list_ids", type="checklist", layer=layer)["ids"]]
    assert items == [i["id"] for i in kb.sections[layer]["items"]]
    every = server.data("list_ids", layer=layer)
    assert {r["id"] for r in every["ids"]} == {layer, *(r["id"] for r in threats), *mits, *bvs, *items}


def test_list_by_type_holds_every_id_with_its_name(server, kb):
    all_ids = kb.all_ids()
    for kind in ("threat", "blindspot", "mitigation", "layer"):
        got = {r["id"]: r["name"] for r in server.data("list_ids", type=kind)["ids"]}
        assert got == {i: v["name"] for i, v in all_ids.items() if v["type"] == kind}, kind
    assert server.data("list_ids", type="checklist")["count"] == len(kb.items)
    assert server.data("list_ids")["count"] == len(all_ids) + len(kb.items)
    r = server.call("list_ids", layer="L9")
    assert r.is_error and "L9" in server.text(r)
    assert server.call("list_ids", type="threats").is_error


# ------------------------------------------------------------------ resolve_citation
def test_resolve_a_citation_of_the_current_version(server, kb):
    r = server.data("resolve_citation", text=f"MAESTRO T12 (v{kb.version})")
    assert (r["id"], r["cited_version"], r["is_current_version"], r["name"]) == ("T12", kb.version, True, kb.threats["T12"]["name"])
    assert r["url"] == f"{HOST}threats/T12/" and r["cited_release"]["same_name"] is True


def test_resolve_a_citation_of_an_old_release(server, kb):
    r = server.data("resolve_citation", text="MAESTRO T12 (v1.0.0)")
    assert r["is_current_version"] is False and r["current_version"] == kb.version
    assert r["cited_release"] == {"version": "1.0.0", "kept": True, "existed": True, "name": kb.threats["T12"]["name"],
                                  "status": "active", "same_name": True}
    new = server.data("resolve_citation", text="MAESTRO T48 (v1.0.0)")  # added in 1.1.0
    assert new["cited_release"]["existed"] is False and any("did not exist" in n for n in new["notes"])
    gone = server.data("resolve_citation", text="MAESTRO T12 (v0.9.0)")
    assert gone["cited_release"]["kept"] is False


@pytest.mark.parametrize("text,ident,version", [("MAESTRO L3-D2", "L3-D2", None), ("see maestro bv-3 (v1.0.0).", "BV-3", "1.0.0"),
                                                (f"{HOST}mitigations/L3-D2/", "L3-D2", None),
                                                (f"{HOST}layers/cross-layer/", "CL", None),
                                                ("/1.0.0/threats/T6/", "T6", "1.0.0")])
def test_resolve_citation_forms_and_page_urls(server, text, ident, version):
    r = server.data("resolve_citation", text=text)
    assert (r["id"], r["cited_version"]) == (ident, version)
    assert r["is_current_version"] is (None if version is None else False)


def test_resolve_citation_refuses_what_is_not_a_maestro_id(server):
    for text in ("MAESTRO T99 (v1.1.0)", "no id here", "OWASP T16", "https://maestro-playbook.example.org/guides/quickstart/"):
        r = server.call("resolve_citation", text=text)
        assert r.is_error, text


# ------------------------------------------------------------------ score_risk
CELLS = [("High", "Likely", None), ("critical", "very likely", "partial"), ("Low", "Unlikely", "implemented"),
         ("Medium", "Possible", "preventive=implemented,detective=partial"), ("High", "Very Likely", {"preventive": "implemented"})]


@pytest.mark.parametrize("severity,likelihood,statuses", CELLS)
def test_score_risk_equals_maestro_scoring(server, kb, severity, likelihood, statuses):
    args = {"severity": severity, "likelihood": likelihood} | ({"statuses": statuses} if statuses is not None else {})
    got = server.data("score_risk", **args)
    stat = ",".join(f"{k}={v}" for k, v in statuses.items()) if isinstance(statuses, dict) else statuses or "not"
    s = scoring.score(kb, severity, likelihood, stat)
    assert got == {**s.as_dict(), "required_controls": scoring.required_types(kb, s.level)}


def test_score_risk_matches_the_cli_and_rejects_bad_values(maestro_cli, server):
    code, out, _ = maestro_cli("--json", "score", "--severity", "High", "--likelihood", "Possible", "--status", "partial",
                               "--vector", "Network", "--complexity", "Low")
    assert code == 0
    assert server.data("score_risk", severity="High", likelihood="Possible", statuses="partial", vector="Network",
                       complexity="Low") == json.loads(out)
    r = server.call("score_risk", severity="Severe", likelihood="Likely")
    assert r.is_error and "Severe" in server.text(r)


# ------------------------------------------------------------------ check_threat_model
@pytest.mark.parametrize("path", list(ENGAGEMENTS))
def test_check_a_clean_threat_model(server, path):
    r = server.data("check_threat_model", path=path)  # relative to the server's root folder
    unverified = [f for f in r["findings"] if f["rule"] == "MC424"]  # the server is given no source tree to verify against
    assert r["ok"] is True and r["errors"] == 0 and r["warnings"] == len(unverified), r["findings"]
    assert r["checked"] and r["kb_version"] and r["findings_left_off"] == 0


def test_check_takes_an_absolute_path_inside_the_root(server, root):
    r = server.data("check_threat_model", path=str(root / "clinic-assistant"))
    assert r["ok"] is True and r == server.data("check_threat_model", path="clinic-assistant")


def test_check_a_broken_copy_reports_findings_with_rule_codes(maestro_cli, server, root, kb):
    doc = json.loads((ROOT / "data/examples/rag-agent.json").read_text(encoding="utf-8"))
    doc["threats"][0]["maps_to"][0]["name"] = "Goal Hijack"        # not T6's canonical name
    doc["threats"][1]["maps_to"][0]["id"] = "T99"                  # no such threat
    broken = root / "broken" / "threat-model.json"
    broken.parent.mkdir()
    broken.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    r = server.data("check_threat_model", path="broken/threat-model.json")
    assert r["ok"] is False and r["errors"] >= 2 and r["errors"] == sum(f["severity"] == "error" for f in r["findings"])
    assert {"MC203", "MC201"} <= set(r["rules"]), r["rules"]  # a misnamed ID, an ID that does not exist
    assert all(f["rule"].startswith("MC") and f["file"] and f["line"] for f in r["findings"])
    code, out, _ = maestro_cli("--json", "check", str(broken))
    assert code == 1 and json.loads(out)["findings"] == r["findings"]  # the same findings as `maestro check`


def test_check_a_path_that_does_not_exist_is_refused_without_naming_it(server):
    r = server.call("check_threat_model", path="no-such-project")
    assert r.is_error and server.text(r).endswith(REFUSED) and "no-such-project" not in server.text(r)


# ------------------------------------------------------------------ report_summary
@pytest.mark.parametrize("path", list(ENGAGEMENTS))
def test_report_summary_is_the_summary_maestro_report_writes(server, root, path, kb):
    from maestro import report
    r = server.data("report_summary", path=path)
    local = report.executive_summary(kb, report.load_model(kb, root / path))
    assert {k: r[k] for k in ("title", "check", "notes", "summary")} == json.loads(json.dumps(local))
    assert r["kb_version"] == kb.version and r["path"] == str(root / path)
    doc = json.loads(((root / path / "threat-model.json") if (root / path).is_dir() else root / path).read_text(encoding="utf-8"))
    assert [t["id"] for t in r["summary"]["top"]] == doc["summary"]["top_risks"][:5]
    assert r["check"]["errors"] == 0 and r["summary"]["threats"] == len(doc["threats"])


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside", "no-such-project", "notes.md"])
def test_report_summary_reads_only_engagements_inside_the_root(server, root, path):
    (root / "notes.md").write_text("# notes\n", encoding="utf-8")
    r = server.call("report_summary", path=path)
    assert r.is_error and server.text(r).endswith(REPORT_REFUSED) and path not in server.text(r).replace(REPORT_REFUSED, "")


def test_nothing_reaches_stderr_but_the_manifest_warning(server):
    """The server logs quietly: tool errors above are results, not log noise (the manifest warning is the CLI's)."""
    lines = [l for l in server.stderr().splitlines() if l.strip() and "differ from the release manifest" not in l]
    assert not lines, "\n".join(lines)
