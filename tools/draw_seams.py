"""Draw docs/architecture-seams.svg: the packages and the seams between them.

Plain SVG written by hand from the tables below (no plotting library), so the picture is
reproducible and reviewable as text: ``python tools/draw_seams.py`` rewrites the file.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "architecture-seams.svg"

# (id, label, sub-label, x, y, w, h, fill)
BOXES = [
    (
        "front",
        "front/ — blkfront",
        "handshake · rings · grant strategies",
        30,
        40,
        250,
        60,
        "#e8f0fe",
    ),
    (
        "back",
        "back/ — the backend",
        "negotiate · loop · data paths (Caps) · pools · hazard",
        420,
        40,
        330,
        60,
        "#e8f0fe",
    ),
    (
        "port",
        "xen/port.py — DomainPort",
        "GrantOps · EventChannels · StoreClient · Memory · GuestGrants · Balloon",
        30,
        170,
        620,
        55,
        "#fff4d6",
    ),
    (
        "emu",
        "xen/emulated.py + xen/",
        "the emulated hypervisor (counts work, no time)",
        30,
        290,
        330,
        55,
        "#eeeeee",
    ),
    (
        "real",
        "real dom0 port",
        "/dev/xen/gntdev · evtchn · xenstored",
        400,
        280,
        250,
        50,
        "#eeeeee",
    ),
    ("sched", "back/sched.py — Scheduler", "now · after · wake", 700, 330, 230, 50, "#fff4d6"),
    (
        "lab",
        "lab/ — assemble(), runs, figures",
        "TimedScheduler · device queues · verification",
        30,
        400,
        330,
        50,
        "#e6f4ea",
    ),
    (
        "timing",
        "timing/ + sim/",
        "meters (counter snapshots) · vCPUs · event engine",
        30,
        500,
        330,
        50,
        "#e6f4ea",
    ),
]
# (from, to, label) — arrows point from user to what it uses
ARROWS = [
    ("front", "port", "grant · evtchn · xenstore"),
    ("back", "port", "batched Xen structs"),
    ("front", "back", "shared ring + evtchn only"),
    ("emu", "port", "implements"),
    ("real", "port", "implements"),
    ("back", "sched", "when to run"),
    ("lab", "sched", "implements"),
    ("lab", "emu", "builds"),
    ("lab", "timing", "prices"),
]


def _centre(b: tuple) -> tuple[float, float]:
    _, _, _, x, y, w, h, _ = b
    return x + w / 2, y + h / 2


def _edge(b: tuple, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from b's centre towards (tx, ty) leaves b's rectangle."""
    _, _, _, x, y, w, h, _ = b
    cx, cy = _centre(b)
    dx, dy = tx - cx, ty - cy
    scale = min(w / 2 / abs(dx) if dx else 1e9, h / 2 / abs(dy) if dy else 1e9)
    return cx + dx * scale, cy + dy * scale


def svg() -> str:
    boxes = {b[0]: b for b in BOXES}
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="960" height="580" '
        'font-family="sans-serif" font-size="12">',
        '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
        '<rect width="960" height="580" fill="white"/>',
    ]
    for _key, label, sub, x, y, w, h, fill in BOXES:
        parts.append(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="#555"/>'
        )
        parts.append(
            f'<text x="{x + w / 2}" y="{y + 22}" text-anchor="middle" font-weight="bold">'
            f"{label}</text>"
        )
        parts.append(f'<text x="{x + w / 2}" y="{y + 40}" text-anchor="middle">{sub}</text>')
    for src, dst, label in ARROWS:
        a, b = boxes[src], boxes[dst]
        (x1, y1), (x2, y2) = _edge(a, *_centre(b)), _edge(b, *_centre(a))
        dash = ' stroke-dasharray="5,4"' if label.startswith("shared") else ""
        parts.append(
            f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#444"'
            f'{dash} marker-end="url(#a)"/>'
        )
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        parts.append(
            f'<text x="{mx:.0f}" y="{my - 8:.0f}" text-anchor="middle" fill="#333" '
            f'font-style="italic">{label}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    OUT.write_text(svg())
    print(f"wrote {OUT}")
