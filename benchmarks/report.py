"""Render a benchmark JSON document as the Markdown tables of docs/performance.md.

python -m benchmarks.report results.json
"""

import json
import sys


def _row(label: str, values: list, ratio=None) -> str:
    cells = [label, *[("-" if v is None else str(v)) for v in values]]
    if ratio is not None:
        cells.append(str(ratio))
    return "| " + " | ".join(cells) + " |"


def _api(run: dict) -> dict:
    api = run.get("api") or {}
    if not api:
        return {}
    return {
        "enrolment (nodes/s, 8 clients)": api["enroll"]["nodes_per_s"],
        "list /v1/nodes, all nodes (s)": api["list_nodes"]["median_s"],
        "list /v1/nodes/detail, all nodes (s)": api["list_nodes_detail"]["median_s"],
        "GET one node, 1 client, median (ms)": api["get_node"]["sequential"]["median_ms"],
        "GET one node, 8 clients, median (ms)": api["get_node"]["concurrent"]["median_ms"],
        "GET one node, 8 clients (req/s)": api["get_node"]["concurrent"]["req_per_s"],
    }


def _lifecycle(run: dict) -> dict:
    return {
        f"lifecycle of {count} nodes to active (s)": r["seconds_to_all_active"]
        for count, r in (run.get("lifecycle") or {}).items()
    }


# Whether a bigger figure is better, for the "ironic-lite is N x better" column.
def _better_is_bigger(label: str) -> bool:
    return "nodes/s" in label or "req/s" in label


def render(report: dict) -> str:
    topologies = [k for k in report if k.startswith("ironic_lite_")]
    ref = report.get("reference_ironic") or {}
    columns = [t[len("ironic_lite_") :] for t in topologies]
    header = ["measure", *[f"ironic-lite ({c})" for c in columns]]
    if ref:
        header += ["Ironic", f"ironic-lite ({columns[0]}) vs Ironic"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    measures: dict[str, list] = {}
    for i, key in enumerate(topologies + (["reference_ironic"] if ref else [])):
        source = report[key]
        found = {
            **_api(source),
            "peak RSS during the API suite (MiB)": (source.get("api") or {}).get("peak_rss_mib"),
            **_lifecycle(source),
            "peak RSS during the lifecycles (MiB)": source.get("lifecycle_peak_rss_mib"),
        }
        for label, value in found.items():
            measures.setdefault(label, [None] * (len(topologies) + (1 if ref else 0)))[i] = value
    for label, values in measures.items():
        ratio = None
        if ref and values[0] and values[-1]:
            mine, theirs = values[0], values[-1]
            x = mine / theirs if _better_is_bigger(label) else theirs / mine
            ratio = f"{x:.1f}x better" if x >= 1 else f"{1 / x:.1f}x worse"
        lines.append(_row(label, values, ratio if ref else None))
    return "\n".join(lines)


def main() -> int:
    with open(sys.argv[1]) as f:
        report = json.load(f)
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
